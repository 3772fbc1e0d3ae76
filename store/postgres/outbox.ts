// The notification outbox on PostgreSQL: functions on one connection (the caller's transaction), each
// statement named so it is prepared once per connection. Claims skip rows another Vigil holds locked.
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { SUMMARY_GROUP, type DeliveryState, type NewOutboxMessage, type NotificationMessage, type OutboxEntry, type OutboxMessage } from '../../notify/types.js';
import { emptyCounts, newOutboxValues, OUTBOX_COLUMNS, OUTBOX_VALUE_KEYS, outboxFromRow, writtenOutboxFromRow, type OutboxRow } from '../outbox-rows.js';
import { checkPageLimit, cursorOf, inOrder, pageOf, placeholders } from '../paging.js';
import type { AttemptRecord, OutboxFilter } from '../types.js';
import type { PoolClient } from './connection.js';

export async function enqueueOutbox(client: PoolClient, messages: readonly NewOutboxMessage[]): Promise<OutboxMessage[]> {
  const written: OutboxMessage[] = [];
  for (const message of messages) {
    const result = await client.query<OutboxRow>({
      name: 'vigil_outbox_insert',
      text: `INSERT INTO notifications (${OUTBOX_VALUE_KEYS.join(', ')}) VALUES (${placeholders(OUTBOX_VALUE_KEYS.length)})
        ON CONFLICT (dedupe) DO NOTHING RETURNING ${OUTBOX_COLUMNS}`,
      values: inOrder(newOutboxValues(message), OUTBOX_VALUE_KEYS),
    });
    if (result.rows[0]) written.push(writtenOutboxFromRow(result.rows[0]));
  }
  return written;
}

export async function openInGroup(client: PoolClient, receiver: string, groupKey: string): Promise<OutboxEntry | null> {
  const result = await client.query<OutboxRow>({
    name: 'vigil_outbox_open_in_group',
    // Locked until commit: a dispatcher's claim waits for the fold instead of sending the old content.
    text: `SELECT ${OUTBOX_COLUMNS} FROM notifications WHERE receiver = $1 AND group_key = $2 AND state = 'pending' AND attempts = 0
      AND claimed_until IS NULL ORDER BY id DESC LIMIT 1 FOR UPDATE`,
    values: [receiver, groupKey],
  });
  return result.rows[0] ? outboxFromRow(result.rows[0]) : null;
}

export async function refold(client: PoolClient, id: number, message: NotificationMessage, incidentIds: readonly number[]): Promise<boolean> {
  const result = await client.query({
    name: 'vigil_outbox_refold',
    text: `UPDATE notifications SET message = $1, incident_ids = $2 WHERE id = $3 AND state = 'pending' AND attempts = 0 AND claimed_until IS NULL`,
    values: [JSON.stringify(message), JSON.stringify(incidentIds), id],
  });
  return result.rowCount === 1;
}

export async function lastDueInGroup(client: PoolClient, receiver: string, groupKey: string): Promise<number | null> {
  const result = await client.query<{ due: string | null }>({
    name: 'vigil_outbox_last_due',
    text: 'SELECT max(due_at) AS due FROM notifications WHERE receiver = $1 AND group_key = $2',
    values: [receiver, groupKey],
  });
  const due = result.rows[0]?.due ?? null;
  return due === null ? null : Number(due);
}

export async function countSince(client: PoolClient, receiver: string, since: number): Promise<number> {
  const result = await client.query<{ n: string }>({
    name: 'vigil_outbox_count_since',
    text: `SELECT count(*) AS n FROM notifications WHERE receiver = $1 AND created_at >= $2 AND group_key <> $3 AND state <> 'suppressed'`,
    values: [receiver, Math.floor(since), SUMMARY_GROUP],
  });
  return Number(result.rows[0]!.n);
}

export async function markDelivered(client: PoolClient, id: number, attempt: AttemptRecord): Promise<void> {
  await client.query({
    name: 'vigil_outbox_delivered',
    text: `UPDATE notifications SET state = 'delivered', attempts = attempts + 1, last_attempt_at = $1, last_status = $2, last_error = NULL,
      delivered_at = $1, claimed_until = NULL WHERE id = $3`,
    values: [Math.floor(attempt.at), attempt.status, id],
  });
}

export async function markRetry(client: PoolClient, id: number, attempt: AttemptRecord, dueAt: number): Promise<void> {
  await client.query({
    name: 'vigil_outbox_retry',
    text: `UPDATE notifications SET attempts = attempts + 1, last_attempt_at = $1, last_status = $2, last_error = $3, due_at = $4,
      claimed_until = NULL WHERE id = $5 AND state = 'pending'`,
    values: [Math.floor(attempt.at), attempt.status, attempt.error, Math.floor(dueAt), id],
  });
}

export async function postpone(client: PoolClient, id: number, dueAt: number): Promise<void> {
  await client.query({
    name: 'vigil_outbox_postpone',
    text: `UPDATE notifications SET due_at = $1, claimed_until = NULL WHERE id = $2 AND state = 'pending'`,
    values: [Math.floor(dueAt), id],
  });
}

export async function markFinal(client: PoolClient, id: number, state: string, attempt: AttemptRecord | null, reason: string): Promise<void> {
  await client.query({
    name: 'vigil_outbox_final',
    text: `UPDATE notifications SET state = $1, attempts = attempts + $2, last_attempt_at = coalesce($3, last_attempt_at),
      last_status = coalesce($4, last_status), last_error = $5, claimed_until = NULL WHERE id = $6`,
    values: [state, attempt ? 1 : 0, attempt ? Math.floor(attempt.at) : null, attempt?.status ?? null, reason, id],
  });
}

export async function claimOutbox(client: PoolClient, at: number, leaseMs: number, limit: number): Promise<OutboxEntry[]> {
  const now = Math.floor(at);
  const result = await client.query<OutboxRow>({
    name: 'vigil_outbox_claim',
    text: `UPDATE notifications SET claimed_until = $1 WHERE id IN (
        SELECT id FROM notifications WHERE state = 'pending' AND due_at <= $2 AND (claimed_until IS NULL OR claimed_until <= $2)
        ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING ${OUTBOX_COLUMNS}`,
    values: [now + leaseMs, now, limit],
  });
  return result.rows.map(outboxFromRow).sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
}

export async function getOutbox(client: PoolClient, id: number): Promise<OutboxEntry | null> {
  const result = await client.query<OutboxRow>({ name: 'vigil_outbox_get', text: `SELECT ${OUTBOX_COLUMNS} FROM notifications WHERE id = $1`, values: [id] });
  return result.rows[0] ? outboxFromRow(result.rows[0]) : null;
}

export async function listOutbox(client: PoolClient, filter: OutboxFilter): Promise<{ messages: OutboxEntry[]; nextCursor: number | null }> {
  checkPageLimit(filter.limit);
  const values: unknown[] = [cursorOf(filter.before)];
  const where = ['id < $1'];
  if (filter.states?.length) {
    values.push([...filter.states]);
    where.push(`state = ANY($${values.length}::text[])`);
  }
  if (filter.receiver !== undefined) {
    values.push(filter.receiver);
    where.push(`receiver = $${values.length}`);
  }
  if (filter.incidentId !== undefined) {
    values.push(filter.incidentId);
    // Only a JSON array of whole numbers is cast (JSON's whitespace anywhere, as SQLite's json_each takes
    // it; no leading zero, which JSON refuses): a damaged row's text would fail the cast and with it the
    // whole list (PostgreSQL 15 has no pg_input_is_valid), so such a row matches nothing, on both engines.
    where.push(`CASE WHEN incident_ids ~ '^[ \\t\\n\\r]*\\[[ \\t\\n\\r]*((0|[1-9][0-9]*)[ \\t\\n\\r]*(,[ \\t\\n\\r]*(0|[1-9][0-9]*)[ \\t\\n\\r]*)*)?\\][ \\t\\n\\r]*$' THEN incident_ids::jsonb @> to_jsonb($${values.length}::bigint) ELSE false END`);
  }
  values.push(filter.limit + 1);
  const result = await client.query<OutboxRow>({
    text: `SELECT ${OUTBOX_COLUMNS} FROM notifications WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${values.length}`,
    values,
  });
  const page = pageOf(result.rows.map(outboxFromRow), filter.limit);
  return { messages: page.items, nextCursor: page.nextCursor };
}

export async function replayOutbox(client: PoolClient, id: number, at: number): Promise<OutboxEntry> {
  const now = Math.floor(at);
  const result = await client.query<OutboxRow>({
    name: 'vigil_outbox_replay',
    text: `UPDATE notifications SET state = 'pending', due_at = $1, age_from = $1, claimed_until = NULL, delivered_at = NULL
      WHERE id = $2 AND state <> 'pending' RETURNING ${OUTBOX_COLUMNS}`,
    values: [now, id],
  });
  if (result.rows[0]) return outboxFromRow(result.rows[0]);
  if (!(await getOutbox(client, id))) throw new NotFoundError(`there is no notification ${id}`);
  throw new ConflictError(`notification ${id} is still pending; it is sent as soon as it is due`);
}

export async function outboxCounts(client: PoolClient): Promise<Record<DeliveryState, number>> {
  const result = await client.query<{ state: string; n: string }>({ name: 'vigil_outbox_counts', text: 'SELECT state, count(*) AS n FROM notifications GROUP BY state' });
  const counts = emptyCounts();
  for (const { state, n } of result.rows) counts[state as DeliveryState] = Number(n);
  return counts;
}

export async function pruneOutbox(client: PoolClient, before: number, batch: number): Promise<number> {
  const result = await client.query({
    name: 'vigil_outbox_prune',
    text: `DELETE FROM notifications WHERE id IN (SELECT id FROM notifications WHERE created_at < $1 AND state <> 'pending' ORDER BY created_at LIMIT $2)`,
    values: [Math.floor(before), batch],
  });
  return result.rowCount ?? 0;
}
