// Rule instances' state on PostgreSQL, kept so a restart loses no pending timer: upserted by fingerprint.
import {
  RULE_STATE_COLUMNS,
  RULE_STATE_KEYS,
  ruleStateFromRow,
  ruleStateToRow,
  type RuleStateRow,
} from '../alerting-rows.js';
import { inOrder, placeholders } from '../paging.js';
import type { RuleInstanceRecord } from '../types.js';
import type { PoolClient } from './connection.js';

const UPSERT_SQL = `INSERT INTO rule_state (${RULE_STATE_COLUMNS}) VALUES (${placeholders(RULE_STATE_KEYS.length)})
  ON CONFLICT (fingerprint) DO UPDATE SET
  ${RULE_STATE_KEYS.filter((key) => key !== 'fingerprint').map((key) => `${key} = excluded.${key}`).join(', ')}`;

/** Upserts `records` and deletes the instances whose fingerprints are in `deleted`. */
export async function saveRuleState(client: PoolClient, records: readonly RuleInstanceRecord[], deleted: readonly string[]): Promise<void> {
  // Rows first, so that every row is checked before any statement runs.
  const rows = records.map(ruleStateToRow);
  // One statement per row: an evaluation cycle saves only the instances that changed, a handful.
  for (const row of rows) await client.query({ name: 'vigil_rule_state_upsert', text: UPSERT_SQL, values: inOrder(row, RULE_STATE_KEYS) });
  if (deleted.length > 0) {
    await client.query({ name: 'vigil_rule_state_delete', text: 'DELETE FROM rule_state WHERE fingerprint = ANY($1::text[])', values: [[...deleted]] });
  }
}

/** Every instance, by fingerprint. */
export async function allRuleState(client: PoolClient): Promise<RuleInstanceRecord[]> {
  const result = await client.query<RuleStateRow>({
    name: 'vigil_rule_state_all',
    text: `SELECT ${RULE_STATE_COLUMNS} FROM rule_state ORDER BY fingerprint`,
  });
  return result.rows.map(ruleStateFromRow);
}
