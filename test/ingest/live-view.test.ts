import { afterEach, describe, expect, it } from 'vitest';
import { LiveView } from '../../ingest/live-view.js';
import { IngestWriter } from '../../ingest/writer.js';
import { SecretValues } from '../../lib/secret.js';
import type { CheckResult, Sample } from '../../store/types.js';
import { MemoryStore } from '../helpers/memory-store.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

function component(name: string, ts = T0, value = 1): Sample {
  return { name: 'health_component_up', labels: { env: 'prod', service: 'api', check: 'health', component: name }, ts, value };
}

function result(overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    checkId: 'prod/api/health',
    env: 'prod',
    service: 'api',
    check: 'health',
    kind: 'health',
    ts: T0,
    success: true,
    degraded: false,
    durationSeconds: 0.01,
    error: null,
    detail: null,
    ...overrides,
  };
}

const writers: IngestWriter[] = [];
afterEach(async () => {
  for (const writer of writers.splice(0)) await writer.close();
});

function setUp(limits = { perSource: 100, perMetric: 10_000 }) {
  let now = T0;
  const store = new MemoryStore();
  const live = new LiveView(limits);
  const writer = new IngestWriter(store, live, {
    clock: { now: () => now },
    log: () => {},
    secrets: new SecretValues(['Tok3n-s3cret']),
  });
  writers.push(writer);
  return { store, live, writer, advance: (ms: number) => (now += ms), now: () => now };
}

describe('series limits on the ingest path', () => {
  it('refuses new series past the limit per check, says so in the check detail, and stores only what it admitted', async () => {
    const { store, live, writer } = setUp();
    // A health endpoint that invents 200 component names on every run.
    for (let run = 0; run < 5; run++) {
      const samples = Array.from({ length: 200 }, (_, i) => component(`random-${run}-${i}`, T0 + run * 5000));
      writer.write(samples, result({ ts: T0 + run * 5000 }), 15_000);
    }
    await writer.flush();
    expect(live.stats().series).toBe(100);
    expect(live.stats().refused.per_source).toBe(900);
    expect(new Set(store.samples.all.map((s) => s.labels.component)).size).toBe(100);
    const [shown] = live.checkResults();
    expect(shown.detail).toBe('200 new series refused: over the limit of 100 series per check (label values that change on every run?)');
    expect(store.results.get('prod/api/health')?.detail).toBe(shown.detail);
  });

  it('keeps updating series it already has when the check is at its limit', async () => {
    const { live, writer } = setUp({ perSource: 2, perMetric: 100 });
    writer.write([component('db', T0, 1), component('cache', T0, 1), component('queue', T0, 1)], result(), 15_000);
    writer.write([component('db', T0 + 5000, 0), component('cache', T0 + 5000, 1)], result({ ts: T0 + 5000 }), 15_000);
    const values = Object.fromEntries([...live.seriesOf('health_component_up')].map((s) => [s.labels.component, s.value]));
    expect(values).toEqual({ db: 0, cache: 1 });
    expect(live.checkResults()[0].detail).toBeNull();
  });

  it('refuses series past the limit per metric across sources', () => {
    const { writer, live } = setUp({ perSource: 100, perMetric: 3 });
    const refusal = writer.writeSamples(
      ['a', 'b', 'c', 'd', 'e'].map((queue) => ({ name: 'queue_depth', labels: { env: 'prod', service: 'jobs', queue }, ts: T0, value: 1 })),
      'otlp:jobs',
      60_000,
    );
    expect(refusal).toEqual({ refused: 2, refusal: '2 new series refused: over the limit of 3 series per metric (label values that change on every run?)', refusedIndexes: [3, 4] });
    expect(live.stats().refused.per_metric).toBe(2);
  });

  it('drops series that stop receiving samples, which frees room for new ones', () => {
    const { writer, live, advance } = setUp({ perSource: 2, perMetric: 100 });
    writer.write([component('old-1'), component('old-2')], result(), 60_000);
    advance(59_000);
    expect(live.prune(T0 + 59_000)).toBe(0);
    advance(2_000);
    expect(live.prune(T0 + 61_000)).toBe(2);
    expect(live.metricNames()).toEqual([]);
    writer.write([component('new-1')], result({ ts: T0 + 61_000 }), 60_000);
    expect([...live.seriesOf('health_component_up')].map((s) => s.labels.component)).toEqual(['new-1']);
  });
});

describe('dropping stale series a step at a time', () => {
  const queue = (name: string, i: number, ts: number): Sample => ({ name, labels: { env: 'prod', service: 'jobs', queue: `q${i}` }, ts, value: i });

  it('looks at a bounded number of series per step, and ends as one prune would, with series admitted between steps', () => {
    const live = new LiveView({ perSource: 10_000, perMetric: 10_000 });
    // 300 stale series (sent at T0) and 200 live ones (at T0 + 50 s), over two metrics.
    for (let i = 0; i < 250; i++) {
      live.admit([queue('queue_depth', i, T0)], `s${i}`, T0, 30_000);
      const at = i < 50 ? T0 : T0 + 50_000;
      live.admit([queue('queue_age_seconds', i, at)], `s${i}`, at, 30_000);
    }
    expect(live.stats().series).toBe(500);
    const steps: number[] = [];
    for (const removed of live.pruneSteps(T0 + 40_000, 100)) {
      steps.push(removed);
      // Stats agree with what is held between steps, and a series admitted meanwhile stays.
      if (steps.length === 2) live.admit([queue('queue_depth', 999, T0 + 40_000)], 'late', T0 + 40_000, 30_000);
    }
    expect(steps.length).toBeGreaterThanOrEqual(5);
    expect(steps.reduce((a, b) => a + b, 0)).toBe(300);
    expect(live.stats().series).toBe(201);
    expect([...live.seriesOf('queue_depth')].map((s) => s.labels.queue)).toEqual(['q999']);
    expect([...live.seriesOf('queue_age_seconds')]).toHaveLength(200);
  });
});

describe('secrets on the ingest path', () => {
  it('scrubs every known secret from a check error and detail before it is shown or stored', async () => {
    const { store, live, writer } = setUp();
    writer.write(
      [],
      result({ success: false, error: 'DNS lookup of Tok3n-s3cret.invalid failed', detail: 'body said Bearer Tok3n-s3cret' }),
      15_000,
    );
    await writer.flush();
    const shown = live.checkResults()[0];
    expect(shown.error).toBe('DNS lookup of ***.invalid failed');
    expect(shown.detail).toBe('body said Bearer ***');
    expect(JSON.stringify([...store.results.values()])).not.toContain('Tok3n-s3cret');
  });
});
