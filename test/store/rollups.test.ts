import { describe, expect, it } from 'vitest';
import { HISTOGRAM_RELATIVE_ERROR } from '../../store/histogram.js';
import { openDatabase } from '../../store/db.js';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite-store.js';
import { exactQuantile } from '../../store/step-aggregate.js';
import type { Aggregate, Sample, SeriesQuery } from '../../store/types.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { mulberry32 } from './random.js';
import { rollUpFully } from './roll-up.js';

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
    expect(rollUpFully(store, T0 + SPAN).buckets).toBeGreaterThan(0);
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
    rollUpFully(store, T0 + MINUTE);
    const avg = store.querySeries({ metric: 'probe_success', matchers: [], from: T0, to: T0 + HOUR, stepMs: MINUTE, aggregate: 'avg' });
    expect(avg.series[0]!.points).toEqual([[T0, 4 / 6]]);
    store.close();
  });

  it('gives the same result when rolled up every few minutes in one-series chunks, once, or not at all', () => {
    const incremental = openStore();
    const once = openStore();
    const never = openStore();
    const sorted = [...samples].sort((a, b) => a.ts - b.ts);
    const chunkMs = 7 * MINUTE + 13_000;
    for (let from = T0; from < T0 + SPAN; from += chunkMs) {
      incremental.appendSamples(sorted.filter((s) => s.ts >= from && s.ts < from + chunkMs));
      rollUpFully(incremental, from + chunkMs, 1);
    }
    once.appendSamples(samples);
    rollUpFully(once, T0 + SPAN + chunkMs);
    never.appendSamples(samples);
    for (const stepMs of [MINUTE, HOUR]) {
      for (const aggregate of ['count', 'sum', 'avg', 'max', 'last', 'p99'] as const) {
        const expected = once.querySeries(query(stepMs, aggregate));
        expect(incremental.querySeries(query(stepMs, aggregate)), `${aggregate} at ${stepMs}`).toEqual(expected);
        // Nothing folded: every bucket is aggregated from raw samples, and must match to the bit.
        expect(never.querySeries(query(stepMs, aggregate)), `${aggregate} at ${stepMs}`).toEqual(expected);
      }
    }
    incremental.close();
    once.close();
    never.close();
  });

  it('is idempotent: rolling up the same time again writes nothing and changes nothing', () => {
    const store = openStore();
    store.appendSamples(samples);
    expect(rollUpFully(store, T0 + SPAN).buckets).toBeGreaterThan(0);
    const before = store.querySeries(query(MINUTE, 'sum'));
    const hours = store.querySeries(query(HOUR, 'sum'));
    expect(store.rollUp(T0 + SPAN)).toEqual({ buckets: 0, more: false });
    expect(store.rollUp(T0 + SPAN + 59_999)).toEqual({ buckets: 0, more: false });
    expect(store.querySeries(query(MINUTE, 'sum'))).toEqual(before);
    expect(store.querySeries(query(HOUR, 'sum'))).toEqual(hours);
    store.close();
  });

  it('shows the still-open minute at 1m and 1h steps from raw samples before any rollUp folds it', () => {
    const store = openStore();
    const labels = { env: 'prod', service: 'api' };
    const sample = (ts: number, value: number): Sample => ({ name: 'probe_duration_seconds', labels, ts, value });
    store.appendSamples([sample(T0 + 5_000, 1), sample(T0 + MINUTE + 5_000, 2)]);
    rollUpFully(store, T0 + 2 * MINUTE + 20_000);
    expect(store.rolledUpTo).toBe(T0 + 2 * MINUTE);
    // The minute starting at T0 + 2 min is still open: nothing of it is in the rollups yet.
    store.appendSamples([sample(T0 + 2 * MINUTE + 1_000, 0.5), sample(T0 + 2 * MINUTE + 11_000, 4), sample(T0 + 2 * MINUTE + 21_000, 1.5)]);
    const openMinute = T0 + 2 * MINUTE;
    const at1m = (aggregate: Aggregate) => store.querySeries(query(MINUTE, aggregate)).series[0]!.points;
    expect(at1m('count')).toEqual([[T0, 1], [T0 + MINUTE, 1], [openMinute, 3]]);
    expect(at1m('avg')).toEqual([[T0, 1], [T0 + MINUTE, 2], [openMinute, 2]]);
    expect(at1m('max')).toEqual([[T0, 1], [T0 + MINUTE, 2], [openMinute, 4]]);
    expect(at1m('last')).toEqual([[T0, 1], [T0 + MINUTE, 2], [openMinute, 1.5]]);
    expect(store.querySeries(query(HOUR, 'sum')).series[0]!.points).toEqual([[T0, 9]]);
    expect(store.querySeries(query(5 * MINUTE, 'count')).series[0]!.points).toEqual([[T0, 5]]);

    const beforeFold = (['count', 'avg', 'max', 'sum', 'last', 'p50', 'p99'] as const).flatMap((aggregate) => [MINUTE, HOUR].map((stepMs) => store.querySeries(query(stepMs, aggregate))));
    expect(rollUpFully(store, T0 + 3 * MINUTE).buckets).toBeGreaterThan(0);
    expect(store.rolledUpTo).toBe(T0 + 3 * MINUTE);
    const afterFold = (['count', 'avg', 'max', 'sum', 'last', 'p50', 'p99'] as const).flatMap((aggregate) => [MINUTE, HOUR].map((stepMs) => store.querySeries(query(stepMs, aggregate))));
    expect(afterFold).toEqual(beforeFold);
    store.close();
  });

  it('folds a minute only once it has closed, each sample once', () => {
    const store = openStore();
    const labels = { env: 'prod', service: 'api' };
    store.appendSamples([
      { name: 'probe_duration_seconds', labels, ts: T0 + 5_000, value: 1 },
      { name: 'probe_duration_seconds', labels, ts: T0 + 45_000, value: 2 },
    ]);
    expect(store.rollUp(T0 + 30_000)).toEqual({ buckets: 0, more: false });
    expect(store.rolledUpTo).toBe(T0);
    expect(store.querySeries(query(MINUTE, 'last')).series[0]!.points).toEqual([[T0, 2]]);
    expect(rollUpFully(store, T0 + MINUTE).buckets).toBe(2);
    expect(store.rolledUpTo).toBe(T0 + MINUTE);
    expect(store.querySeries(query(MINUTE, 'last')).series[0]!.points).toEqual([[T0, 2]]);
    expect(store.querySeries(query(HOUR, 'count')).series[0]!.points).toEqual([[T0, 2]]);
    // Ten-second ticks through the next minutes fold nothing again.
    for (let at = T0 + MINUTE + 10_000; at < T0 + 5 * MINUTE; at += 10_000) rollUpFully(store, at);
    expect(store.querySeries(query(HOUR, 'count')).series[0]!.points).toEqual([[T0, 2]]);
    expect(store.querySeries(query(HOUR, 'sum')).series[0]!.points).toEqual([[T0, 3]]);
    store.close();
  });

  it('recomputes the minute and hour of a late sample on the next rollUp', () => {
    const store = openStore();
    store.appendSamples(samples);
    rollUpFully(store, T0 + SPAN);
    const lateTs = T0 + 2 * HOUR + 30 * MINUTE + 1_234;
    const labels = LABELS[0]!;
    const before = store.querySeries(query(MINUTE, 'count', { from: lateTs - MINUTE, to: lateTs + MINUTE, matchers: [{ label: 'env', op: '=', value: 'prod' }] }));
    const minuteCount = new Map(before.series[0]!.points).get(T0 + 2 * HOUR + 30 * MINUTE)!;

    store.appendSamples([{ name: 'probe_duration_seconds', labels, ts: lateTs, value: 1000 }]);
    expect(rollUpFully(store, T0 + SPAN).buckets).toBeGreaterThan(0);

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
    rollUpFully(store, T0 + 3 * HOUR);
    store.appendSamples([{ name: 'probe_duration_seconds', labels, ts: T0, value: 5 }]);
    expect(store.rollUp(T0 + 3 * HOUR).buckets).toBe(2);
    expect(store.querySeries(query(MINUTE, 'sum')).series[0]!.points).toEqual([[T0, 5]]);
    expect(store.querySeries(query(HOUR, 'sum')).series[0]!.points).toEqual([[T0, 5]]);
    store.close();
  });

  it('keeps data and the rollup watermark across close and reopen, so late samples are still caught', () => {
    const file = tempDbPath();
    const first = openStore(file);
    first.appendSamples(samples);
    rollUpFully(first, T0 + SPAN);
    const sums = first.querySeries(query(HOUR, 'sum'));
    first.close();

    const reopened = openStore(file);
    expect(reopened.rolledUpTo).toBe(T0 + SPAN);
    expect(reopened.querySeries(query(HOUR, 'sum'))).toEqual(sums);
    reopened.appendSamples([{ name: 'probe_duration_seconds', labels: LABELS[0]!, ts: T0 + 1, value: 100 }]);
    rollUpFully(reopened, T0 + SPAN);
    const prodFirstHour = reopened.querySeries(query(HOUR, 'sum', { matchers: [{ label: 'env', op: '=', value: 'prod' }] })).series[0]!.points[0]!;
    const before = sums.series.find((s) => s.labels.env === 'prod')!.points[0]!;
    expect(prodFirstHour[1]).toBeCloseTo(before[1] + 100, 9);
    reopened.close();
  });

  describe('in bounded chunks of series', () => {
    const SERVICES = ['a', 'b', 'c', 'd', 'e'];
    /** Five series with a sample every 10 s over [from, to). */
    const fiveSeries = (from: number, to: number): Sample[] =>
      SERVICES.flatMap((service, i) => {
        const points: Sample[] = [];
        for (let ts = from; ts < to; ts += 10_000) points.push({ name: 'probe_duration_seconds', labels: { env: 'prod', service }, ts, value: 0.1 + i + (ts % 70_000) / 70_000 });
        return points;
      });
    const hourly = (store: SqliteStore) => (['count', 'sum', 'max', 'last', 'p90'] as const).map((aggregate) => store.querySeries(query(HOUR, aggregate)));

    it('processes at most maxSeries series per call and reports more until the pass is done', () => {
      const store = openStore();
      store.appendSamples(fiveSeries(T0, T0 + 10 * MINUTE));
      rollUpFully(store, T0 + 5 * MINUTE);
      store.appendSamples(fiveSeries(T0 + 10 * MINUTE, T0 + 11 * MINUTE));
      const first = store.rollUp(T0 + 6 * MINUTE, 2);
      // Two series × one minute, each into its 1m row and its hour row.
      expect(first).toEqual({ buckets: 4, more: true });
      expect(store.rolledUpTo).toBe(T0 + 5 * MINUTE);
      expect(store.rollUp(T0 + 6 * MINUTE, 2)).toEqual({ buckets: 4, more: true });
      expect(store.rollUp(T0 + 6 * MINUTE, 2)).toEqual({ buckets: 2, more: false });
      expect(store.rolledUpTo).toBe(T0 + 6 * MINUTE);
      expect(() => store.rollUp(T0 + 7 * MINUTE, 0)).toThrow(/positive integer/);
      store.close();
    });

    it('resumes a pass interrupted between chunks after a reopen without merging any minute twice', () => {
      const file = tempDbPath();
      const interrupted = openStore(file);
      const reference = openStore();
      for (const store of [interrupted, reference]) {
        store.appendSamples(fiveSeries(T0, T0 + 30 * MINUTE));
        rollUpFully(store, T0 + 20 * MINUTE);
        store.appendSamples(fiveSeries(T0 + 30 * MINUTE, T0 + 40 * MINUTE));
      }
      expect(interrupted.rollUp(T0 + 35 * MINUTE, 2).more).toBe(true);
      interrupted.close();
      const reopened = openStore(file);
      rollUpFully(reopened, T0 + 35 * MINUTE, 2);
      rollUpFully(reference, T0 + 35 * MINUTE);
      expect(reopened.rolledUpTo).toBe(T0 + 35 * MINUTE);
      expect(hourly(reopened)).toEqual(hourly(reference));
      rollUpFully(reopened, T0 + 41 * MINUTE, 3);
      rollUpFully(reference, T0 + 41 * MINUTE);
      expect(hourly(reopened)).toEqual(hourly(reference));
      expect(hourly(reopened)[0]!.series.map((s) => s.points)).toEqual(SERVICES.map(() => [[T0, 240]]));
      reopened.close();
      reference.close();
    });

    it('counts a sample appended mid-pass exactly once, whether the pass has reached its series or not', () => {
      const store = openStore();
      const reference = openStore();
      for (const target of [store, reference]) {
        target.appendSamples(fiveSeries(T0, T0 + 20 * MINUTE));
        rollUpFully(target, T0 + 10 * MINUTE);
      }
      expect(store.rollUp(T0 + 20 * MINUTE, 2).more).toBe(true);
      // Into minutes this pass folds: service a is folded already (late), service e is not yet.
      const extra: Sample[] = [
        { name: 'probe_duration_seconds', labels: { env: 'prod', service: 'a' }, ts: T0 + 12 * MINUTE + 1, value: 50 },
        { name: 'probe_duration_seconds', labels: { env: 'prod', service: 'e' }, ts: T0 + 12 * MINUTE + 1, value: 60 },
        // And into a minute folded by an earlier pass.
        { name: 'probe_duration_seconds', labels: { env: 'prod', service: 'c' }, ts: T0 + 3 * MINUTE + 1, value: 70 },
      ];
      store.appendSamples(extra);
      reference.appendSamples(extra);
      rollUpFully(store, T0 + 20 * MINUTE, 2);
      rollUpFully(reference, T0 + 20 * MINUTE);
      expect(hourly(store)).toEqual(hourly(reference));
      for (const stepMs of [MINUTE, HOUR]) expect(store.querySeries(query(stepMs, 'count'))).toEqual(reference.querySeries(query(stepMs, 'count')));
      expect(hourly(store)[0]!.series.map((s) => s.points[0]![1])).toEqual([121, 120, 121, 120, 121]);
      store.close();
      reference.close();
    });

    it('catches up after a long gap in bounded passes and keeps every bucket', () => {
      const store = openStore();
      store.appendSamples(fiveSeries(T0, T0 + 3 * HOUR));
      const { calls } = rollUpFully(store, T0 + 3 * HOUR, 5);
      // At most an hour of minutes per pass: three passes of two calls (the second finds no more ids).
      expect(calls).toBeGreaterThanOrEqual(3);
      expect(store.querySeries(query(HOUR, 'count')).series.map((s) => s.points)).toEqual(
        SERVICES.map(() => [[T0, 360], [T0 + HOUR, 360], [T0 + 2 * HOUR, 360]]),
      );
      store.close();
    });

    it('takes over a database rolled up before chunked rollups, whose last open minute was folded in part', () => {
      const file = tempDbPath();
      const legacy = openStore(file);
      const reference = openStore();
      const all = fiveSeries(T0, T0 + 12 * MINUTE);
      const partialEnd = T0 + 10 * MINUTE + 20_000;
      legacy.appendSamples(all.filter((s) => s.ts < partialEnd));
      rollUpFully(legacy, T0 + 11 * MINUTE);
      legacy.close();
      // What the old rollUp(T0 + 10 min 20 s) left: minute 10 folded up to 20 s, and only its `at` saved.
      const db = openDatabase(file);
      db.prepare("DELETE FROM meta WHERE key LIKE 'rollup_%'").run();
      db.prepare("INSERT INTO meta (key, value) VALUES ('rollup_watermark', ?)").run(partialEnd);
      db.close();

      const upgraded = openStore(file);
      expect(upgraded.rolledUpTo).toBe(T0 + 11 * MINUTE);
      upgraded.appendSamples(all.filter((s) => s.ts >= partialEnd));
      rollUpFully(upgraded, T0 + 12 * MINUTE);
      reference.appendSamples(all);
      rollUpFully(reference, T0 + 12 * MINUTE);
      expect(hourly(upgraded)).toEqual(hourly(reference));
      expect(upgraded.querySeries(query(MINUTE, 'count'))).toEqual(reference.querySeries(query(MINUTE, 'count')));
      upgraded.close();
      reference.close();
    });
  });
});
