// Answering a series query, the same on every engine: pick the resolution, bound the cost, read the
// rows an engine's snapshot hands out, and aggregate them per step with the pure functions of
// step-aggregate.ts. Engines differ only in how they read rows (SQL, a reader thread, a pool).
import { formatDuration } from '../lib/duration.js';
import { QueryTooLargeError } from '../lib/errors.js';
import { matchesLabels } from './labels.js';
import {
  aggregateRaw,
  aggregateRollupQuantile,
  aggregateRollupStats,
  alignDown,
  quantileOf,
  rawToMinuteHistograms,
  rawToMinuteStats,
  RESOLUTION_MS,
  resolutionForStep,
  type RawRow,
  type RollupHistRow,
  type RollupStatsRow,
} from './step-aggregate.js';
import { DEFAULT_QUERY_LIMITS, type Labels, type QueryLimits, type SeriesQuery, type SeriesQueryResult, type SeriesResult } from './types.js';

/** A stored series as readers see it: its id, labels and their canonical text (the sort key). */
export interface SeriesRow {
  readonly id: number;
  readonly labels: Labels;
  readonly key: string;
}

type Rollup = '1m' | '1h';
type Maybe<T> = T | Promise<T>;

/**
 * Rows of one consistent read snapshot of a store. Each read takes a `limit`: it returns at most that
 * many rows, so a query over its row bound stops reading as soon as it crosses it.
 */
export interface QuerySnapshot {
  /** Every series of the metric. */
  series(metric: string): Maybe<readonly SeriesRow[]>;
  /** Rollups of the series hold every sample before this time (-Infinity before the first rollup). */
  foldedThrough(seriesId: number): number;
  /** Raw samples [ts, value] with from <= ts < to, ascending. */
  raw(seriesId: number, from: number, to: number, limit: number): Maybe<RawRow[]>;
  /** Rollup stats rows with from <= bucket < to, ascending. */
  rollupStats(resolution: Rollup, seriesId: number, from: number, to: number, limit: number): Maybe<RollupStatsRow[]>;
  /** Rollup histogram rows with from <= bucket < to, ascending. */
  rollupHist(resolution: Rollup, seriesId: number, from: number, to: number, limit: number): Maybe<RollupHistRow[]>;
}

/** Throws a RangeError for a step the store cannot serve (the API validates before this). */
export function checkStep(stepMs: number): void {
  if (!Number.isSafeInteger(stepMs) || stepMs <= 0) throw new RangeError(`stepMs must be a positive integer, got ${stepMs}`);
}

/**
 * Every series of the metric matching the matchers that has data in [from, to), sorted by label key.
 * Points are aligned to multiples of the step; rollup buckets are read whole, so with an unaligned
 * `from` the first point may cover data from just before it. At a step of a minute or more, buckets
 * the rollups do not cover yet are aggregated from raw samples exactly as a rollUp would fold them,
 * so the result is what it will be once they are folded. With `onSeries`, each series is handed to it as
 * soon as it is made instead of kept (the result's `series` is then empty): a reader thread encodes it at
 * once, so that one series' points are alive at a time, not the whole answer's (~400,000 points of a
 * 7-day chart at a 1-minute step, which lived long enough for V8 to copy them into its old space).
 */
export async function runSeriesQuery(
  snapshot: QuerySnapshot,
  query: SeriesQuery,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
  onSeries?: (series: SeriesResult) => void,
): Promise<SeriesQueryResult> {
  const { stepMs, from, to, aggregate } = query;
  checkStep(stepMs);
  const resolution = resolutionForStep(stepMs);
  const series: SeriesResult[] = [];
  const emit = onSeries ?? ((one: SeriesResult) => void series.push(one));
  if (!(to > from)) return { resolution, series, rowsScanned: 0 };
  const matching = (await snapshot.series(query.metric))
    .filter((row) => matchesLabels(row.labels, query.matchers))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  checkSize(query, matching.length, limits);

  const q = quantileOf(aggregate);
  let rowsScanned = 0;
  /** Rows a read may still return: one more than the budget, so crossing it is seen. */
  const budget = () => limits.maxRowsScanned - rowsScanned + 1;
  const count = <T>(rows: T[]): T[] => {
    rowsScanned += rows.length;
    if (rowsScanned > limits.maxRowsScanned) throw tooManyRows(query, limits);
    return rows;
  };

  for (const { id, labels } of matching) {
    let points: Array<[number, number]>;
    if (resolution === 'raw') {
      points = aggregateRaw(count(await snapshot.raw(id, from, to, budget())), stepMs, aggregate);
    } else {
      const bucketFrom = alignDown(from, RESOLUTION_MS[resolution]);
      // Rollups up to where this series is folded, then its raw tail as 1-minute rows after them.
      const foldedTo = snapshot.foldedThrough(id);
      const rollupTo = Math.min(to, foldedTo);
      const tail = foldedTo < to ? count(await snapshot.raw(id, Math.max(bucketFrom, foldedTo), to, budget())) : [];
      if (q === undefined) {
        const rows = rollupTo > bucketFrom ? count(await snapshot.rollupStats(resolution, id, bucketFrom, rollupTo, budget())) : [];
        if (tail.length > 0) rows.push(...rawToMinuteStats(tail));
        points = aggregateRollupStats(rows, stepMs, aggregate);
      } else {
        const rows = rollupTo > bucketFrom ? count(await snapshot.rollupHist(resolution, id, bucketFrom, rollupTo, budget())) : [];
        if (tail.length > 0) rows.push(...rawToMinuteHistograms(tail));
        points = aggregateRollupQuantile(rows, stepMs, q);
      }
    }
    if (points.length > 0) emit({ labels, points });
  }
  return { resolution, series, rowsScanned };
}

/** Refuses, before reading a row, a query whose answer could exceed the series or points bound. */
function checkSize(query: SeriesQuery, seriesCount: number, limits: QueryLimits): void {
  if (seriesCount > limits.maxSeries) {
    throw new QueryTooLargeError(
      `${query.metric} matches ${seriesCount} series, over the limit of ${limits.maxSeries} per query; ` +
        'narrow it with match= (like match=env=prod or match=service=api)',
    );
  }
  const pointsPerSeries = Math.ceil((query.to - query.from) / query.stepMs) + 1;
  if (seriesCount * pointsPerSeries > limits.maxPoints) {
    throw new QueryTooLargeError(
      `${seriesCount} series × ${pointsPerSeries} points at step ${formatDuration(query.stepMs)} is over the limit of ` +
        `${limits.maxPoints} points per query; use a larger step, a shorter range or match= to select fewer series`,
    );
  }
}

function tooManyRows(query: SeriesQuery, limits: QueryLimits): QueryTooLargeError {
  const hint =
    resolutionForStep(query.stepMs) === 'raw'
      ? 'use a step of 1m or more (read from rollups), a shorter range or match= to select fewer series'
      : 'use a step of 1h or more, a shorter range or match= to select fewer series';
  return new QueryTooLargeError(`${query.metric}: the query reads more than ${limits.maxRowsScanned} stored rows; ${hint}`);
}
