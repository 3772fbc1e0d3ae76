import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveView } from '../../ingest/live-view.js';
import { IngestWriter } from '../../ingest/writer.js';
import { compileMatchers } from '../../lib/matchers.js';
import { SampleWindow } from '../../rules/window.js';
import type { Sample } from '../../store/types.js';
import { MemoryStore } from '../helpers/memory-store.js';
import { TestClock } from './series.js';

const lag = (env: string, ts: number, value: number): Sample => ({ name: 'replica_lag_seconds', labels: { env, service: 'db' }, ts, value });

describe('sample window', () => {
  it('keeps only the metrics rules reference, each as far back as its rules read', () => {
    const window = new SampleWindow(new Map([['replica_lag_seconds', 60_000]]));
    window.add([lag('prod', 0, 1), lag('prod', 30_000, 2), { name: 'queue_depth', labels: {}, ts: 0, value: 5 }]);
    expect(window.size()).toEqual({ series: 1, samples: 2 });
    window.add([lag('prod', 90_000, 3)]);
    window.prune(90_000);
    const series = window.get('replica_lag_seconds', { service: 'db', env: 'prod' })!;
    expect(series.times.slice(series.start)).toEqual([30_000, 90_000]);
    window.prune(200_000);
    expect(window.size()).toEqual({ series: 0, samples: 0 });
  });

  it('keeps times in order and replaces a sample at a time it already holds (backfill overlapping the live feed)', () => {
    const window = new SampleWindow(new Map([['replica_lag_seconds', 600_000]]));
    window.add([lag('prod', 10, 1), lag('prod', 30, 3)]);
    window.add([lag('prod', 20, 2), lag('prod', 30, 4), lag('prod', 5, 0)]);
    const series = window.get('replica_lag_seconds', { env: 'prod', service: 'db' })!;
    expect(series.times).toEqual([5, 10, 20, 30]);
    expect(series.values).toEqual([0, 1, 2, 4]);
  });

  it('selects series by matchers, and sees a new series', () => {
    const window = new SampleWindow(new Map([['replica_lag_seconds', 600_000]]));
    window.add([lag('prod', 1, 1), lag('staging', 1, 1), lag('dev', 1, 1)]);
    const prod = compileMatchers([{ label: 'env', op: '=', value: 'prod' }]);
    const notProd = compileMatchers([{ label: 'env', op: '!~', value: 'prod|dev' }]);
    expect(window.select('replica_lag_seconds', prod).map((s) => s.labels.env)).toEqual(['prod']);
    expect(window.select('replica_lag_seconds', notProd).map((s) => s.labels.env)).toEqual(['staging']);
    expect(window.select('replica_lag_seconds', compileMatchers([{ label: 'env', op: '=', value: 'qa' }]))).toEqual([]);
    window.add([{ name: 'replica_lag_seconds', labels: { env: 'prod', service: 'cache' }, ts: 2, value: 1 }]);
    expect(window.select('replica_lag_seconds', prod).map((s) => s.labels.service)).toEqual(['cache', 'db']);
    expect(window.select('queue_depth', prod)).toEqual([]);
  });
});

describe('ingest writer sample subscription', () => {
  afterEach(() => vi.useRealTimers());

  it('hands the admitted samples of write and writeSamples to listeners until they unsubscribe', async () => {
    vi.useFakeTimers();
    const writer = new IngestWriter(new MemoryStore(), new LiveView(), { clock: new TestClock(0), log: () => {} });
    const seen: number[] = [];
    const stop = writer.onSamples((samples) => seen.push(...samples.map((s) => s.value)));
    writer.write([lag('prod', 1, 1)], { checkId: 'prod/db/pg', env: 'prod', service: 'db', check: 'pg', kind: 'postgres', ts: 1, success: true, degraded: false, durationSeconds: 0, error: null, detail: null }, 60_000);
    writer.writeSamples([lag('prod', 2, 2)], 'slo', 60_000);
    stop();
    writer.writeSamples([lag('prod', 3, 3)], 'slo', 60_000);
    expect(seen).toEqual([1, 2]);
    await writer.close();
  });

  it('logs a listener that throws and goes on ingesting', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    const lines: string[] = [];
    const writer = new IngestWriter(store, new LiveView(), { clock: new TestClock(0), log: (line) => lines.push(line) });
    writer.onSamples(() => {
      throw new Error('boom');
    });
    writer.writeSamples([lag('prod', 2, 2)], 'slo', 60_000);
    await writer.close();
    expect(store.samples.all).toHaveLength(1);
    expect(lines.join('\n')).toContain('a sample listener failed: boom');
  });
});
