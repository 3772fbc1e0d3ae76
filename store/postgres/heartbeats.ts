// Heartbeat tokens and beats on PostgreSQL.
import { NotFoundError } from '../../lib/errors.js';
import { HEARTBEAT_COLUMNS, heartbeatFromRow, type HeartbeatRow } from '../heartbeat-rows.js';
import type { Beat, HeartbeatRecord } from '../types.js';
import type { PoolClient } from './connection.js';

/** Inserts the missing checks' rows and reads all asked for, in one transaction (the caller's). */
export async function ensureHeartbeats(
  client: PoolClient,
  checks: ReadonlyArray<{ readonly checkId: string; readonly token: string }>,
  at: number,
): Promise<HeartbeatRecord[]> {
  if (checks.length === 0) return [];
  await client.query({
    name: 'vigil_heartbeat_ensure',
    text: `INSERT INTO heartbeats (check_id, token, created_at)
           SELECT c.check_id, c.token, $3::bigint FROM unnest($1::text[], $2::text[]) AS c(check_id, token)
           ON CONFLICT (check_id) DO NOTHING`,
    values: [checks.map((c) => c.checkId), checks.map((c) => c.token), Math.floor(at)],
  });
  const result = await client.query<HeartbeatRow>({
    name: 'vigil_heartbeat_some',
    text: `SELECT ${HEARTBEAT_COLUMNS} FROM heartbeats WHERE check_id = ANY($1::text[])`,
    values: [checks.map((c) => c.checkId)],
  });
  const byId = new Map(result.rows.map((row) => [row.check_id, heartbeatFromRow(row)]));
  return checks.map((c) => byId.get(c.checkId)!);
}

export async function beatHeartbeat(client: PoolClient, token: string, beat: Beat): Promise<HeartbeatRecord | null> {
  const result = await client.query<HeartbeatRow>({
    name: 'vigil_heartbeat_beat',
    text: `UPDATE heartbeats SET last_beat_at = $1, last_status = $2, last_message = $3 WHERE token = $4 RETURNING ${HEARTBEAT_COLUMNS}`,
    values: [Math.floor(beat.at), beat.status, beat.message, token],
  });
  return result.rows.length === 0 ? null : heartbeatFromRow(result.rows[0]!);
}

export async function getHeartbeat(client: PoolClient, checkId: string): Promise<HeartbeatRecord | null> {
  const result = await client.query<HeartbeatRow>({
    name: 'vigil_heartbeat_get',
    text: `SELECT ${HEARTBEAT_COLUMNS} FROM heartbeats WHERE check_id = $1`,
    values: [checkId],
  });
  return result.rows.length === 0 ? null : heartbeatFromRow(result.rows[0]!);
}

export async function listHeartbeats(client: PoolClient): Promise<HeartbeatRecord[]> {
  const result = await client.query<HeartbeatRow>({ name: 'vigil_heartbeat_list', text: `SELECT ${HEARTBEAT_COLUMNS} FROM heartbeats ORDER BY check_id` });
  return result.rows.map(heartbeatFromRow);
}

export async function rotateHeartbeat(client: PoolClient, checkId: string, token: string): Promise<HeartbeatRecord> {
  const result = await client.query<HeartbeatRow>({
    name: 'vigil_heartbeat_rotate',
    text: `UPDATE heartbeats SET token = $1 WHERE check_id = $2 RETURNING ${HEARTBEAT_COLUMNS}`,
    values: [token, checkId],
  });
  if (result.rows.length === 0) throw new NotFoundError(`check ${checkId} has no heartbeat`);
  return heartbeatFromRow(result.rows[0]!);
}
