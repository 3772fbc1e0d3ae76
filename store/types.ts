// The store contract: every reader and writer of Vigil's data goes through it, and both engines
// (SQLite, the embedded default, and PostgreSQL) implement it and run one contract test suite.
// It is asynchronous (PostgreSQL is), split by concern (samples, check results; incidents, rule state,
// outbox and audit join as their issues land), with one transaction API for changes that must commit
// together. Times are integer epoch milliseconds throughout.

import type { Matcher } from '../lib/matchers.js';
import type { DeliveryState, NewOutboxMessage, NotificationMessage, OutboxEntry, OutboxMessage } from '../notify/types.js';

/** Label set of a series: `env`, `service`, `check`, … Keys are sorted when a series key is built. */
export type Labels = Readonly<Record<string, string>>;

/** One measurement: a metric name plus labels (the series), a time and a value. */
export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly ts: number;
  readonly value: number;
}

/** A label matcher in a series query: `env="prod"` is `{ label: 'env', op: '=', value: 'prod' }`. */
export interface LabelMatcher {
  readonly label: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

/** How points are combined inside one step of a series query. */
export type Aggregate = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'last' | 'p50' | 'p90' | 'p95' | 'p99';
export const AGGREGATES: readonly Aggregate[] = ['avg', 'min', 'max', 'sum', 'count', 'last', 'p50', 'p90', 'p95', 'p99'];

export interface SeriesQuery {
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
  /** Width of one output point in ms; points are aligned to multiples of the step. */
  readonly stepMs: number;
  readonly aggregate: Aggregate;
}

/** Which table a query was answered from; a step of a minute or more reads rollups, not raw samples. */
export type Resolution = 'raw' | '1m' | '1h';

export interface SeriesResult {
  readonly labels: Labels;
  /** [bucketStartMs, value] pairs in time order; steps with no data are absent. */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface SeriesQueryResult {
  readonly resolution: Resolution;
  readonly series: readonly SeriesResult[];
  /** Raw samples and rollup rows read to answer (for the cost bounds and their tests). */
  readonly rowsScanned: number;
}

/**
 * A series query's answer as JSON text, for readers that hand it on (the API): at 400,000 points the
 * text is ~9.5 MB, and building it where the rows were read keeps the work (and the garbage of the
 * intermediate arrays) off the thread that runs probes.
 */
export interface EncodedSeriesQueryResult {
  readonly resolution: Resolution;
  /** The `series` of a SeriesQueryResult as UTF-8 JSON: `[{"labels":{…},"points":[[ts,value],…]},…]`. */
  readonly seriesJson: Uint8Array;
  readonly seriesCount: number;
  readonly rowsScanned: number;
}

/** The last run of one check, kept for the status page. */
export interface CheckResult {
  readonly checkId: string;
  readonly env: string;
  readonly service: string;
  readonly check: string;
  readonly kind: string;
  readonly ts: number;
  readonly success: boolean;
  /** Succeeded, but the target reports a part of itself unhealthy. */
  readonly degraded: boolean;
  readonly durationSeconds: number;
  /** What went wrong, in words an on-call engineer can act on; null on success. */
  readonly error: string | null;
  /** Extra status the probe reports (e.g. degraded components) for the status page. */
  readonly detail: string | null;
}

/** Retention per resolution, in ms. */
export interface Retention {
  readonly rawMs: number;
  readonly oneMinuteMs: number;
  readonly oneHourMs: number;
}

export const DEFAULT_RETENTION: Retention = {
  rawMs: 7 * 86_400_000,
  oneMinuteMs: 90 * 86_400_000,
  oneHourMs: 2 * 365 * 86_400_000,
};

/**
 * What one series query may cost; past a bound the query is refused with a QueryTooLargeError that
 * names the bound and how to narrow the query, before it reads (series, points) or as soon as it
 * crosses it (rows scanned).
 */
export interface QueryLimits {
  /** Series in one answer. */
  readonly maxSeries: number;
  /** Points in one answer, over all its series (bounds the bytes answered: ~25 bytes a point in JSON). */
  readonly maxPoints: number;
  /** Raw samples and rollup rows read to answer. */
  readonly maxRowsScanned: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxSeries: 1_000,
  // 500,000 points (9.5 MB of JSON) held the loop 531 ms at 40,000 checks when the answer was cloned and
  // stringified on the main thread; serialized in the reader thread it holds it ~6 ms (bench/series-answer.mjs).
  // A lower bound would refuse the audit's 7-day query at 61 s over 36 series (357,000 points).
  maxPoints: 500_000,
  maxRowsScanned: 2_000_000,
};

/** Result of one rollUp call: buckets written, and whether work is left for this `at`. */
export interface RollUpProgress {
  readonly buckets: number;
  readonly more: boolean;
}

/** Writing samples: what a transaction can do too. */
export interface SampleWrites {
  /**
   * Appends samples; a sample for an existing (series, ts) replaces it. Samples with a non-finite
   * value or time are skipped; times are floored to whole ms.
   */
  append(samples: readonly Sample[]): Promise<void>;
}

/** Samples: append, query with a step, roll up, retention. */
export interface SampleStore extends SampleWrites {
  /**
   * Every series of the metric matching the matchers that has data in [from, to), sorted by label key,
   * read at the coarsest resolution whose bucket fits in the step (raw, 1m or 1h), within `limits`.
   */
  query(query: SeriesQuery, limits?: QueryLimits): Promise<SeriesQueryResult>;
  /** The same answer as `query`, serialized as JSON text (off the main thread where the engine can). */
  queryJson(query: SeriesQuery, limits?: QueryLimits): Promise<EncodedSeriesQueryResult>;
  /**
   * Folds closed minutes (before floor(at / 1 min) · 1 min) into 1-minute and 1-hour rollups, each
   * sample once, plus minutes that late samples made dirty. One call does a bounded step (at most
   * `maxSeries` series); `more` is true while work is left for this `at`, so call again until it is
   * false. Safe to repeat or interrupt. Queries see unfolded samples either way: at a step of a
   * minute or more they aggregate the raw tail themselves.
   */
  rollUp(at: number, maxSeries?: number): Promise<RollUpProgress>;
  /** Every minute before this one is folded into rollups (persisted); null before the first rollUp. */
  rolledUpTo(): Promise<number | null>;
  /** Deletes data older than the retention, at most `batch` rows per table per call; returns rows deleted. */
  enforceRetention(at: number, retention: Retention, batch?: number): Promise<number>;
}

/** The last result of each check, for the status page. */
export interface CheckResultStore {
  /** Upserts each check's last result; an older result never replaces a newer one. */
  record(results: readonly CheckResult[]): Promise<void>;
  /** The last result of every check that has run, by check id. */
  last(): Promise<CheckResult[]>;
}

// ---- Alerting: incidents with their timelines, rule state, silences, postmortems ([R1]) ----

/** How urgent an alert is: `page` wakes someone, `ticket` waits for working hours, `info` is only shown. */
export type Severity = 'page' | 'ticket' | 'info';
export const SEVERITIES: readonly Severity[] = ['page', 'ticket', 'info'];

/** open → acknowledged → resolved; a resolved incident may be reopened (back to open). */
export type IncidentState = 'open' | 'acknowledged' | 'resolved';
export const INCIDENT_STATES: readonly IncidentState[] = ['open', 'acknowledged', 'resolved'];

/** One incident: the firing of one alert fingerprint (rule + labels), from open to resolved. */
export interface Incident {
  readonly id: number;
  /** The alert's identity: a hash of its rule and labels; firing again within the reopen window reopens. */
  readonly fingerprint: string;
  readonly rule: string;
  readonly severity: Severity;
  /** The alert's labels: `alertname`, `severity`, `env`, `service`, `check`, and the series' own. */
  readonly labels: Labels;
  readonly env: string | null;
  readonly service: string | null;
  readonly check: string | null;
  readonly summary: string;
  readonly runbook: string | null;
  readonly state: IncidentState;
  readonly openedAt: number;
  readonly acknowledgedAt: number | null;
  readonly acknowledgedBy: string | null;
  readonly resolvedAt: number | null;
  /** Who resolved it by hand; null when the rule recovered on its own (or while unresolved). */
  readonly resolvedBy: string | null;
  /** The rule's last value while firing (the lag, the failure count, the burn rate). */
  readonly lastValue: number | null;
  readonly reopenCount: number;
  readonly updatedAt: number;
}

export type IncidentEventKind = 'opened' | 'acknowledged' | 'note' | 'escalated' | 'resolved' | 'reopened' | 'notified';

/** One line of an incident's timeline. */
export interface IncidentEvent {
  readonly id: number;
  readonly incidentId: number;
  readonly at: number;
  readonly kind: IncidentEventKind;
  /** Who did it (an API caller's name); null for Vigil itself. */
  readonly actor: string | null;
  readonly text: string | null;
  readonly value: number | null;
}

export type NewIncident = Omit<
  Incident,
  'id' | 'state' | 'acknowledgedAt' | 'acknowledgedBy' | 'resolvedAt' | 'resolvedBy' | 'reopenCount' | 'updatedAt'
>;
export type NewIncidentEvent = Omit<IncidentEvent, 'id' | 'incidentId'>;
/** Fields of an incident that change over its life. */
export type IncidentChanges = Partial<
  Pick<Incident, 'state' | 'severity' | 'summary' | 'runbook' | 'acknowledgedAt' | 'acknowledgedBy' | 'resolvedAt' | 'resolvedBy' | 'lastValue' | 'reopenCount'>
>;

/** Which incidents a list returns: every given filter must hold. Newest first (by id). */
export interface IncidentFilter {
  readonly env?: string;
  readonly service?: string;
  readonly rule?: string;
  readonly states?: readonly IncidentState[];
  readonly severities?: readonly Severity[];
  /** openedAt >= from. */
  readonly from?: number;
  /** openedAt < to. */
  readonly to?: number;
  /** Cursor: only incidents with id < before (the previous page's nextCursor). */
  readonly before?: number;
  /** At most this many (1…1000). */
  readonly limit: number;
}

export interface IncidentPage {
  readonly incidents: readonly Incident[];
  /** Pass as `before` for the next page; null when this is the last. */
  readonly nextCursor: number | null;
}

/** Incident writes, and the reads a transaction needs to decide them. */
export interface IncidentWrites {
  /** Inserts an incident (state open) and its first timeline event. */
  create(incident: NewIncident, event: NewIncidentEvent): Promise<Incident>;
  /** Changes fields (updatedAt = `at`) and appends `event` if given; NotFoundError when there is no such incident. */
  update(id: number, changes: IncidentChanges, event: NewIncidentEvent | null, at: number): Promise<Incident>;
  /** Appends a timeline event; NotFoundError when there is no such incident. */
  addEvent(id: number, event: NewIncidentEvent): Promise<IncidentEvent>;
  get(id: number): Promise<Incident | null>;
  /** The newest incident of a fingerprint, whatever its state (for the reopen window). */
  latestByFingerprint(fingerprint: string): Promise<Incident | null>;
}

export interface IncidentStore extends IncidentWrites {
  /** The timeline, oldest first. */
  events(id: number): Promise<IncidentEvent[]>;
  list(filter: IncidentFilter): Promise<IncidentPage>;
  /** Every incident not resolved (open or acknowledged), oldest first. */
  active(): Promise<Incident[]>;
}

/** A rule instance's state (one rule × one label set), kept so a restart loses no timer. */
export interface RuleInstanceRecord {
  /** The alert fingerprint (rule + labels). */
  readonly fingerprint: string;
  readonly rule: string;
  readonly labels: Labels;
  readonly state: 'inactive' | 'pending' | 'firing';
  /** When the condition started to hold (pending since); null while inactive. */
  readonly activeSince: number | null;
  readonly firingSince: number | null;
  /** The last time the condition held (for keep_firing_for). */
  readonly lastBreachAt: number | null;
  readonly value: number | null;
  /** Small numeric state a rule kind keeps between evaluations (consecutive failures, …). */
  readonly counters: Readonly<Record<string, number>>;
  readonly incidentId: number | null;
  readonly updatedAt: number;
}

export interface RuleStateWrites {
  /** Upserts `records` (by fingerprint) and deletes the instances whose fingerprints are in `deleted`. */
  save(records: readonly RuleInstanceRecord[], deleted: readonly string[]): Promise<void>;
}

export interface RuleStateStore extends RuleStateWrites {
  all(): Promise<RuleInstanceRecord[]>;
}

/** A silence: alerts whose labels match every matcher send no notification between startsAt and endsAt. */
export interface Silence {
  readonly id: number;
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
  readonly createdAt: number;
}

export type NewSilence = Omit<Silence, 'id'>;

export interface SilenceStore {
  create(silence: NewSilence): Promise<Silence>;
  get(id: number): Promise<Silence | null>;
  /** Silences whose end is after `at` (active or future), or all of them with `includeExpired`; by id. */
  list(at: number, opts?: { readonly includeExpired?: boolean }): Promise<Silence[]>;
  /** Ends a silence at `at` (endsAt = min(endsAt, at)); NotFoundError when there is no such silence. */
  expire(id: number, at: number): Promise<Silence>;
}

export type PostmortemStatus = 'draft' | 'published';

export interface ActionItem {
  readonly title: string;
  readonly owner: string | null;
  readonly status: 'open' | 'done';
}

/** A postmortem of one incident: Markdown from a template, with action items; outlives the incident. */
export interface Postmortem {
  readonly id: number;
  readonly incidentId: number;
  readonly title: string;
  readonly status: PostmortemStatus;
  readonly markdown: string;
  readonly actionItems: readonly ActionItem[];
  readonly author: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly publishedAt: number | null;
}

export type NewPostmortem = Omit<Postmortem, 'id' | 'updatedAt' | 'publishedAt'>;
export type PostmortemChanges = Partial<Pick<Postmortem, 'title' | 'status' | 'markdown' | 'actionItems' | 'publishedAt'>>;

export interface PostmortemStore {
  /** ConflictError when the incident already has one. */
  create(postmortem: NewPostmortem): Promise<Postmortem>;
  get(id: number): Promise<Postmortem | null>;
  byIncident(incidentId: number): Promise<Postmortem | null>;
  /** NotFoundError when there is no such postmortem. */
  update(id: number, changes: PostmortemChanges, at: number): Promise<Postmortem>;
  /** Newest first; `before` is the previous page's nextCursor. */
  list(filter: { readonly status?: PostmortemStatus; readonly before?: number; readonly limit: number }): Promise<{
    readonly postmortems: readonly Postmortem[];
    readonly nextCursor: number | null;
  }>;
}

// ---- Notifications: the outbox ([N1]) ----

/** What happened to one delivery attempt, as the dispatcher records it. */
export interface AttemptRecord {
  readonly at: number;
  /** HTTP status, or null when no answer came (timeout, refused). */
  readonly status: number | null;
  /** Why it failed, scrubbed of secrets; null when delivered. */
  readonly error: string | null;
}

/** Which outbox messages a list returns (every given filter holds), newest first by id. */
export interface OutboxFilter {
  readonly states?: readonly DeliveryState[];
  readonly receiver?: string;
  readonly incidentId?: number;
  /** Cursor: only ids below it (the previous page's nextCursor). */
  readonly before?: number;
  readonly limit: number;
}

/**
 * Outbox writes, and the reads that decide them. Messages are written in the transaction of the incident
 * change that causes them; a message that was never claimed may still take more changes of its group.
 */
export interface OutboxWrites {
  /** Writes messages (pending, a fresh idempotency key each); one whose `dedupe` is already written is skipped. Returns those written. */
  enqueue(messages: readonly NewOutboxMessage[]): Promise<OutboxMessage[]>;
  /** The group's pending message that no dispatcher ever claimed (more changes may fold into it, unless it is unreadable), or null. */
  openInGroup(receiver: string, groupKey: string): Promise<OutboxEntry | null>;
  /** Replaces an unclaimed message's content; false when it was claimed meanwhile (then write a new one). */
  refold(id: number, message: NotificationMessage, incidentIds: readonly number[]): Promise<boolean>;
  /** When the group's newest message was (or is) due; null for a group with no message yet. */
  lastDueInGroup(receiver: string, groupKey: string): Promise<number | null>;
  /** Messages written for `receiver` at or after `since`, summaries and suppressed ones aside (a rate limit's count). */
  countSince(receiver: string, since: number): Promise<number>;
  /** Delivered: state delivered, the attempt counted. */
  markDelivered(id: number, attempt: AttemptRecord): Promise<void>;
  /** Failed for now: pending again, due at `dueAt`, the attempt counted, the claim released. */
  markRetry(id: number, attempt: AttemptRecord, dueAt: number): Promise<void>;
  /** Not attempted now (its receiver's circuit is open): pending, due at `dueAt`, the claim released, no attempt counted. */
  postpone(id: number, dueAt: number): Promise<void>;
  /** Done without delivery: `failed` (refused), `dead` (too old, or its receiver gone) or `suppressed`; `attempt` null when none was made. */
  markFinal(id: number, state: 'failed' | 'dead' | 'suppressed', attempt: AttemptRecord | null, reason: string): Promise<void>;
}

export interface OutboxStore extends OutboxWrites {
  /**
   * Claims up to `limit` pending messages due at `at` whose claim is free (never claimed, or its lease
   * ran out: a dispatcher that crashed mid-send), holding them until `at + leaseMs`. Oldest due first.
   * A row this Vigil cannot read is claimed too, as unreadable with the reason (for the dispatcher to record).
   */
  claim(at: number, leaseMs: number, limit: number): Promise<OutboxEntry[]>;
  get(id: number): Promise<OutboxEntry | null>;
  /** Rows this Vigil cannot read are listed as unreadable, with the reason. */
  list(filter: OutboxFilter): Promise<{ readonly messages: readonly OutboxEntry[]; readonly nextCursor: number | null }>;
  /** Sends a message again (failed, dead, suppressed or delivered): pending, due and aged from `at`; NotFoundError, ConflictError while pending. */
  replay(id: number, at: number): Promise<OutboxEntry>;
  /** How many messages are in each state (the outbox depth is `pending`). */
  counts(): Promise<Record<DeliveryState, number>>;
  /** Deletes finished messages (not pending) written before `before`, at most `batch`; returns how many. */
  prune(before: number, batch?: number): Promise<number>;
}

// ---- Heartbeats: push checks ([P1]) ----

/** How a job's last beat went: `POST …/heartbeat/{token}` is ok, `…/fail` a failure. */
export type BeatStatus = 'ok' | 'fail';

/** One heartbeat check's token and last beat. */
export interface HeartbeatRecord {
  readonly checkId: string;
  /** The secret in the beat URL: unguessable, stable across restarts, replaced by a rotation. */
  readonly token: string;
  /** When the check first got a token: a check never beaten is aged from here (a rotation keeps it). */
  readonly createdAt: number;
  readonly lastBeatAt: number | null;
  readonly lastStatus: BeatStatus | null;
  /** The body of the last beat (bounded), e.g. a backup job's summary or error; null when it had none. */
  readonly lastMessage: string | null;
}

/** A beat as received. */
export interface Beat {
  readonly at: number;
  readonly status: BeatStatus;
  readonly message: string | null;
}

/** Heartbeat tokens and beats. Tokens are made by the caller (crypto), never by the store. */
export interface HeartbeatStore {
  /**
   * The records of `checks`, in their order; a check without one gets the token offered with it, made
   * at `at`. A check that has one keeps it (the offered token is dropped).
   */
  ensure(checks: ReadonlyArray<{ readonly checkId: string; readonly token: string }>, at: number): Promise<HeartbeatRecord[]>;
  /** Records a beat for the check holding `token`; null when no check holds it. */
  beat(token: string, beat: Beat): Promise<HeartbeatRecord | null>;
  get(checkId: string): Promise<HeartbeatRecord | null>;
  /** Every record, by check id. */
  list(): Promise<HeartbeatRecord[]>;
  /** Replaces the check's token (the old one stops working at once), keeping its beats; NotFoundError for a check without one. */
  rotate(checkId: string, token: string): Promise<HeartbeatRecord>;
}

/** What a transaction sees: the concerns' writes (and reads of what it wrote), committed together. */
export interface StoreTx {
  readonly samples: SampleWrites;
  readonly checks: CheckResultStore;
  readonly incidents: IncidentWrites;
  readonly ruleState: RuleStateWrites;
  readonly outbox: OutboxWrites;
  readonly reports: ReportWrites;
}

/** Which engine a store runs on, and where (secrets removed), for logs and /health. */
export interface StoreInfo {
  readonly engine: 'sqlite' | 'postgres';
  readonly location: string;
}

/**
 * The store. Methods outside `transaction` each commit on their own. Inside `transaction(fn)` use only
 * `tx`: on SQLite a call on the store itself waits for the transaction to end, so it would never return.
 */
export interface Store {
  readonly info: StoreInfo;
  readonly samples: SampleStore;
  readonly checks: CheckResultStore;
  readonly incidents: IncidentStore;
  readonly ruleState: RuleStateStore;
  readonly silences: SilenceStore;
  readonly postmortems: PostmortemStore;
  readonly outbox: OutboxStore;
  readonly heartbeats: HeartbeatStore;
  readonly tokens: TokenStore;
  readonly audit: AuditStore;
  readonly sessions: SessionStore;
  readonly wallLinks: WallLinkStore;
  readonly reports: ReportStore;
  /** Runs `fn` in one transaction: commits when it resolves, rolls back when it throws (and rethrows). */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** True when a write goes through (for /health/ready). */
  isWritable(): Promise<boolean>;
  /** Waits for work in flight, then closes connections, workers and files. */
  close(): Promise<void>;
}

/**
 * What an API token may do: read (viewer), also act on incidents and silences (responder), also manage
 * tokens and read the audit log (admin); or send OTLP data and heartbeats and nothing else (ingest).
 */
export type Role = 'viewer' | 'responder' | 'admin' | 'ingest';
export const ROLES: readonly Role[] = ['viewer', 'responder', 'admin', 'ingest'];

/** An API token as stored: never the token itself, only its SHA-256. */
export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdBy: string;
  readonly createdAt: number;
  /** Null: never expires. */
  readonly expiresAt: number | null;
  /** Updated at most once a minute per token. */
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

/** A token to store: the caller makes the id, the secret and its hash (crypto), never the store. */
export interface NewToken {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** Hex SHA-256 of the token text. */
  readonly hash: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
}

/** API tokens ([X1]). */
export interface TokenStore {
  create(token: NewToken): Promise<TokenRecord>;
  /** The token whose hash is `hash`, revoked or expired ones included (the caller decides); null when none. */
  byHash(hash: string): Promise<TokenRecord | null>;
  get(id: string): Promise<TokenRecord | null>;
  /** Every token, oldest first. */
  list(): Promise<TokenRecord[]>;
  /** Marks the token revoked at `at` (a second revoke keeps the first time); NotFoundError for an unknown id. */
  revoke(id: string, at: number): Promise<TokenRecord>;
  /** Records a use at `at` unless one was recorded less than a minute before; true when it wrote. */
  touch(id: string, at: number): Promise<boolean>;
}

/** One row of the hash-chained audit log. */
export interface AuditEntry {
  /** 1, 2, 3, … with no gaps. */
  readonly seq: number;
  readonly at: number;
  readonly actor: string;
  /** What was done: `token.create`, `POST /api/v1/incidents/:id/acknowledge`, … */
  readonly action: string;
  /** What it was done to: a path, a token id. */
  readonly target: string;
  /** Canonical JSON text (sorted keys) of the action's detail. */
  readonly detail: string;
  /** The previous row's hash; 64 zeros for the first. */
  readonly prevHash: string;
  /** sha256(prevHash + canonical row), hex. */
  readonly hash: string;
}

/** An action to append; the store gives it its seq and hashes it onto the chain. */
export interface NewAuditEntry {
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Which audit rows to read, in seq order. */
export interface AuditFilter {
  readonly actor?: string;
  /** Rows whose action starts with this. */
  readonly action?: string;
  readonly from?: number;
  /** Exclusive. */
  readonly to?: number;
  /** Only rows after this seq (paging). */
  readonly afterSeq?: number;
  readonly limit?: number;
}

/** The tamper-evident audit log: append only; nothing here edits or deletes a row. */
export interface AuditStore {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  list(filter?: AuditFilter): Promise<AuditEntry[]>;
  /** The newest row whose action is exactly `action`; null when there is none. */
  lastOf(action: string): Promise<AuditEntry | null>;
}

/** A dashboard sign-in ([X1]): made from an API token, known by the SHA-256 of its cookie's secret. */
export interface SessionRecord {
  /** Hex SHA-256 of the secret in the cookie; the secret itself is never stored. */
  readonly hash: string;
  /** The API token it was made from: the session has that token's name and role while the token is usable. */
  readonly tokenId: string;
  readonly createdAt: number;
  /** No later than the token's own expiry. */
  readonly expiresAt: number;
  /** Set by a sign-out. */
  readonly endedAt: number | null;
}

/** Dashboard sessions ([X1]). */
export interface SessionStore {
  create(session: Omit<SessionRecord, 'endedAt'>): Promise<SessionRecord>;
  /** The session whose hash is `hash`, ended or expired ones included (the caller decides); null when none. */
  byHash(hash: string): Promise<SessionRecord | null>;
  /** Marks the session ended at `at` (a second end keeps the first time); false for an unknown hash. */
  end(hash: string, at: number): Promise<boolean>;
  /** Sessions not ended and not expired at `at`, per token id (for the access review). */
  activeCounts(at: number): Promise<Map<string, number>>;
}

/** A read-only link for a wall screen ([X1]): the secret in its URL is stored only as its SHA-256. */
export interface WallLinkRecord {
  readonly id: string;
  readonly name: string;
  readonly createdBy: string;
  readonly createdAt: number;
  /** Null: never expires. */
  readonly expiresAt: number | null;
  /** Updated at most once a minute per link. */
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

/** A wall link to store: the caller makes the id, the secret and its hash. */
export interface NewWallLink {
  readonly id: string;
  readonly name: string;
  readonly hash: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
}

/** Wall links ([X1]). */
export interface WallLinkStore {
  create(link: NewWallLink): Promise<WallLinkRecord>;
  /** The link whose hash is `hash`, revoked or expired ones included; null when none. */
  byHash(hash: string): Promise<WallLinkRecord | null>;
  /** Every link, oldest first. */
  list(): Promise<WallLinkRecord[]>;
  /** Marks the link revoked at `at` (a second revoke keeps the first time); NotFoundError for an unknown id. */
  revoke(id: string, at: number): Promise<WallLinkRecord>;
  /** Records a use at `at` unless one was recorded less than a minute before; true when it wrote. */
  touch(id: string, at: number): Promise<boolean>;
}

// ---- SLA reports ----

/** A scheduled report is stored once per (name, period start); an ad-hoc one (from the API or CLI) every time. */
export type ReportKind = 'scheduled' | 'ad-hoc';

/** A stored report's identity and headline figures (what a list shows); the report itself is `body`. */
export interface ReportListItem {
  readonly id: number;
  /** The `reports:` entry's name, or `ad-hoc`. */
  readonly name: string;
  readonly kind: ReportKind;
  readonly periodStart: number;
  /** Exclusive. */
  readonly periodEnd: number;
  readonly generatedAt: number;
  /** Who asked for an ad-hoc report (an API caller's name); null for the scheduler. */
  readonly createdBy: string | null;
  /** Fleet availability in [0, 1]; null when no check had data. */
  readonly availability: number | null;
  /** Services (env × service) that missed their SLA target. */
  readonly slaMissed: number;
  readonly incidents: number;
}

/** A stored report: the computed report as JSON text (rendered to other formats on read). */
export interface ReportRecord extends ReportListItem {
  readonly body: string;
}

export type NewReport = Omit<ReportRecord, 'id'>;

export interface ReportWrites {
  /**
   * Stores the report; for a scheduled one, only if none of that name and period start is stored yet
   * (null then: another instance or an earlier run made it, and sends it).
   */
  insertIfAbsent(report: NewReport): Promise<ReportRecord | null>;
}

export interface ReportStore extends ReportWrites {
  get(id: number): Promise<ReportRecord | null>;
  /** Newest first (by id), without bodies; `before` is the previous page's nextCursor. */
  list(filter: { readonly name?: string; readonly before?: number; readonly limit: number }): Promise<{
    readonly reports: readonly ReportListItem[];
    readonly nextCursor: number | null;
  }>;
}
