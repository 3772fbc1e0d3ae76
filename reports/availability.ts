// Availability from probe_success rollups: per check, the successful and total probe results and the
// time that had data, maintenance left out. Pure: the reader hands in the store's step buckets a
// chunk at a time (sums and counts of one query), and the maintenance windows.
import { coveredMs, coversTarget, maintenanceWindows, type TimeRange } from '../rules/maintenance.js';
import type { MaintenanceSpec } from '../rules/types.js';
import type { Labels, SeriesResult } from '../store/types.js';

/** One check's running totals over the buckets seen so far. */
export interface CheckTally {
  readonly env: string;
  readonly service: string;
  readonly check: string;
  good: number;
  total: number;
  dataMs: number;
}

/** `env\0service\0check`: series with more labels (a probe's own) count as their check's. */
export function checkKey(labels: Labels): string | null {
  const { env, service, check } = labels;
  return env === undefined || service === undefined || check === undefined ? null : `${env}\0${service}\0${check}`;
}

/** Maintenance windows of a period per env and service, computed once each. */
export class MaintenanceIndex {
  readonly #specs: readonly MaintenanceSpec[];
  readonly #from: number;
  readonly #to: number;
  readonly #byTarget = new Map<string, TimeRange[]>();

  constructor(specs: readonly MaintenanceSpec[], from: number, to: number) {
    this.#specs = specs;
    this.#from = from;
    this.#to = to;
  }

  windows(env: string, service: string): TimeRange[] {
    const key = `${env}\0${service}`;
    let windows = this.#byTarget.get(key);
    if (windows === undefined) {
      windows = this.#specs.filter((spec) => coversTarget(spec, { env, service })).flatMap((spec) => maintenanceWindows(spec, this.#from, this.#to));
      this.#byTarget.set(key, windows);
    }
    return windows;
  }

  /** Maintenance time of env/service within [from, to) of the period. */
  coveredMs(env: string, service: string, from = this.#from, to = this.#to): number {
    return coveredMs(this.windows(env, service), Math.max(from, this.#from), Math.min(to, this.#to));
  }
}

/**
 * Adds one query's buckets to `tallies`: `sums` and `counts` are probe_success summed and counted per
 * step over the same series. A bucket counts for its part inside the period and outside maintenance:
 * a minute half in maintenance counts half its probes and half its time. Linear in the points: a
 * fleet's day of minutes is millions of them, so nothing here builds a string per point.
 */
export function tallyAvailability(
  tallies: Map<string, CheckTally>,
  sums: readonly SeriesResult[],
  counts: readonly SeriesResult[],
  stepMs: number,
  period: { readonly from: number; readonly to: number },
  maintenance: MaintenanceIndex,
): void {
  // The two answers list the same series, in the same order when both read the same rows; a label
  // string per series is built only where they do not line up.
  let sumsOf: Map<string, SeriesResult['points']> | null = null;
  const sumPointsOf = (series: SeriesResult, index: number): SeriesResult['points'] => {
    const same = sums[index];
    if (same && sameLabels(same.labels, series.labels)) return same.points;
    sumsOf ??= new Map(sums.map((s) => [JSON.stringify(s.labels), s.points]));
    return sumsOf.get(JSON.stringify(series.labels)) ?? [];
  };
  for (const [index, series] of counts.entries()) {
    const key = checkKey(series.labels);
    if (key === null) continue;
    const { env, service, check } = series.labels as Required<Pick<Labels, 'env' | 'service' | 'check'>>;
    let tally = tallies.get(key);
    if (tally === undefined) {
      tally = { env, service, check, good: 0, total: 0, dataMs: 0 };
      tallies.set(key, tally);
    }
    // Both answers are in time order and read the same rows: walk them together.
    const sumPoints = sumPointsOf(series, index);
    const windows = maintenance.windows(env, service);
    let s = 0;
    for (const [ts, count] of series.points) {
      while (s < sumPoints.length && sumPoints[s][0] < ts) s++;
      const start = Math.max(ts, period.from);
      const end = Math.min(ts + stepMs, period.to);
      if (end <= start || count <= 0) continue;
      const outside = windows.length === 0 ? 1 : 1 - coveredMs(windows, start, end) / (end - start);
      if (outside <= 0) continue;
      const sum = s < sumPoints.length && sumPoints[s][0] === ts ? sumPoints[s][1] : 0;
      tally.good += sum * outside;
      tally.total += count * outside;
      // Two series of one check in the same step still had data for one step, not two: capped below.
      tally.dataMs += (end - start) * outside;
    }
  }
}

function sameLabels(a: Labels, b: Labels): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

/** Availability of a tally: successful / total probes; null with none. */
export function availabilityOf(tally: Pick<CheckTally, 'good' | 'total'>): number | null {
  return tally.total > 0 ? tally.good / tally.total : null;
}
