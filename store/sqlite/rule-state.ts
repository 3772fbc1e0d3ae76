// Rule instances' state on SQLite, kept so a restart loses no pending timer: upserted by fingerprint.
import type { Statement } from 'better-sqlite3';
import { RULE_STATE_COLUMNS, ruleStateFromRow, ruleStateToRow, type RuleStateRow } from '../alerting-rows.js';
import type { RuleInstanceRecord } from '../types.js';
import type { SqliteDatabase } from './db.js';

export class SqliteRuleState {
  readonly #upsert: Statement<RuleStateRow>;
  readonly #delete: Statement<[string]>;
  readonly #all: Statement<[], RuleStateRow>;

  constructor(db: SqliteDatabase) {
    this.#upsert = db.prepare(`
      INSERT INTO rule_state (${RULE_STATE_COLUMNS})
      VALUES (:fingerprint, :rule, :labels, :state, :active_since, :firing_since, :last_breach_at, :value, :counters, :incident_id, :updated_at)
      ON CONFLICT (fingerprint) DO UPDATE SET
        rule = excluded.rule, labels = excluded.labels, state = excluded.state, active_since = excluded.active_since,
        firing_since = excluded.firing_since, last_breach_at = excluded.last_breach_at, value = excluded.value,
        counters = excluded.counters, incident_id = excluded.incident_id, updated_at = excluded.updated_at`);
    this.#delete = db.prepare('DELETE FROM rule_state WHERE fingerprint = ?');
    this.#all = db.prepare(`SELECT ${RULE_STATE_COLUMNS} FROM rule_state ORDER BY fingerprint`);
  }

  /** Upserts `records` and deletes `deleted` (call inside a transaction). */
  save(records: readonly RuleInstanceRecord[], deleted: readonly string[]): void {
    // Rows first, so that every row is checked before any statement runs.
    const rows = records.map(ruleStateToRow);
    for (const row of rows) this.#upsert.run(row);
    for (const fingerprint of deleted) this.#delete.run(fingerprint);
  }

  /** Every instance, by fingerprint. */
  all(): RuleInstanceRecord[] {
    return this.#all.all().map(ruleStateFromRow);
  }
}
