// The aggregates a threshold rule reduces one series' window to, as pure functions over a slice of
// parallel time/value arrays (the layout rules/window.ts keeps). No allocation except for quantiles.
import type { RuleAggregate } from './types.js';

/**
 * Reduces samples [lo, hi) of one series (times ascending) to one value; null when the slice is empty,
 * or holds one sample for `rate`/`increase`.
 *
 * `rate` and `increase` read the series as a counter: a drop is a reset, after which the new value
 * counts as the increase. Unlike Prometheus they do not extrapolate to the window's edges: `increase`
 * is what the samples show, `rate` that divided by the time between the first and the last sample.
 * Quantiles interpolate linearly between the closest ranks of the raw values.
 */
export function aggregate(kind: RuleAggregate, times: readonly number[], values: readonly number[], lo: number, hi: number): number | null {
  const n = hi - lo;
  if (n <= 0) return null;
  switch (kind) {
    case 'last':
      return values[hi - 1]!;
    case 'count':
      return n;
    case 'sum':
      return sum(values, lo, hi);
    case 'avg':
      return sum(values, lo, hi) / n;
    case 'min': {
      let min = values[lo]!;
      for (let i = lo + 1; i < hi; i++) if (values[i]! < min) min = values[i]!;
      return min;
    }
    case 'max': {
      let max = values[lo]!;
      for (let i = lo + 1; i < hi; i++) if (values[i]! > max) max = values[i]!;
      return max;
    }
    case 'increase':
      return n < 2 ? null : counterIncrease(values, lo, hi);
    case 'rate': {
      if (n < 2) return null;
      const seconds = (times[hi - 1]! - times[lo]!) / 1000;
      return seconds <= 0 ? null : counterIncrease(values, lo, hi) / seconds;
    }
    case 'p50':
      return quantile(values, lo, hi, 0.5);
    case 'p90':
      return quantile(values, lo, hi, 0.9);
    case 'p95':
      return quantile(values, lo, hi, 0.95);
    case 'p99':
      return quantile(values, lo, hi, 0.99);
  }
}

function sum(values: readonly number[], lo: number, hi: number): number {
  let total = 0;
  for (let i = lo; i < hi; i++) total += values[i]!;
  return total;
}

function counterIncrease(values: readonly number[], lo: number, hi: number): number {
  let increase = 0;
  for (let i = lo + 1; i < hi; i++) {
    const delta = values[i]! - values[i - 1]!;
    increase += delta >= 0 ? delta : values[i]!;
  }
  return increase;
}

/** The q-quantile of values [lo, hi): linear interpolation between the closest ranks (numpy's default). */
export function quantile(values: readonly number[], lo: number, hi: number, q: number): number {
  const sorted = values.slice(lo, hi).sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (rank - below);
}

/** First index in times[lo, hi) whose time is >= `from` (hi when none): where a window starts. */
export function lowerBound(times: readonly number[], from: number, lo: number, hi: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (times[mid]! < from) a = mid + 1;
    else b = mid;
  }
  return a;
}
