// The notification outbox on SQLite: statements prepared once; the writer connection is the only one
// that claims, so a claim is one UPDATE … RETURNING.
import type { Statement } from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { SUMMARY_GROUP, type DeliveryState, type NewOutboxMessage, type NotificationMessage, type OutboxEntry, type OutboxMessage } from '../../notify/types.js';
import { emptyCounts, newOutboxValues, OUTBOX_COLUMNS, OUTBOX_VALUE_KEYS, outboxFromRow, writtenOutboxFromRow, type OutboxRow } from '../outbox-rows.js';
import { checkPageLimit, cursorOf, pageOf } from '../paging.js';
import type { AttemptRecord, OutboxFilter } from '../types.js';
import type { SqliteDatabase } from './db.js';

export class SqliteOutbox {
  readonly #db: SqliteDatabase;
  readonly #insert: Statement<Omit<OutboxRow, 'id'>, OutboxRow>;
  readonly #openInGroup: Statement<[string, string], OutboxRow>;
  readonly #refold: Statement<[string, string, number]>;
  readonly #lastDue: Statement<[string, string], { due: number | null }>;
  readonly #countSince: Statement<[string, number, string], { n: number }>;
  readonly #delivered: Statement<[number, number | null, number, number]>;
  readonly #retry: Statement<[number, number | null, string | null, number, number]>;
  readonly #final: Statement<[string, number, number | null, number | null, string, number]>;
  readonly #postpone: Statement<[number, number]>;
  readonly #claim: Statement<[number, number, number, number], OutboxRow>;
  readonly #get: Statement<[number], OutboxRow>;
  readonly #replay: Statement<[number, number, number], OutboxRow>;
  readonly #counts: Statement<[], { state: string; n: number }>;
  readonly #prune: Statement<[number, number]>;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insert = db.prepare(`
      INSERT INTO notifications (${OUTBOX_VALUE_KEYS.join(', ')}) VALUES (${OUTBOX_VALUE_KEYS.map((k) => `:${k}`).join(', ')})
      ON CONFLICT (dedupe) DO NOTHING RETURNING ${OUTBOX_COLUMNS}`);
    this.#openInGroup = db.prepare(`
      SELECT ${OUTBOX_COLUMNS} FROM notifications INDEXED BY notifications_by_group
      WHERE receiver = ? AND group_key = ? AND state = 'pending' AND attempts = 0 AND claimed_until IS NULL
      ORDER BY id DESC LIMIT 1`);
    this.#refold = db.prepare(`UPDATE notifications SET message = ?, incident_ids = ? WHERE id = ? AND state = 'pending' AND attempts = 0 AND claimed_until IS NULL`);
    this.#lastDue = db.prepare('SELECT max(due_at) AS due FROM notifications WHERE receiver = ? AND group_key = ?');
    this.#countSince = db.prepare(`SELECT count(*) AS n FROM notifications WHERE receiver = ? AND created_at >= ? AND group_key <> ? AND state <> 'suppressed'`);
    this.#delivered = db.prepare(`
      UPDATE notifications SET state = 'delivered', attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = NULL,
        delivered_at = ?, claimed_until = NULL WHERE id = ?`);
    this.#retry = db.prepare(`
      UPDATE notifications SET attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = ?, due_at = ?,
        claimed_until = NULL WHERE id = ? AND state = 'pending'`);
    this.#final = db.prepare(`
      UPDATE notifications SET state = ?, attempts = attempts + ?, last_attempt_at = coalesce(?, last_attempt_at),
        last_status = coalesce(?, last_status), last_error = ?, claimed_until = NULL WHERE id = ?`);
    this.#postpone = db.prepare(`UPDATE notifications SET due_at = ?, claimed_until = NULL WHERE id = ? AND state = 'pending'`);
    this.#claim = db.prepare(`
      UPDATE notifications SET claimed_until = ? WHERE id IN (
        SELECT id FROM notifications WHERE state = 'pending' AND due_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
        ORDER BY due_at, id LIMIT ?)
      RETURNING ${OUTBOX_COLUMNS}`);
    this.#get = db.prepare(`SELECT ${OUTBOX_COLUMNS} FROM notifications WHERE id = ?`);
    this.#replay = db.prepare(`
      UPDATE notifications SET state = 'pending', due_at = ?, age_from = ?, claimed_until = NULL, delivered_at = NULL
      WHERE id = ? AND state <> 'pending' RETURNING ${OUTBOX_COLUMNS}`);
    this.#counts = db.prepare('SELECT state, count(*) AS n FROM notifications GROUP BY state');
    this.#prune = db.prepare(`DELETE FROM notifications WHERE id IN (SELECT id FROM notifications WHERE created_at < ? AND state <> 'pending' ORDER BY created_at LIMIT ?)`);
  }

  enqueue(messages: readonly NewOutboxMessage[]): OutboxMessage[] {
    const written: OutboxMessage[] = [];
    for (const message of messages) {
      const row = this.#insert.get(newOutboxValues(message));
      if (row) written.push(writtenOutboxFromRow(row));
    }
    return written;
  }

  openInGroup(receiver: string, groupKey: string): OutboxEntry | null {
    const row = this.#openInGroup.get(receiver, groupKey);
    return row ? outboxFromRow(row) : null;
  }

  refold(id: number, message: NotificationMessage, incidentIds: readonly number[]): boolean {
    return this.#refold.run(JSON.stringify(message), JSON.stringify(incidentIds), id).changes === 1;
  }

  lastDueInGroup(receiver: string, groupKey: string): number | null {
    return this.#lastDue.get(receiver, groupKey)?.due ?? null;
  }

  countSince(receiver: string, since: number): number {
    return this.#countSince.get(receiver, Math.floor(since), SUMMARY_GROUP)!.n;
  }

  markDelivered(id: number, attempt: AttemptRecord): void {
    this.#delivered.run(attempt.at, attempt.status, attempt.at, id);
  }

  markRetry(id: number, attempt: AttemptRecord, dueAt: number): void {
    this.#retry.run(attempt.at, attempt.status, attempt.error, Math.floor(dueAt), id);
  }

  postpone(id: number, dueAt: number): void {
    this.#postpone.run(Math.floor(dueAt), id);
  }

  markFinal(id: number, state: 'failed' | 'dead' | 'suppressed', attempt: AttemptRecord | null, reason: string): void {
    this.#final.run(state, attempt ? 1 : 0, attempt?.at ?? null, attempt?.status ?? null, reason, id);
  }

  claim(at: number, leaseMs: number, limit: number): OutboxEntry[] {
    const now = Math.floor(at);
    return this.#claim.all(now + leaseMs, now, now, limit).map(outboxFromRow).sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
  }

  get(id: number): OutboxEntry | null {
    const row = this.#get.get(id);
    return row ? outboxFromRow(row) : null;
  }

  list(filter: OutboxFilter): { messages: OutboxEntry[]; nextCursor: number | null } {
    checkPageLimit(filter.limit);
    const where = ['id < ?'];
    const params: Array<string | number> = [cursorOf(filter.before)];
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      params.push(...filter.states);
    }
    if (filter.receiver !== undefined) {
      where.push('receiver = ?');
      params.push(filter.receiver);
    }
    if (filter.incidentId !== undefined) {
      // A damaged row's ids are not JSON: json_each would fail the whole list, so that row just does not match.
      where.push('CASE WHEN json_valid(incident_ids) THEN EXISTS (SELECT 1 FROM json_each(incident_ids) WHERE value = ?) ELSE 0 END');
      params.push(filter.incidentId);
    }
    // Filter shapes are few; better-sqlite3 caches nothing here, but a list is an operator's request, not a hot path.
    const rows = this.#db.prepare<unknown[], OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM notifications WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...params, filter.limit + 1);
    const page = pageOf(rows.map(outboxFromRow), filter.limit);
    return { messages: page.items, nextCursor: page.nextCursor };
  }

  replay(id: number, at: number): OutboxEntry {
    const now = Math.floor(at);
    const row = this.#replay.get(now, now, id);
    if (row) return outboxFromRow(row);
    if (!this.#get.get(id)) throw new NotFoundError(`there is no notification ${id}`);
    throw new ConflictError(`notification ${id} is still pending; it is sent as soon as it is due`);
  }

  counts(): Record<DeliveryState, number> {
    const counts = emptyCounts();
    for (const { state, n } of this.#counts.all()) counts[state as DeliveryState] = n;
    return counts;
  }

  prune(before: number, batch: number): number {
    return this.#prune.run(Math.floor(before), batch).changes;
  }
}
