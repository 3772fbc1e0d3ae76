// The notification model: what an incident change becomes on its way to a receiver. The rules engine
// hands over IncidentChanges; routing (routing.ts) turns them into messages for receivers, written to
// the outbox in the engine's transaction; the dispatcher renders and sends them.
import type { Incident, Labels } from '../store/types.js';

/** What happened to an incident. `escalated`: not acknowledged in time, sent on to the next receiver. */
export type ChangeKind = 'opened' | 'acknowledged' | 'escalated' | 'resolved' | 'reopened';
export const CHANGE_KINDS: readonly ChangeKind[] = ['opened', 'acknowledged', 'escalated', 'resolved', 'reopened'];

/** One change of one incident, as the engine (or an API action) commits it. */
export interface IncidentChange {
  readonly kind: ChangeKind;
  /** The incident after the change. */
  readonly incident: Incident;
  readonly at: number;
}

/** One incident in a message, as of its latest change; `repeat` when a still-firing group is re-sent. */
export interface MessageAlert {
  readonly change: ChangeKind | 'repeat';
  readonly at: number;
  readonly incident: Incident;
}

/**
 * What a receiver is told: the alerts of one group (one incident each, latest change first wins), or a
 * summary folding the messages a rate limit held back, or a test message.
 */
export interface NotificationMessage {
  readonly kind: 'alert' | 'summary' | 'test';
  /** The group's identity within its route: `{env="prod",service="api"}` (`group_by` labels). */
  readonly groupKey: string;
  readonly groupLabels: Labels;
  readonly alerts: readonly MessageAlert[];
  /** For a summary: how many messages it folds (their alerts are in `alerts`, newest state each). */
  readonly folded: number;
  /** Set on an escalation: the level (1 = the first `escalate` step) and after how long without an acknowledgement. */
  readonly escalation: { readonly level: number; readonly afterMs: number } | null;
}

/** Where a message stands in the outbox. */
export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'dead' | 'suppressed';
export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'delivered', 'failed', 'dead', 'suppressed'];

/** A message to write to the outbox. */
export interface NewOutboxMessage {
  readonly receiver: string;
  /** `route index` + group key: messages of one group fold together while still waiting. */
  readonly groupKey: string;
  /** When it may be sent first (group_wait, group_interval, a rate limit's window). */
  readonly dueAt: number;
  readonly createdAt: number;
  /**
   * Set when the message must be written at most once (an escalation step of an incident): a second
   * enqueue with the same value is ignored.
   */
  readonly dedupe: string | null;
  readonly incidentIds: readonly number[];
  readonly message: NotificationMessage;
}

/** A message in the outbox, with its delivery history. */
export interface OutboxMessage extends NewOutboxMessage {
  readonly id: number;
  /** The idempotency key sent on every attempt (`webhook-id`): never changes once written. */
  readonly key: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly lastAttemptAt: number | null;
  /** HTTP status of the last answer; null when there was none (timeout, refused) or no attempt yet. */
  readonly lastStatus: number | null;
  /** Why the last attempt failed, or why it was suppressed; never holds a secret. */
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
  /** While claimed by a dispatcher: until when; past it, another may claim it (a crash re-sends). */
  readonly claimedUntil: number | null;
  /** Its age counts from here (written, or replayed): past the max age, a failing message is a dead letter. */
  readonly ageFrom: number;
}
