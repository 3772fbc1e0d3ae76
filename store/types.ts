// The store's interface: every reader and writer of Vigil's data goes through it, so a PostgreSQL
// store can implement the same contract later. Times are integer epoch milliseconds throughout.

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

export interface Store {
  /** Appends samples in one transaction; a sample for an existing (series, ts) replaces it. */
  appendSamples(samples: readonly Sample[]): void;
  /** Records the outcome of check runs (upsert of each check's last result), in one transaction. */
  recordCheckResults(results: readonly CheckResult[]): void;
  /** The last result of every check that has run. */
  lastCheckResults(): CheckResult[];
  querySeries(query: SeriesQuery): SeriesQueryResult;
  /**
   * Folds closed minutes (before floor(at / 1 min) · 1 min) into 1-minute and 1-hour rollups, each
   * sample once, plus minutes that late samples made dirty. One call does a bounded step (at most
   * `maxSeries` series); `more` is true while work is left for this `at`, so call again (yielding to
   * the event loop in between) until it is false. Safe to repeat or interrupt. Queries see unfolded
   * samples either way: at a step of a minute or more they aggregate the raw tail themselves.
   */
  rollUp(at: number, maxSeries?: number): { buckets: number; more: boolean };
  /** Deletes data older than the retention, at most `batch` rows per table per call; returns rows deleted. */
  enforceRetention(at: number, retention: Retention, batch?: number): number;
  /** True when a write goes through (for /health/ready). */
  isWritable(): boolean;
  close(): void;
}
