// Rows of the outbox table as both engines read and write them (bigint parsed to a number on PostgreSQL).
import { randomUUID } from 'node:crypto';
import { readOutboxContent } from '../notify/stored-message.js';
import { DELIVERY_STATES, type DeliveryState, type NewOutboxMessage, type OutboxEntry, type OutboxMessage } from '../notify/types.js';

export const OUTBOX_VALUE_KEYS = [
  'key', 'receiver', 'group_key', 'dedupe', 'incident_ids', 'message', 'state', 'created_at', 'due_at', 'age_from',
  'attempts', 'last_attempt_at', 'last_status', 'last_error', 'delivered_at', 'claimed_until',
] as const satisfies readonly (keyof OutboxRow)[];
export const OUTBOX_COLUMNS = ['id', ...OUTBOX_VALUE_KEYS].join(', ');

export interface OutboxRow {
  id: number;
  key: string;
  receiver: string;
  group_key: string;
  dedupe: string | null;
  /** JSON array of ids. */
  incident_ids: string;
  /** JSON of the NotificationMessage. */
  message: string;
  state: string;
  created_at: number;
  due_at: number;
  age_from: number;
  attempts: number;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  claimed_until: number | null;
}

/** An idempotency key: the same on every attempt of one message, unique across messages and instances. */
export function newMessageKey(): string {
  return `msg_${randomUUID().replaceAll('-', '')}`;
}

export function newOutboxValues(message: NewOutboxMessage): Omit<OutboxRow, 'id'> {
  return {
    key: newMessageKey(),
    receiver: message.receiver,
    group_key: message.groupKey,
    dedupe: message.dedupe,
    incident_ids: JSON.stringify(message.incidentIds),
    message: JSON.stringify(message.message),
    state: 'pending',
    created_at: Math.floor(message.createdAt),
    due_at: Math.floor(message.dueAt),
    age_from: Math.floor(message.createdAt),
    attempts: 0,
    last_attempt_at: null,
    last_status: null,
    last_error: null,
    delivered_at: null,
    claimed_until: null,
  };
}

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

/**
 * An outbox row as read. Its content is checked (notify/stored-message.ts): a row this Vigil cannot
 * read (a newer Vigil's message kind, a damaged row) is answered as unreadable with the reason, so one
 * bad row neither stops a claim nor a list.
 */
export function outboxFromRow(row: OutboxRow): OutboxEntry {
  if (!(DELIVERY_STATES as readonly string[]).includes(row.state)) throw new Error(`outbox row ${row.id}: unknown state "${row.state}"`);
  const id = Number(row.id);
  const record = {
    id,
    key: row.key,
    receiver: row.receiver,
    groupKey: row.group_key,
    dedupe: row.dedupe,
    state: row.state as DeliveryState,
    createdAt: Number(row.created_at),
    dueAt: Number(row.due_at),
    ageFrom: Number(row.age_from),
    attempts: Number(row.attempts),
    lastAttemptAt: num(row.last_attempt_at),
    lastStatus: num(row.last_status),
    lastError: row.last_error,
    deliveredAt: num(row.delivered_at),
    claimedUntil: num(row.claimed_until),
  };
  const content = readOutboxContent(id, row.incident_ids, row.message);
  if (!content.ok) return { ...record, incidentIds: content.incidentIds, message: null, unreadable: content.problem };
  return { ...record, incidentIds: content.incidentIds, message: content.message };
}

/** A row just written from a typed message: unreadable back is a bug here, not data to record. */
export function writtenOutboxFromRow(row: OutboxRow): OutboxMessage {
  const entry = outboxFromRow(row);
  if (entry.message === null) throw new Error(`${entry.unreadable} (as just written)`);
  return entry;
}

/** Every state at 0, so a count of nothing still names each. */
export function emptyCounts(): Record<DeliveryState, number> {
  return Object.fromEntries(DELIVERY_STATES.map((state) => [state, 0])) as Record<DeliveryState, number>;
}
