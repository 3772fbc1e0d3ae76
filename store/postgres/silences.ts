// Silences on PostgreSQL.
import { NotFoundError } from '../../lib/errors.js';
import {
  SILENCE_COLUMNS,
  SILENCE_VALUE_KEYS,
  silenceFromRow,
  silenceValues,
  type SilenceRow,
} from '../alerting-rows.js';
import { inOrder, placeholders } from '../paging.js';
import type { NewSilence, Silence } from '../types.js';
import type { PoolClient } from './connection.js';

export async function createSilence(client: PoolClient, silence: NewSilence): Promise<Silence> {
  const result = await client.query<SilenceRow>({
    name: 'vigil_silence_insert',
    text: `INSERT INTO silences (${SILENCE_VALUE_KEYS.join(', ')}) VALUES (${placeholders(SILENCE_VALUE_KEYS.length)}) RETURNING ${SILENCE_COLUMNS}`,
    values: inOrder(silenceValues(silence), SILENCE_VALUE_KEYS),
  });
  return silenceFromRow(result.rows[0]!);
}

export async function getSilence(client: PoolClient, id: number): Promise<Silence | null> {
  const result = await client.query<SilenceRow>({
    name: 'vigil_silence_get',
    text: `SELECT ${SILENCE_COLUMNS} FROM silences WHERE id = $1`,
    values: [id],
  });
  return result.rows.length === 0 ? null : silenceFromRow(result.rows[0]!);
}

/** Silences ending after `at`, or all with `includeExpired`; by id. */
export async function listSilences(client: PoolClient, at: number, includeExpired: boolean): Promise<Silence[]> {
  const result = includeExpired
    ? await client.query<SilenceRow>({ name: 'vigil_silence_all', text: `SELECT ${SILENCE_COLUMNS} FROM silences ORDER BY id` })
    : await client.query<SilenceRow>({
        name: 'vigil_silence_active',
        text: `SELECT ${SILENCE_COLUMNS} FROM silences WHERE ends_at > $1 ORDER BY id`,
        values: [Math.floor(at)],
      });
  return result.rows.map(silenceFromRow);
}

/** Ends a silence at `at` (never later than it was to end); NotFoundError for an unknown id. */
export async function expireSilence(client: PoolClient, id: number, at: number): Promise<Silence> {
  const result = await client.query<SilenceRow>({
    name: 'vigil_silence_expire',
    text: `UPDATE silences SET ends_at = least(ends_at, $2) WHERE id = $1 RETURNING ${SILENCE_COLUMNS}`,
    values: [id, Math.floor(at)],
  });
  if (result.rows.length === 0) throw new NotFoundError(`there is no silence ${id}`);
  return silenceFromRow(result.rows[0]!);
}
