// The notification model: what an incident change becomes on its way to a receiver. The rules engine
// hands over IncidentChanges; routing (routing.ts) turns them into messages for receivers, written to
// the outbox in the engine's transaction; the dispatcher renders and sends them.
import type { Matcher } from '../lib/matchers.js';
import type { Incident, Labels } from '../store/types.js';
import type { ReportDigest } from '../reports/digest.js';

import type { ChangeKind } from '../rules/types.js';
export { CHANGE_KINDS, type ChangeKind, type IncidentChange } from '../rules/types.js';

/** One incident in a message, as of its latest change; `repeat` when a still-firing group is re-sent. */
export interface MessageAlert {
  readonly change: ChangeKind | 'repeat';
  readonly at: number;
  readonly incident: Incident;
}

/** What a message is: an incident group's alerts, a rate limit's summary, a test, or an SLA report. */
export type MessageKind = 'alert' | 'summary' | 'test' | 'report';
/** Every kind this Vigil sends; a stored message of another (a newer Vigil's) is unreadable. */
export const MESSAGE_KINDS: readonly MessageKind[] = ['alert', 'summary', 'test', 'report'];

/**
 * What a receiver is told: the alerts of one group (one incident each, latest change first wins), or a
 * summary folding the messages a rate limit held back, or a test message, or an SLA report (no alerts;
 * `report` holds its digest).
 */
export interface NotificationMessage {
  readonly kind: MessageKind;
  /** The group's identity within its route: `{env="prod",service="api"}` (`group_by` labels). */
  readonly groupKey: string;
  readonly groupLabels: Labels;
  readonly alerts: readonly MessageAlert[];
  /** For a summary: how many messages it folds (their alerts are in `alerts`, newest state each). */
  readonly folded: number;
  /** Set on an escalation: the level (1 = the first `escalate` step) and after how long without an acknowledgement. */
  readonly escalation: { readonly level: number; readonly afterMs: number } | null;
  /** For a report: its headline figures and id. */
  readonly report?: ReportDigest;
}

/** The group key of a receiver's rate-limit summary message. */
export const SUMMARY_GROUP = '~summary';

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

/**
 * An outbox row this Vigil cannot read (a message kind of a newer Vigil, a damaged row): its delivery
 * record, and why. It is never sent: the dispatcher records it failed with `unreadable` as the reason.
 */
export interface UnreadableOutboxMessage extends Omit<OutboxMessage, 'message' | 'incidentIds'> {
  readonly message: null;
  /** The row's incident ids when they alone are readable, else none. */
  readonly incidentIds: readonly number[];
  /** `outbox row 12: message.kind is "page", a kind this Vigil does not know …` */
  readonly unreadable: string;
}

/** An outbox row as read: a message, or one this Vigil cannot read (tell them apart by `message === null`). */
export type OutboxEntry = OutboxMessage | UnreadableOutboxMessage;

// ---- The notify config as compiled from `notify:` (config/notify.ts) ----

/** A per-receiver rate limit: past `max` messages in `perMs`, the rest fold into one summary. */
export interface RateLimit {
  readonly max: number;
  readonly perMs: number;
}

/** One configured receiver: its name, kind and the kind's validated config (secrets as `Secret`). */
export interface ReceiverSpec {
  readonly name: string;
  readonly kind: string;
  readonly config: unknown;
  readonly rateLimit: RateLimit | null;
}

/** One escalation step: not acknowledged `afterMs` after opening → notify `to`. */
export interface EscalationStep {
  readonly afterMs: number;
  readonly to: readonly string[];
}

/** `group_by: ['...']`: every label, so each incident is its own group (Alertmanager's special value). */
export const GROUP_BY_ALL = '...';

/** One route: matchers on incident labels, receivers, grouping and timing (Alertmanager's semantics). */
export interface RouteSpec {
  /** Position in `notify.routes`, for messages and group keys. */
  readonly index: number;
  readonly matchers: readonly Matcher[];
  readonly to: readonly string[];
  /** Keep matching later routes after this one matched. */
  readonly continue: boolean;
  /** Labels that make a group; [GROUP_BY_ALL] groups nothing (one incident a group). */
  readonly groupBy: readonly string[];
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly sendResolved: boolean;
  readonly escalate: readonly EscalationStep[];
}

/** How the dispatcher delivers. */
export interface DeliverySettings {
  /** One attempt's timeout. */
  readonly timeoutMs: number;
  /** A message still failing this long after it was written (or replayed) is a dead letter. */
  readonly maxAgeMs: number;
  /** First retry delay; doubled each attempt up to `backoffMaxMs`, with full jitter. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Consecutive failures that open a receiver's circuit, and how long it stays open before a trial. */
  readonly breakerFailures: number;
  readonly breakerCooldownMs: number;
}

export const DEFAULT_DELIVERY: DeliverySettings = {
  timeoutMs: 10_000,
  maxAgeMs: 24 * 3_600_000,
  backoffInitialMs: 1_000,
  backoffMaxMs: 5 * 60_000,
  breakerFailures: 5,
  breakerCooldownMs: 60_000,
};

/** Everything `notify:` configures. */
export interface NotifyConfig {
  readonly receivers: readonly ReceiverSpec[];
  readonly routes: readonly RouteSpec[];
  readonly delivery: DeliverySettings;
}

export const EMPTY_NOTIFY: NotifyConfig = { receivers: [], routes: [], delivery: DEFAULT_DELIVERY };
