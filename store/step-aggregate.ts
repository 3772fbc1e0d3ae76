// Pure step aggregation for series queries: raw rows or rollup rows in, aligned [ts, value] points out.
import { LogHistogram } from './histogram.js';
import type { Aggregate, Resolution } from './types.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Rollup bucket width per resolution. */
export const RESOLUTION_MS: Readonly<Record<Exclude<Resolution, 'raw'>, number>> = { '1m': MINUTE_MS, '1h': HOUR_MS };

/**
 * Which table answers a step: the coarsest whose bucket fits in it (a 61 s step reads 1-minute
 * rollups, a 90-minute step 1-hour rollups). A bucket counts whole in the step its start falls in, so
 * with a step that is not a multiple of the bucket a point may cover data up to one bucket past its end.
 */
export function resolutionForStep(stepMs: number): Resolution {
  if (stepMs >= HOUR_MS) return '1h';
  if (stepMs >= MINUTE_MS) return '1m';
  return 'raw';
}

/** Start of the step containing `ts`: floor(ts / step) · step. */
export function alignDown(ts: number, stepMs: number): number {
  return Math.floor(ts / stepMs) * stepMs;
}

const QUANTILES: Partial<Record<Aggregate, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** The quantile an aggregate asks for, or undefined for avg/min/max/sum/count/last. */
export function quantileOf(aggregate: Aggregate): number | undefined {
  return QUANTILES[aggregate];
}

/** Nearest-rank quantile (value of rank ceil(q·n), 1-based) of ascending `sorted`; the histogram's definition too. */
export function exactQuantile(sorted: readonly number[], q: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** Raw rows as read: [ts, value], ascending ts. */
export type RawRow = [ts: number, value: number];

/** Aggregates raw samples per step (exact percentiles). */
export function aggregateRaw(rows: readonly RawRow[], stepMs: number, aggregate: Aggregate): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  const q = quantileOf(aggregate);
  let i = 0;
  while (i < rows.length) {
    const start = alignDown(rows[i]![0], stepMs);
    const end = start + stepMs;
    let j = i;
    while (j < rows.length && rows[j]![0] < end) j++;
    points.push([start, reduceValues(rows, i, j, aggregate, q)]);
    i = j;
  }
  return points;
}

function reduceValues(rows: readonly RawRow[], from: number, to: number, aggregate: Aggregate, q: number | undefined): number {
  if (q !== undefined) {
    const values: number[] = [];
    for (let k = from; k < to; k++) values.push(rows[k]![1]);
    return exactQuantile(values.sort((a, b) => a - b), q);
  }
  switch (aggregate) {
    case 'count':
      return to - from;
    case 'last':
      return rows[to - 1]![1];
    case 'min': {
      let min = Infinity;
      for (let k = from; k < to; k++) min = Math.min(min, rows[k]![1]);
      return min;
    }
    case 'max': {
      let max = -Infinity;
      for (let k = from; k < to; k++) max = Math.max(max, rows[k]![1]);
      return max;
    }
    default: {
      let sum = 0;
      for (let k = from; k < to; k++) sum += rows[k]![1];
      return aggregate === 'avg' ? sum / (to - from) : sum;
    }
  }
}

/** Rollup rows for avg/min/max/sum/count/last: [bucket, count, sum, min, max, last], ascending bucket. */
export type RollupStatsRow = [bucket: number, count: number, sum: number, min: number, max: number, last: number];
/** Rollup rows for percentiles: [bucket, encoded histogram], ascending bucket. */
export type RollupHistRow = [bucket: number, hist: Uint8Array];

/** Combines rollup buckets per step: avg = Σsum/Σcount, last = last bucket's last. */
export function aggregateRollupStats(
  rows: readonly RollupStatsRow[],
  stepMs: number,
  aggregate: Aggregate,
): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  let i = 0;
  while (i < rows.length) {
    const start = alignDown(rows[i]![0], stepMs);
    const end = start + stepMs;
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    let last = NaN;
    for (; i < rows.length && rows[i]![0] < end; i++) {
      const row = rows[i]!;
      count += row[1];
      sum += row[2];
      if (row[3] < min) min = row[3];
      if (row[4] > max) max = row[4];
      last = row[5];
    }
    points.push([start, pickStat(aggregate, count, sum, min, max, last)]);
  }
  return points;
}

function pickStat(aggregate: Aggregate, count: number, sum: number, min: number, max: number, last: number): number {
  switch (aggregate) {
    case 'avg':
      return sum / count;
    case 'sum':
      return sum;
    case 'count':
      return count;
    case 'min':
      return min;
    case 'max':
      return max;
    default:
      return last;
  }
}

/**
 * The sum SQLite's sum() returns for REAL values in this order: Kahan–Babuška–Neumaier compensated
 * summation (func.c, SQLite ≥ 3.43), so a minute aggregated from raw equals the rolled-up one bit for bit.
 */
export function sqliteSum(rows: readonly RawRow[], from: number, to: number): number {
  let sum = 0;
  let error = 0;
  for (let k = from; k < to; k++) {
    const value = rows[k]![1];
    const next = sum + value;
    error += Math.abs(sum) > Math.abs(value) ? sum - next + value : value - next + sum;
    sum = next;
  }
  return Number.isFinite(error) ? sum + error : sum;
}

/** Folds raw rows into the 1-minute stats rows a rollUp would write for them. */
export function rawToMinuteStats(rows: readonly RawRow[]): RollupStatsRow[] {
  const minutes: RollupStatsRow[] = [];
  forEachMinute(rows, (minute, from, to) => {
    let min = Infinity;
    let max = -Infinity;
    for (let k = from; k < to; k++) {
      const value = rows[k]![1];
      if (value < min) min = value;
      if (value > max) max = value;
    }
    minutes.push([minute, to - from, sqliteSum(rows, from, to), min, max, rows[to - 1]![1]]);
  });
  return minutes;
}

/** Folds raw rows into the 1-minute histogram rows a rollUp would write for them. */
export function rawToMinuteHistograms(rows: readonly RawRow[]): RollupHistRow[] {
  const minutes: RollupHistRow[] = [];
  forEachMinute(rows, (minute, from, to) => {
    const histogram = new LogHistogram();
    for (let k = from; k < to; k++) histogram.add(rows[k]![1]);
    minutes.push([minute, histogram.encode()]);
  });
  return minutes;
}

function forEachMinute(rows: readonly RawRow[], visit: (minute: number, from: number, to: number) => void): void {
  let i = 0;
  while (i < rows.length) {
    const minute = alignDown(rows[i]![0], MINUTE_MS);
    let j = i;
    while (j < rows.length && rows[j]![0] < minute + MINUTE_MS) j++;
    visit(minute, i, j);
    i = j;
  }
}

/** Merges rollup histograms per step and reads quantile `q` (within HISTOGRAM_RELATIVE_ERROR). */
export function aggregateRollupQuantile(rows: readonly RollupHistRow[], stepMs: number, q: number): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  let i = 0;
  while (i < rows.length) {
    const start = alignDown(rows[i]![0], stepMs);
    const end = start + stepMs;
    const merged = new LogHistogram();
    for (; i < rows.length && rows[i]![0] < end; i++) merged.mergeEncoded(rows[i]![1]);
    points.push([start, merged.quantile(q)]);
  }
  return points;
}

/**
 * A rollUp call's default budget of series-minutes (1m buckets, ~6 samples each at a 10 s interval):
 * 400 folds in a median 4–5 ms a call (bench/store.mjs, the 60,000-series tick), 1,000 took ~10 ms
 * quiet and 40–100 ms on a loaded 2-core machine, for the same rollup throughput (~310,000 samples/s).
 * (The 60–90 ms calls that remained were the WAL checkpoint inside a commit: see checkpoint-worker.ts.)
 */
export const DEFAULT_ROLLUP_SERIES_MINUTES = 400;

/**
 * Series one rollUp call folds over the closed minutes [from, to): a budget of `seriesMinutes` (each
 * series-minute is one 1m bucket, ~6 samples at a 10 s interval), at least one series. A pass over one
 * minute folds `seriesMinutes` series a call; catching up an hour after downtime folds a sixtieth of
 * that, so a call's work stays the same size and never holds the event loop longer.
 */
export function seriesPerRollUpCall(seriesMinutes: number, from: number, to: number): number {
  const minutes = Math.max(1, Math.ceil((to - from) / MINUTE_MS));
  return Math.max(1, Math.floor(seriesMinutes / minutes));
}

/**
 * How many minutes one rollup pass covers: an hour, or as many as one call's budget of series-minutes
 * holds for one series, but at least ten (a tiny budget would otherwise turn a catch-up into a call
 * per series per minute, each with its fixed cost).
 */
export function rollUpPassMs(seriesMinutes: number): number {
  return Math.min(HOUR_MS, Math.max(10, seriesMinutes) * MINUTE_MS);
}
