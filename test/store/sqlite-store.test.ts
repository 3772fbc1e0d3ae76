import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite-store.js';
import type { CheckResult, Sample, SeriesQuery } from '../../store/types.js';
import { tempDbPath } from '../helpers/temp-db.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

function openStore(): SqliteStore {
  const store = openSqliteStore(tempDbPath());
  return store;
}

function latency(env: string, service: string, ts: number, value: number, extra: Record<string, string> = {}): Sample {
  return { name: 'probe_duration_seconds', labels: { env, service, ...extra }, ts, value };
}

function query(overrides: Partial<SeriesQuery>): SeriesQuery {
  return { metric: 'probe_duration_seconds', matchers: [], from: T0, to: T0 + 60_000, stepMs: 10_000, aggregate: 'avg', ...overrides };
}

describe('SqliteStore samples', () => {
  it('returns appended samples per series, filtered by = and != label matchers', () => {
    const store = openStore();
    store.appendSamples([
      latency('prod', 'api', T0, 0.1),
      latency('prod', 'api', T0 + 10_000, 0.2),
      latency('staging', 'api', T0, 0.3),
      latency('prod', 'web', T0, 0.4, { region: 'eu' }),
      { name: 'probe_success', labels: { env: 'prod', service: 'api' }, ts: T0, value: 1 },
    ]);

    const prod = store.querySeries(query({ matchers: [{ label: 'env', op: '=', value: 'prod' }] }));
    expect(prod.resolution).toBe('raw');
    expect(prod.series).toEqual([
      { labels: { env: 'prod', region: 'eu', service: 'web' }, points: [[T0, 0.4]] },
      { labels: { env: 'prod', service: 'api' }, points: [[T0, 0.1], [T0 + 10_000, 0.2]] },
    ]);

    const notStaging = store.querySeries(query({ matchers: [{ label: 'env', op: '!=', value: 'staging' }] }));
    expect(notStaging.series.map((s) => s.labels.service)).toEqual(['web', 'api']);

    // A != on a label the series does not have matches it.
    const notUs = store.querySeries(query({ matchers: [{ label: 'region', op: '!=', value: 'us' }] }));
    expect(notUs.series).toHaveLength(3);
    store.close();
  });

  it('treats label sets in any key order as the same series', () => {
    const store = openStore();
    store.appendSamples([
      { name: 'queue_depth', labels: { service: 'jobs', env: 'prod', queue: 'exports' }, ts: T0, value: 3 },
      { name: 'queue_depth', labels: { queue: 'exports', env: 'prod', service: 'jobs' }, ts: T0 + 1000, value: 5 },
    ]);
    const result = store.querySeries(query({ metric: 'queue_depth', aggregate: 'count' }));
    expect(result.series).toEqual([{ labels: { env: 'prod', queue: 'exports', service: 'jobs' }, points: [[T0, 2]] }]);
    store.close();
  });

  it('replaces a sample appended again for the same series and time', () => {
    const store = openStore();
    store.appendSamples([latency('prod', 'api', T0, 0.1)]);
    store.appendSamples([latency('prod', 'api', T0, 0.7), latency('prod', 'api', T0, 0.9)]);
    expect(store.querySeries(query({ aggregate: 'count' })).series[0]!.points).toEqual([[T0, 1]]);
    expect(store.querySeries(query({})).series[0]!.points).toEqual([[T0, 0.9]]);
    store.close();
  });

  it('aligns raw points to the step, leaves empty steps out and computes exact aggregates', () => {
    const store = openStore();
    const values = [5, 1, 4, 2, 3];
    store.appendSamples(values.map((value, i) => latency('prod', 'api', T0 + 3_000 + i * 1000, value)));
    store.appendSamples([latency('prod', 'api', T0 + 25_000, 9)]);
    const expected: Record<string, Array<[number, number]>> = {
      avg: [[T0, 3], [T0 + 20_000, 9]],
      min: [[T0, 1], [T0 + 20_000, 9]],
      max: [[T0, 5], [T0 + 20_000, 9]],
      sum: [[T0, 15], [T0 + 20_000, 9]],
      count: [[T0, 5], [T0 + 20_000, 1]],
      last: [[T0, 3], [T0 + 20_000, 9]],
      p50: [[T0, 3], [T0 + 20_000, 9]],
      p90: [[T0, 5], [T0 + 20_000, 9]],
    };
    for (const [aggregate, points] of Object.entries(expected)) {
      const result = store.querySeries(query({ aggregate: aggregate as SeriesQuery['aggregate'] }));
      expect(result.series[0]!.points, aggregate).toEqual(points);
    }
    store.close();
  });

  it('reads only samples inside [from, to) and leaves out series without data there', () => {
    const store = openStore();
    store.appendSamples([latency('prod', 'api', T0 - 1, 1), latency('prod', 'api', T0, 2), latency('prod', 'api', T0 + 60_000, 3)]);
    store.appendSamples([latency('dev', 'api', T0 - 5000, 1)]);
    const result = store.querySeries(query({ stepMs: 1000, aggregate: 'sum' }));
    expect(result.series).toEqual([{ labels: { env: 'prod', service: 'api' }, points: [[T0, 2]] }]);
    store.close();
  });

  it('skips samples whose value cannot be stored instead of failing the batch', () => {
    const store = openStore();
    store.appendSamples([latency('prod', 'api', T0, NaN), latency('prod', 'api', T0 + 1000, 2), latency('prod', 'api', T0 + 2000.7, 3)]);
    expect(store.querySeries(query({ stepMs: 1000, aggregate: 'sum' })).series[0]!.points).toEqual([
      [T0 + 1000, 2],
      [T0 + 2000, 3],
    ]);
    store.close();
  });

  it('chooses 1h rollups for whole hours, 1m rollups for whole minutes and raw samples otherwise', () => {
    const store = openStore();
    const cases: Array<[number, string]> = [
      [1000, 'raw'],
      [30_000, 'raw'],
      [60_000, '1m'],
      [90_000, 'raw'],
      [300_000, '1m'],
      [3_600_000, '1h'],
      [5_400_000, '1m'],
      [86_400_000, '1h'],
    ];
    for (const [stepMs, resolution] of cases) expect(store.querySeries(query({ stepMs })).resolution, String(stepMs)).toBe(resolution);
    expect(() => store.querySeries(query({ stepMs: 0 }))).toThrow(/stepMs must be a positive integer/);
    store.close();
  });

  it('keeps appending after a failed batch without losing the series it created', () => {
    const store = openStore();
    const poison = { name: 'probe_success', labels: { env: 'prod', service: 'new' }, get ts(): number { throw new Error('bad sample'); }, value: 1 };
    expect(() => store.appendSamples([{ name: 'probe_success', labels: { env: 'prod', service: 'new' }, ts: T0, value: 1 }, poison])).toThrow('bad sample');
    store.appendSamples([{ name: 'probe_success', labels: { env: 'prod', service: 'new' }, ts: T0, value: 1 }]);
    expect(store.querySeries(query({ metric: 'probe_success' })).series).toHaveLength(1);
    store.close();
  });
});

describe('SqliteStore check results', () => {
  const result = (checkId: string, ts: number, success: boolean): CheckResult => ({
    checkId,
    env: 'prod',
    service: 'api',
    check: 'http',
    kind: 'http',
    ts,
    success,
    degraded: false,
    durationSeconds: 0.12,
    error: success ? null : 'connection refused',
    detail: null,
  });

  it('keeps the last result of every check', () => {
    const store = openStore();
    store.recordCheckResults([result('prod/api/http', T0, true), result('prod/api/tcp', T0, true)]);
    store.recordCheckResults([result('prod/api/http', T0 + 15_000, false)]);
    expect(store.lastCheckResults()).toEqual([result('prod/api/http', T0 + 15_000, false), result('prod/api/tcp', T0, true)]);
    store.close();
  });

  it('does not let an older result overwrite a newer one', () => {
    const store = openStore();
    store.recordCheckResults([result('prod/api/http', T0 + 15_000, false)]);
    store.recordCheckResults([result('prod/api/http', T0, true)]);
    expect(store.lastCheckResults()).toEqual([result('prod/api/http', T0 + 15_000, false)]);
    store.close();
  });
});

describe('SqliteStore lifecycle', () => {
  it('creates a missing parent directory and reports itself writable until closed', () => {
    const file = path.join(path.dirname(tempDbPath()), 'nested', 'deeper', 'vigil.db');
    const store = openSqliteStore(file);
    expect(fs.existsSync(file)).toBe(true);
    expect(store.isWritable()).toBe(true);
    store.close();
    expect(store.isWritable()).toBe(false);
    store.close();
  });

  it('works in memory', () => {
    const store = openSqliteStore(':memory:');
    store.appendSamples([latency('prod', 'api', T0, 1)]);
    expect(store.querySeries(query({})).series).toHaveLength(1);
    expect(store.isWritable()).toBe(true);
    store.close();
  });
});
