// The store contract: every reader and writer of Vigil's data goes through it, and both engines
// (SQLite, the embedded default, and PostgreSQL) implement it and run one contract test suite.
// It is asynchronous (PostgreSQL is), split by concern (samples, check results; incidents, rule state,
// outbox and audit join as their issues land), with one transaction API for changes that must commit
// together. Times are integer epoch milliseconds throughout.

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

/** What a transaction sees: the concerns' writes (and reads of what it wrote), committed together. */
export interface StoreTx {
  readonly samples: SampleWrites;
  readonly checks: CheckResultStore;
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
  /** Runs `fn` in one transaction: commits when it resolves, rolls back when it throws (and rethrows). */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** True when a write goes through (for /health/ready). */
  isWritable(): Promise<boolean>;
  /** Waits for work in flight, then closes connections, workers and files. */
  close(): Promise<void>;
}
