import { describe, expect, it } from 'vitest';
import { HISTOGRAM_RELATIVE_ERROR } from '../../store/histogram.js';
import { openDatabase } from '../../store/sqlite/db.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { exactQuantile } from '../../store/step-aggregate.js';
import type { Aggregate, Sample, SeriesQuery, SeriesQueryResult, Store } from '../../store/types.js';
import { describeEachEngine } from '../helpers/stores.js';
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

const SERVICES = ['a', 'b', 'c', 'd', 'e'];
/** Five series with a sample every 10 s over [from, to). */
function fiveSeries(from: number, to: number): Sample[] {
  return SERVICES.flatMap((service, i) => {
    const points: Sample[] = [];
    for (let ts = from; ts < to; ts += 10_000) points.push({ name: 'probe_duration_seconds', labels: { env: 'prod', service }, ts, value: 0.1 + i + (ts % 70_000) / 70_000 });
    return points;
  });
}

/** What a query answers, without the rows it read to get there (which depend on how much is folded). */
function answer(result: SeriesQueryResult): Omit<SeriesQueryResult, 'rowsScanned'> {
  return { resolution: result.resolution, series: result.series };
}

/** The answer to `query` on `store`. */
async function ask(store: Store, q: SeriesQuery) {
  return answer(await store.samples.query(q));
}

function hourly(store: Store) {
  return Promise.all((['count', 'sum', 'max', 'last', 'p90'] as const).map((aggregate) => ask(store, query(HOUR, aggregate))));
}

describeEachEngine('rollups', (engine) => {
  const openStore = (location?: string) => engine.open(location);
  const samples = dataset(42);

  it.each([
    { name: '1-minute rollups', stepMs: MINUTE, resolution: '1m' },
    { name: '1-minute rollups merged to 5-minute steps', stepMs: 5 * MINUTE, resolution: '1m' },
    { name: '1-hour rollups', stepMs: HOUR, resolution: '1h' },
    { name: '1-hour rollups merged to 2-hour steps', stepMs: 2 * HOUR, resolution: '1h' },
  ])('match the raw data from $name: counts, sums, min, max, last exactly and percentiles within the stated error', async ({ stepMs, resolution }) => {
    const store = await openStore();
    await store.samples.append(samples);
    expect((await rollUpFully(store, T0 + SPAN)).buckets).toBeGreaterThan(0);
    for (const aggregate of ['count', 'sum', 'avg', 'min', 'max', 'last', 'p50', 'p90', 'p95', 'p99'] as const) {
      const result = await ask(store, query(stepMs, aggregate));
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
    await store.close();
  });

  it('counts samples above zero as successes so availability can be read from probe_success', async () => {
    const store = await openStore();
    const up = [1, 1, 0, 1, 0, 1];
    await store.samples.append(up.map((value, i) => ({ name: 'probe_success', labels: { env: 'prod' }, ts: T0 + i * 10_000, value })));
    await rollUpFully(store, T0 + MINUTE);
    const avg = await ask(store, { metric: 'probe_success', matchers: [], from: T0, to: T0 + HOUR, stepMs: MINUTE, aggregate: 'avg' });
    expect(avg.series[0]!.points).toEqual([[T0, 4 / 6]]);
    await store.close();
  });

  it('gives the same result when rolled up every few minutes in one-series chunks, once, or not at all', async () => {
    const incremental = await openStore();
    const once = await openStore();
    const never = await openStore();
    const sorted = [...samples].sort((a, b) => a.ts - b.ts);
    const chunkMs = 7 * MINUTE + 13_000;
    for (let from = T0; from < T0 + SPAN; from += chunkMs) {
      await incremental.samples.append(sorted.filter((s) => s.ts >= from && s.ts < from + chunkMs));
      await rollUpFully(incremental, from + chunkMs, 1);
    }
    await once.samples.append(samples);
    await rollUpFully(once, T0 + SPAN + chunkMs);
    await never.samples.append(samples);
    for (const stepMs of [MINUTE, HOUR]) {
      for (const aggregate of ['count', 'sum', 'avg', 'max', 'last', 'p99'] as const) {
        const expected = await ask(once, query(stepMs, aggregate));
        expect(await ask(incremental, query(stepMs, aggregate)), `${aggregate} at ${stepMs}`).toEqual(expected);
        // Nothing folded: every bucket is aggregated from raw samples, and must match to the bit.
        expect(await ask(never, query(stepMs, aggregate)), `${aggregate} at ${stepMs}`).toEqual(expected);
      }
    }
    await incremental.close();
    await once.close();
    await never.close();
    // Thousands of one-series rollUp calls: on PostgreSQL each is a transaction of a few round trips.
  }, 45_000);

  it('is idempotent: rolling up the same time again writes nothing and changes nothing', async () => {
    const store = await openStore();
    await store.samples.append(samples);
    expect((await rollUpFully(store, T0 + SPAN)).buckets).toBeGreaterThan(0);
    const before = await ask(store, query(MINUTE, 'sum'));
    const hours = await ask(store, query(HOUR, 'sum'));
    expect(await store.samples.rollUp(T0 + SPAN)).toEqual({ buckets: 0, more: false });
    expect(await store.samples.rollUp(T0 + SPAN + 59_999)).toEqual({ buckets: 0, more: false });
    expect(await ask(store, query(MINUTE, 'sum'))).toEqual(before);
    expect(await ask(store, query(HOUR, 'sum'))).toEqual(hours);
    await store.close();
  });

  it('shows the still-open minute at 1m and 1h steps from raw samples before any rollUp folds it', async () => {
    const store = await openStore();
    const labels = { env: 'prod', service: 'api' };
    const sample = (ts: number, value: number): Sample => ({ name: 'probe_duration_seconds', labels, ts, value });
    await store.samples.append([sample(T0 + 5_000, 1), sample(T0 + MINUTE + 5_000, 2)]);
    await rollUpFully(store, T0 + 2 * MINUTE + 20_000);
    expect(await store.samples.rolledUpTo()).toBe(T0 + 2 * MINUTE);
    // The minute starting at T0 + 2 min is still open: nothing of it is in the rollups yet.
    await store.samples.append([sample(T0 + 2 * MINUTE + 1_000, 0.5), sample(T0 + 2 * MINUTE + 11_000, 4), sample(T0 + 2 * MINUTE + 21_000, 1.5)]);
    const openMinute = T0 + 2 * MINUTE;
    const at1m = async (aggregate: Aggregate) => (await ask(store, query(MINUTE, aggregate))).series[0]!.points;
    expect(await at1m('count')).toEqual([[T0, 1], [T0 + MINUTE, 1], [openMinute, 3]]);
    expect(await at1m('avg')).toEqual([[T0, 1], [T0 + MINUTE, 2], [openMinute, 2]]);
    expect(await at1m('max')).toEqual([[T0, 1], [T0 + MINUTE, 2], [openMinute, 4]]);
    expect(await at1m('last')).toEqual([[T0, 1], [T0 + MINUTE, 2], [openMinute, 1.5]]);
    expect((await ask(store, query(HOUR, 'sum'))).series[0]!.points).toEqual([[T0, 9]]);
    expect((await ask(store, query(5 * MINUTE, 'count'))).series[0]!.points).toEqual([[T0, 5]]);

    const everyAnswer = () => Promise.all((['count', 'avg', 'max', 'sum', 'last', 'p50', 'p99'] as const).flatMap((aggregate) => [MINUTE, HOUR].map((stepMs) => ask(store, query(stepMs, aggregate)))));
    const beforeFold = await everyAnswer();
    expect((await rollUpFully(store, T0 + 3 * MINUTE)).buckets).toBeGreaterThan(0);
    expect(await store.samples.rolledUpTo()).toBe(T0 + 3 * MINUTE);
    const afterFold = await everyAnswer();
    expect(afterFold).toEqual(beforeFold);
    await store.close();
  });

  it('folds a minute only once it has closed, each sample once', async () => {
    const store = await openStore();
    const labels = { env: 'prod', service: 'api' };
    await store.samples.append([
      { name: 'probe_duration_seconds', labels, ts: T0 + 5_000, value: 1 },
      { name: 'probe_duration_seconds', labels, ts: T0 + 45_000, value: 2 },
    ]);
    expect(await store.samples.rollUp(T0 + 30_000)).toEqual({ buckets: 0, more: false });
    expect(await store.samples.rolledUpTo()).toBe(T0);
    expect((await ask(store, query(MINUTE, 'last'))).series[0]!.points).toEqual([[T0, 2]]);
    expect((await rollUpFully(store, T0 + MINUTE)).buckets).toBe(2);
    expect(await store.samples.rolledUpTo()).toBe(T0 + MINUTE);
    expect((await ask(store, query(MINUTE, 'last'))).series[0]!.points).toEqual([[T0, 2]]);
    expect((await ask(store, query(HOUR, 'count'))).series[0]!.points).toEqual([[T0, 2]]);
    // Ten-second ticks through the next minutes fold nothing again.
    for (let at = T0 + MINUTE + 10_000; at < T0 + 5 * MINUTE; at += 10_000) await rollUpFully(store, at);
    expect((await ask(store, query(HOUR, 'count'))).series[0]!.points).toEqual([[T0, 2]]);
    expect((await ask(store, query(HOUR, 'sum'))).series[0]!.points).toEqual([[T0, 3]]);
    await store.close();
  });

  it('recomputes the minute and hour of a late sample on the next rollUp', async () => {
    const store = await openStore();
    await store.samples.append(samples);
    await rollUpFully(store, T0 + SPAN);
    const lateTs = T0 + 2 * HOUR + 30 * MINUTE + 1_234;
    const labels = LABELS[0]!;
    const before = await ask(store, query(MINUTE, 'count', { from: lateTs - MINUTE, to: lateTs + MINUTE, matchers: [{ label: 'env', op: '=', value: 'prod' }] }));
    const minuteCount = new Map(before.series[0]!.points).get(T0 + 2 * HOUR + 30 * MINUTE)!;

    await store.samples.append([{ name: 'probe_duration_seconds', labels, ts: lateTs, value: 1000 }]);
    expect((await rollUpFully(store, T0 + SPAN)).buckets).toBeGreaterThan(0);

    const prod = [{ label: 'env', op: '=', value: 'prod' }] as const;
    const minute = await ask(store, query(MINUTE, 'count', { from: lateTs - MINUTE, to: lateTs + MINUTE, matchers: prod }));
    expect(new Map(minute.series[0]!.points).get(T0 + 2 * HOUR + 30 * MINUTE)).toBe(minuteCount + 1);
    const hourMax = await ask(store, query(HOUR, 'max', { matchers: prod }));
    expect(new Map(hourMax.series[0]!.points).get(T0 + 2 * HOUR)).toBe(1000);
    const hourP99 = await ask(store, query(HOUR, 'p99', { matchers: prod }));
    expect(new Map(hourP99.series[0]!.points).get(T0 + 2 * HOUR)).toBeGreaterThan(1);
    await store.close();
  });

  it('recomputes a bucket when an already rolled-up sample is replaced', async () => {
    const store = await openStore();
    const labels = { env: 'prod', service: 'api' };
    await store.samples.append([{ name: 'probe_duration_seconds', labels, ts: T0, value: 1 }]);
    await rollUpFully(store, T0 + 3 * HOUR);
    await store.samples.append([{ name: 'probe_duration_seconds', labels, ts: T0, value: 5 }]);
    expect((await store.samples.rollUp(T0 + 3 * HOUR)).buckets).toBe(2);
    expect((await ask(store, query(MINUTE, 'sum'))).series[0]!.points).toEqual([[T0, 5]]);
    expect((await ask(store, query(HOUR, 'sum'))).series[0]!.points).toEqual([[T0, 5]]);
    await store.close();
  });

  it('keeps data and the rollup watermark across close and reopen, so late samples are still caught', async () => {
    const file = await engine.location();
    const first = await openStore(file);
    await first.samples.append(samples);
    await rollUpFully(first, T0 + SPAN);
    const sums = await ask(first, query(HOUR, 'sum'));
    await first.close();

    const reopened = await openStore(file);
    expect(await reopened.samples.rolledUpTo()).toBe(T0 + SPAN);
    expect(await ask(reopened, query(HOUR, 'sum'))).toEqual(sums);
    await reopened.samples.append([{ name: 'probe_duration_seconds', labels: LABELS[0]!, ts: T0 + 1, value: 100 }]);
    await rollUpFully(reopened, T0 + SPAN);
    const prodFirstHour = (await ask(reopened, query(HOUR, 'sum', { matchers: [{ label: 'env', op: '=', value: 'prod' }] }))).series[0]!.points[0]!;
    const before = sums.series.find((s) => s.labels.env === 'prod')!.points[0]!;
    expect(prodFirstHour[1]).toBeCloseTo(before[1] + 100, 9);
    await reopened.close();
  });

  describe('in bounded chunks of series', () => {

    it('processes at most maxSeries series per call and reports more until the pass is done', async () => {
      const store = await openStore();
      await store.samples.append(fiveSeries(T0, T0 + 10 * MINUTE));
      await rollUpFully(store, T0 + 5 * MINUTE);
      await store.samples.append(fiveSeries(T0 + 10 * MINUTE, T0 + 11 * MINUTE));
      const first = await store.samples.rollUp(T0 + 6 * MINUTE, 2);
      // Two series × one minute, each into its 1m row and its hour row.
      expect(first).toEqual({ buckets: 4, more: true });
      expect(await store.samples.rolledUpTo()).toBe(T0 + 5 * MINUTE);
      expect(await store.samples.rollUp(T0 + 6 * MINUTE, 2)).toEqual({ buckets: 4, more: true });
      expect(await store.samples.rollUp(T0 + 6 * MINUTE, 2)).toEqual({ buckets: 2, more: false });
      expect(await store.samples.rolledUpTo()).toBe(T0 + 6 * MINUTE);
      await expect(store.samples.rollUp(T0 + 7 * MINUTE, 0)).rejects.toThrow(/positive integer/);
      await store.close();
    });

    it('resumes a pass interrupted between chunks after a reopen without merging any minute twice', async () => {
      const file = await engine.location();
      const interrupted = await openStore(file);
      const reference = await openStore();
      for (const store of [interrupted, reference]) {
        await store.samples.append(fiveSeries(T0, T0 + 30 * MINUTE));
        await rollUpFully(store, T0 + 20 * MINUTE);
        await store.samples.append(fiveSeries(T0 + 30 * MINUTE, T0 + 40 * MINUTE));
      }
      expect((await interrupted.samples.rollUp(T0 + 35 * MINUTE, 2)).more).toBe(true);
      await interrupted.close();
      const reopened = await openStore(file);
      await rollUpFully(reopened, T0 + 35 * MINUTE, 2);
      await rollUpFully(reference, T0 + 35 * MINUTE);
      expect(await reopened.samples.rolledUpTo()).toBe(T0 + 35 * MINUTE);
      expect(await hourly(reopened)).toEqual(await hourly(reference));
      await rollUpFully(reopened, T0 + 41 * MINUTE, 3);
      await rollUpFully(reference, T0 + 41 * MINUTE);
      expect(await hourly(reopened)).toEqual(await hourly(reference));
      expect((await hourly(reopened))[0]!.series.map((s) => s.points)).toEqual(SERVICES.map(() => [[T0, 240]]));
      await reopened.close();
      await reference.close();
    });

    it('counts a sample appended mid-pass exactly once, whether the pass has reached its series or not', async () => {
      const store = await openStore();
      const reference = await openStore();
      for (const target of [store, reference]) {
        await target.samples.append(fiveSeries(T0, T0 + 20 * MINUTE));
        await rollUpFully(target, T0 + 10 * MINUTE);
      }
      expect((await store.samples.rollUp(T0 + 20 * MINUTE, 2)).more).toBe(true);
      // Into minutes this pass folds: service a is folded already (late), service e is not yet.
      const extra: Sample[] = [
        { name: 'probe_duration_seconds', labels: { env: 'prod', service: 'a' }, ts: T0 + 12 * MINUTE + 1, value: 50 },
        { name: 'probe_duration_seconds', labels: { env: 'prod', service: 'e' }, ts: T0 + 12 * MINUTE + 1, value: 60 },
        // And into a minute folded by an earlier pass.
        { name: 'probe_duration_seconds', labels: { env: 'prod', service: 'c' }, ts: T0 + 3 * MINUTE + 1, value: 70 },
      ];
      await store.samples.append(extra);
      await reference.samples.append(extra);
      await rollUpFully(store, T0 + 20 * MINUTE, 2);
      await rollUpFully(reference, T0 + 20 * MINUTE);
      expect(await hourly(store)).toEqual(await hourly(reference));
      for (const stepMs of [MINUTE, HOUR]) expect(await ask(store, query(stepMs, 'count'))).toEqual(await ask(reference, query(stepMs, 'count')));
      expect((await hourly(store))[0]!.series.map((s) => s.points[0]![1])).toEqual([121, 120, 121, 120, 121]);
      await store.close();
      await reference.close();
    });

    it('bounds the work of each call by series-minutes, not series × hours, when catching up', async () => {
      const store = await openStore();
      await store.samples.append(fiveSeries(T0, T0 + 3 * HOUR));
      const budget = 30;
      const perCall: number[] = [];
      for (let more = true; more; ) {
        const progress = await store.samples.rollUp(T0 + 3 * HOUR, budget);
        perCall.push(progress.buckets);
        more = progress.more;
      }
      // Each folded minute of a series writes its 1m row and merges it into its hour: two rows per series-minute.
      expect(Math.max(...perCall)).toBeLessThanOrEqual(2 * budget);
      expect(perCall.reduce((a, b) => a + b, 0)).toBe(2 * 5 * 180);
      await store.close();
    });

    it('catches up after a long gap in bounded passes and keeps every bucket', async () => {
      const store = await openStore();
      await store.samples.append(fiveSeries(T0, T0 + 3 * HOUR));
      const { calls } = await rollUpFully(store, T0 + 3 * HOUR, 5);
      // At most an hour of minutes per pass: three passes of two calls (the second finds no more ids).
      expect(calls).toBeGreaterThanOrEqual(3);
      expect((await ask(store, query(HOUR, 'count'))).series.map((s) => s.points)).toEqual(
        SERVICES.map(() => [[T0, 360], [T0 + HOUR, 360], [T0 + 2 * HOUR, 360]]),
      );
      await store.close();
    });
  });
});

describe('SQLite rollups', () => {
  it('takes over a database rolled up before chunked rollups, whose last open minute was folded in part', async () => {
    const file = tempDbPath();
    const legacy = await openSqliteStore(file);
    const reference = await openSqliteStore(tempDbPath());
    const all = fiveSeries(T0, T0 + 12 * MINUTE);
    const partialEnd = T0 + 10 * MINUTE + 20_000;
    await legacy.samples.append(all.filter((s) => s.ts < partialEnd));
    await rollUpFully(legacy, T0 + 11 * MINUTE);
    await legacy.close();
    // What the old rollUp(T0 + 10 min 20 s) left: minute 10 folded up to 20 s, and only its `at` saved.
    const db = openDatabase(file);
    db.prepare("DELETE FROM meta WHERE key LIKE 'rollup_%'").run();
    db.prepare("INSERT INTO meta (key, value) VALUES ('rollup_watermark', ?)").run(partialEnd);
    db.close();

    const upgraded = await openSqliteStore(file);
    expect(await upgraded.samples.rolledUpTo()).toBe(T0 + 11 * MINUTE);
    await upgraded.samples.append(all.filter((s) => s.ts >= partialEnd));
    await rollUpFully(upgraded, T0 + 12 * MINUTE);
    await reference.samples.append(all);
    await rollUpFully(reference, T0 + 12 * MINUTE);
    expect(await hourly(upgraded)).toEqual(await hourly(reference));
    expect(await ask(upgraded, query(MINUTE, 'count'))).toEqual(await ask(reference, query(MINUTE, 'count')));
    await upgraded.close();
    await reference.close();
  });
});
