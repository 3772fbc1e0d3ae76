import { describe, expect, it } from 'vitest';
import { HISTOGRAM_RELATIVE_ERROR } from '../../store/histogram.js';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite-store.js';
import { exactQuantile } from '../../store/step-aggregate.js';
import type { Aggregate, Sample, SeriesQuery } from '../../store/types.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { mulberry32 } from './random.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const SPAN = 5 * HOUR + 17 * MINUTE;
const LABELS = [
  { env: 'prod', service: 'api' },
  { env: 'staging', service: 'api' },
];

/** Samples roughly every 10 s with jittered times, log-normal latencies and occasional spikes. */
function dataset(seed: number): Sample[] {
  const random = mulberry32(seed);
  const samples: Sample[] = [];
  for (const labels of LABELS) {
    for (let t = T0; t < T0 + SPAN; t += 10_000) {
      const ts = t + Math.floor(random() * 10_000);
      const value = random() < 0.02 ? 2 + random() * 8 : Math.exp(random() * 3 - 4);
      samples.push({ name: 'probe_duration_seconds', labels, ts, value });
    }
  }
  return samples;
}

function query(stepMs: number, aggregate: Aggregate, overrides: Partial<SeriesQuery> = {}): SeriesQuery {
  return { metric: 'probe_duration_seconds', matchers: [], from: T0, to: T0 + SPAN, stepMs, aggregate, ...overrides };
}

/** Exact per-step aggregate computed straight from the samples, independent of the store. */
function expectedPoints(samples: readonly Sample[], env: string, stepMs: number, aggregate: Aggregate): Map<number, number> {
  const byStep = new Map<number, Sample[]>();
  for (const sample of samples) {
    if (sample.labels.env !== env) continue;
    const start = Math.floor(sample.ts / stepMs) * stepMs;
    byStep.set(start, [...(byStep.get(start) ?? []), sample]);
  }
  const points = new Map<number, number>();
  for (const [start, group] of byStep) {
    const values = group.map((s) => s.value);
    const sorted = [...values].sort((a, b) => a - b);
    const sum = values.reduce((a, b) => a + b, 0);
    const latest = group.reduce((a, b) => (b.ts > a.ts ? b : a));
    const byAggregate: Record<Aggregate, number> = {
      avg: sum / values.length,
      sum,
      count: values.length,
      min: sorted[0]!,
      max: sorted[sorted.length - 1]!,
      last: latest.value,
      p50: exactQuantile(sorted, 0.5),
      p90: exactQuantile(sorted, 0.9),
      p95: exactQuantile(sorted, 0.95),
      p99: exactQuantile(sorted, 0.99),
    };
    points.set(start, byAggregate[aggregate]);
  }
  return points;
}

function openStore(path = tempDbPath()): SqliteStore {
  return openSqliteStore(path);
}

describe('rollups', () => {
  const samples = dataset(42);

  it.each([
    { name: '1-minute rollups', stepMs: MINUTE, resolution: '1m' },
    { name: '1-minute rollups merged to 5-minute steps', stepMs: 5 * MINUTE, resolution: '1m' },
    { name: '1-hour rollups', stepMs: HOUR, resolution: '1h' },
    { name: '1-hour rollups merged to 2-hour steps', stepMs: 2 * HOUR, resolution: '1h' },
  ])('match the raw data from $name: counts, sums, min, max, last exactly and percentiles within the stated error', ({ stepMs, resolution }) => {
    const store = openStore();
    store.appendSamples(samples);
    expect(store.rollUp(T0 + SPAN)).toBeGreaterThan(0);
    for (const aggregate of ['count', 'sum', 'avg', 'min', 'max', 'last', 'p50', 'p90', 'p95', 'p99'] as const) {
      const result = store.querySeries(query(stepMs, aggregate));
      expect(result.resolution).toBe(resolution);
      expect(result.series.map((s) => s.labels.env)).toEqual(['prod', 'staging']);
      for (const series of result.series) {
        const expected = expectedPoints(samples, series.labels.env!, stepMs, aggregate);
        expect(series.points.map(([ts]) => ts)).toEqual([...expected.keys()].sort((a, b) => a - b));
        for (const [ts, value] of series.points) {
          const exact = expected.get(ts)!;
          if (aggregate.startsWith('p')) {
            expect(Math.abs(value - exact) / exact, `${aggregate} at ${ts}`).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR * (1 + 1e-9));
          } else {
            expect(value, `${aggregate} at ${ts}`).toBeCloseTo(exact, 9);
          }
        }
      }
    }
    store.close();
  });

  it('counts samples above zero as successes so availability can be read from probe_success', () => {
    const store = openStore();
    const up = [1, 1, 0, 1, 0, 1];
    store.appendSamples(up.map((value, i) => ({ name: 'probe_success', labels: { env: 'prod' }, ts: T0 + i * 10_000, value })));
    store.rollUp(T0 + MINUTE);
    const avg = store.querySeries({ metric: 'probe_success', matchers: [], from: T0, to: T0 + HOUR, stepMs: MINUTE, aggregate: 'avg' });
    expect(avg.series[0]!.points).toEqual([[T0, 4 / 6]]);
    store.close();
  });

  it('gives the same result when rolled up every few minutes while appending as when rolled up once', () => {
    const incremental = openStore();
    const once = openStore();
    const sorted = [...samples].sort((a, b) => a.ts - b.ts);
    const chunkMs = 7 * MINUTE + 13_000;
    for (let from = T0; from < T0 + SPAN; from += chunkMs) {
      incremental.appendSamples(sorted.filter((s) => s.ts >= from && s.ts < from + chunkMs));
      incremental.rollUp(from + chunkMs);
    }
    once.appendSamples(samples);
    once.rollUp(T0 + SPAN + chunkMs);
    for (const stepMs of [MINUTE, HOUR]) {
      for (const aggregate of ['count', 'sum', 'last', 'p99'] as const) {
        expect(incremental.querySeries(query(stepMs, aggregate))).toEqual(once.querySeries(query(stepMs, aggregate)));
      }
    }
    incremental.close();
    once.close();
  });

  it('is idempotent: rolling up the same time twice writes the same buckets again and changes nothing', () => {
    const store = openStore();
    store.appendSamples(samples);
    const first = store.rollUp(T0 + SPAN);
    const before = store.querySeries(query(MINUTE, 'sum'));
    const second = store.rollUp(T0 + SPAN);
    expect(second).toBeLessThan(first);
    expect(store.querySeries(query(MINUTE, 'sum'))).toEqual(before);
    store.close();
  });

  it('includes the still-open current minute and updates it on the next rollUp', () => {
    const store = openStore();
    const labels = { env: 'prod', service: 'api' };
    store.appendSamples([{ name: 'probe_duration_seconds', labels, ts: T0 + 5_000, value: 1 }]);
    store.rollUp(T0 + 20_000);
    expect(store.querySeries(query(MINUTE, 'count')).series[0]!.points).toEqual([[T0, 1]]);
    store.appendSamples([{ name: 'probe_duration_seconds', labels, ts: T0 + 25_000, value: 3 }]);
    store.rollUp(T0 + 30_000);
    expect(store.querySeries(query(MINUTE, 'count')).series[0]!.points).toEqual([[T0, 2]]);
    expect(store.querySeries(query(MINUTE, 'last')).series[0]!.points).toEqual([[T0, 3]]);
    expect(store.querySeries(query(HOUR, 'sum')).series[0]!.points).toEqual([[T0, 4]]);
    store.close();
  });

  it('does not count samples later than the rollUp time until the next rollUp', () => {
    const store = openStore();
    const labels = { env: 'prod', service: 'api' };
    store.appendSamples([
      { name: 'probe_duration_seconds', labels, ts: T0 + 5_000, value: 1 },
      { name: 'probe_duration_seconds', labels, ts: T0 + 45_000, value: 2 },
    ]);
    store.rollUp(T0 + 30_000);
    expect(store.querySeries(query(MINUTE, 'last')).series[0]!.points).toEqual([[T0, 1]]);
    store.rollUp(T0 + MINUTE);
    expect(store.querySeries(query(MINUTE, 'last')).series[0]!.points).toEqual([[T0, 2]]);
    store.close();
  });

  it('recomputes the minute and hour of a late sample on the next rollUp', () => {
    const store = openStore();
    store.appendSamples(samples);
    store.rollUp(T0 + SPAN);
    const lateTs = T0 + 2 * HOUR + 30 * MINUTE + 1_234;
    const labels = LABELS[0]!;
    const before = store.querySeries(query(MINUTE, 'count', { from: lateTs - MINUTE, to: lateTs + MINUTE, matchers: [{ label: 'env', op: '=', value: 'prod' }] }));
    const minuteCount = new Map(before.series[0]!.points).get(T0 + 2 * HOUR + 30 * MINUTE)!;

    store.appendSamples([{ name: 'probe_duration_seconds', labels, ts: lateTs, value: 1000 }]);
    expect(store.rollUp(T0 + SPAN)).toBeGreaterThan(0);

    const prod = [{ label: 'env', op: '=', value: 'prod' }] as const;
    const minute = store.querySeries(query(MINUTE, 'count', { from: lateTs - MINUTE, to: lateTs + MINUTE, matchers: prod }));
    expect(new Map(minute.series[0]!.points).get(T0 + 2 * HOUR + 30 * MINUTE)).toBe(minuteCount + 1);
    const hourMax = store.querySeries(query(HOUR, 'max', { matchers: prod }));
    expect(new Map(hourMax.series[0]!.points).get(T0 + 2 * HOUR)).toBe(1000);
    const hourP99 = store.querySeries(query(HOUR, 'p99', { matchers: prod }));
    expect(new Map(hourP99.series[0]!.points).get(T0 + 2 * HOUR)).toBeGreaterThan(1);
    store.close();
  });

  it('recomputes a bucket when an already rolled-up sample is replaced', () => {
    const store = openStore();
    const labels = { env: 'prod', service: 'api' };
    store.appendSamples([{ name: 'probe_duration_seconds', labels, ts: T0, value: 1 }]);
    store.rollUp(T0 + 3 * HOUR);
    store.appendSamples([{ name: 'probe_duration_seconds', labels, ts: T0, value: 5 }]);
    store.rollUp(T0 + 3 * HOUR);
    expect(store.querySeries(query(MINUTE, 'sum')).series[0]!.points).toEqual([[T0, 5]]);
    expect(store.querySeries(query(HOUR, 'sum')).series[0]!.points).toEqual([[T0, 5]]);
    store.close();
  });

  it('keeps data and the rollup watermark across close and reopen, so late samples are still caught', () => {
    const file = tempDbPath();
    const first = openStore(file);
    first.appendSamples(samples);
    first.rollUp(T0 + SPAN);
    const sums = first.querySeries(query(HOUR, 'sum'));
    first.close();

    const reopened = openStore(file);
    expect(reopened.rolledUpTo).toBe(T0 + SPAN);
    expect(reopened.querySeries(query(HOUR, 'sum'))).toEqual(sums);
    reopened.appendSamples([{ name: 'probe_duration_seconds', labels: LABELS[0]!, ts: T0 + 1, value: 100 }]);
    reopened.rollUp(T0 + SPAN);
    const prodFirstHour = reopened.querySeries(query(HOUR, 'sum', { matchers: [{ label: 'env', op: '=', value: 'prod' }] })).series[0]!.points[0]!;
    const before = sums.series.find((s) => s.labels.env === 'prod')!.points[0]!;
    expect(prodFirstHour[1]).toBeCloseTo(before[1] + 100, 9);
    reopened.close();
  });
});
