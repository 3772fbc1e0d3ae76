// A histogram interval as samples: how OTLP histograms (and span durations) are kept so that `p95` works
// wherever Vigil reads percentiles (the series API, rules, SLO accounting, reports), which all compute
// them over the samples of a series.
//
// An interval's observations (the delta of a cumulative histogram, or a delta point) become
// m = min(count, maxSamples) samples: the values of ranks (j + ½)·count/m, j = 0…m-1, read from the
// buckets. While an interval holds at most maxSamples observations each sample is one observation, so
// a percentile over any window is the exact percentile of the observations, up to where in its bucket
// each observation lies:
//   - explicit buckets: linear interpolation inside the bucket (as Prometheus' histogram_quantile),
//     so the error is at most the bucket's width (the first bucket starts at 0 or the point's min; the
//     +Inf bucket is read as its lower bound, or the point's max);
//   - exponential buckets (base = 2^(2^-scale)): the bucket's harmonic midpoint 2·lo·hi/(lo+hi), within
//     ±(base−1)/(base+1) of every value in it (±0.27 % at the SDKs' default scale 8, ±4.3 % at scale 3).
// An interval with more observations counts as maxSamples of them, spread over its distribution: a
// window's percentile then weighs busy intervals alike; exact when traffic is steady over the window.
import type { Bucket, HistogramLayout } from './otlp/metrics.js';

/** Samples per interval per series at most: 100 resolves percentiles in steps of 1 %. */
export const DEFAULT_HISTOGRAM_SAMPLES = 100;

interface ReadBucket extends Bucket {
  /** How a value inside the bucket is read: interpolated by rank (explicit) or at its midpoint (exponential). */
  readonly midpoint: boolean;
}

/** Buckets in ascending value order; zero-count buckets left out. */
export function bucketsOf(layout: HistogramLayout, min: number | undefined, max: number | undefined): ReadBucket[] {
  const buckets: ReadBucket[] = [];
  if (layout.kind === 'explicit') {
    const { bounds, counts } = layout;
    for (let i = 0; i < counts.length; i++) {
      const count = counts[i]!;
      if (count <= 0) continue;
      let lower = i === 0 ? (min ?? (bounds.length > 0 && bounds[0]! > 0 ? 0 : (bounds[0] ?? 0))) : bounds[i - 1]!;
      let upper = i < bounds.length ? bounds[i]! : (max ?? lower);
      if (min !== undefined && lower < min) lower = min;
      if (max !== undefined && upper > max) upper = max;
      if (upper < lower) upper = lower;
      buckets.push({ lower, upper, count, midpoint: false });
    }
    return buckets;
  }
  const base = Math.pow(2, Math.pow(2, -layout.scale));
  const negative = [...layout.negative].sort((a, b) => b[0] - a[0]);
  for (const [index, count] of negative) buckets.push({ lower: -Math.pow(base, index + 1), upper: -Math.pow(base, index), count, midpoint: true });
  if (layout.zeroCount > 0) buckets.push({ lower: 0, upper: 0, count: layout.zeroCount, midpoint: true });
  const positive = [...layout.positive].sort((a, b) => a[0] - b[0]);
  for (const [index, count] of positive) buckets.push({ lower: Math.pow(base, index), upper: Math.pow(base, index + 1), count, midpoint: true });
  return buckets;
}

function read(bucket: ReadBucket, fraction: number): number {
  if (bucket.lower === bucket.upper) return bucket.lower;
  if (bucket.midpoint) return (2 * bucket.lower * bucket.upper) / (bucket.lower + bucket.upper);
  return bucket.lower + (bucket.upper - bucket.lower) * fraction;
}

/** The representative values of an interval's buckets, ascending (see the file comment). */
export function representativeValues(buckets: readonly ReadBucket[], maxSamples: number): number[] {
  let total = 0;
  for (const b of buckets) total += b.count;
  if (total <= 0) return [];
  const m = Math.min(Math.round(total), maxSamples);
  const values: number[] = new Array(m);
  let i = 0;
  let before = 0;
  for (let j = 0; j < m; j++) {
    const rank = ((j + 0.5) * total) / m;
    while (i < buckets.length - 1 && before + buckets[i]!.count <= rank) before += buckets[i++]!.count;
    const bucket = buckets[i]!;
    values[j] = read(bucket, Math.min(1, Math.max(0, (rank - before) / bucket.count)));
  }
  return values;
}

/** Exact values (span durations) as at most `maxSamples` samples: all of them, or evenly spaced ranks. */
export function representativeOfValues(values: number[], maxSamples: number): number[] {
  values.sort((a, b) => a - b);
  if (values.length <= maxSamples) return values;
  const picked: number[] = new Array(maxSamples);
  for (let j = 0; j < maxSamples; j++) picked[j] = values[Math.floor(((j + 0.5) * values.length) / maxSamples)]!;
  return picked;
}
