import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { QueryTooLargeError } from '../../lib/errors.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { CheckResult, QueryLimits, Sample, SeriesQuery } from '../../store/types.js';
import { describeEachEngine } from '../helpers/stores.js';
import { tempDbPath } from '../helpers/temp-db.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

function latency(env: string, service: string, ts: number, value: number, extra: Record<string, string> = {}): Sample {
  return { name: 'probe_duration_seconds', labels: { env, service, ...extra }, ts, value };
}

function query(overrides: Partial<SeriesQuery>): SeriesQuery {
  return { metric: 'probe_duration_seconds', matchers: [], from: T0, to: T0 + 60_000, stepMs: 10_000, aggregate: 'avg', ...overrides };
}

function result(checkId: string, ts: number, success: boolean): CheckResult {
  return {
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
  };
}

describeEachEngine('store samples', (engine) => {
  it('returns appended samples per series, filtered by = and != label matchers', async () => {
    const store = await engine.open();
    await store.samples.append([
      latency('prod', 'api', T0, 0.1),
      latency('prod', 'api', T0 + 10_000, 0.2),
      latency('staging', 'api', T0, 0.3),
      latency('prod', 'web', T0, 0.4, { region: 'eu' }),
      { name: 'probe_success', labels: { env: 'prod', service: 'api' }, ts: T0, value: 1 },
    ]);

    const prod = await store.samples.query(query({ matchers: [{ label: 'env', op: '=', value: 'prod' }] }));
    expect(prod.resolution).toBe('raw');
    expect(prod.series).toEqual([
      { labels: { env: 'prod', region: 'eu', service: 'web' }, points: [[T0, 0.4]] },
      { labels: { env: 'prod', service: 'api' }, points: [[T0, 0.1], [T0 + 10_000, 0.2]] },
    ]);

    const notStaging = await store.samples.query(query({ matchers: [{ label: 'env', op: '!=', value: 'staging' }] }));
    expect(notStaging.series.map((s) => s.labels.service)).toEqual(['web', 'api']);

    // A != on a label the series does not have matches it.
    const notUs = await store.samples.query(query({ matchers: [{ label: 'region', op: '!=', value: 'us' }] }));
    expect(notUs.series).toHaveLength(3);
    await store.close();
  });

  it('treats label sets in any key order as the same series', async () => {
    const store = await engine.open();
    await store.samples.append([
      { name: 'queue_depth', labels: { service: 'jobs', env: 'prod', queue: 'exports' }, ts: T0, value: 3 },
      { name: 'queue_depth', labels: { queue: 'exports', env: 'prod', service: 'jobs' }, ts: T0 + 1000, value: 5 },
    ]);
    const result = await store.samples.query(query({ metric: 'queue_depth', aggregate: 'count' }));
    expect(result.series).toEqual([{ labels: { env: 'prod', queue: 'exports', service: 'jobs' }, points: [[T0, 2]] }]);
    await store.close();
  });

  it('replaces a sample appended again for the same series and time', async () => {
    const store = await engine.open();
    await store.samples.append([latency('prod', 'api', T0, 0.1)]);
    await store.samples.append([latency('prod', 'api', T0, 0.7), latency('prod', 'api', T0, 0.9)]);
    expect((await store.samples.query(query({ aggregate: 'count' }))).series[0]!.points).toEqual([[T0, 1]]);
    expect((await store.samples.query(query({}))).series[0]!.points).toEqual([[T0, 0.9]]);
    await store.close();
  });

  it('keeps the last of several samples for one series and time within one batch', async () => {
    const store = await engine.open();
    await store.samples.append([latency('prod', 'api', T0, 0.1), latency('prod', 'api', T0 + 1000, 0.5), latency('prod', 'api', T0, 0.3)]);
    expect((await store.samples.query(query({ stepMs: 1000, aggregate: 'sum' }))).series[0]!.points).toEqual([
      [T0, 0.3],
      [T0 + 1000, 0.5],
    ]);
    await store.close();
  });

  it('aligns raw points to the step, leaves empty steps out and computes exact aggregates', async () => {
    const store = await engine.open();
    const values = [5, 1, 4, 2, 3];
    await store.samples.append(values.map((value, i) => latency('prod', 'api', T0 + 3_000 + i * 1000, value)));
    await store.samples.append([latency('prod', 'api', T0 + 25_000, 9)]);
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
      const result = await store.samples.query(query({ aggregate: aggregate as SeriesQuery['aggregate'] }));
      expect(result.series[0]!.points, aggregate).toEqual(points);
    }
    await store.close();
  });

  it('reads only samples inside [from, to) and leaves out series without data there', async () => {
    const store = await engine.open();
    await store.samples.append([latency('prod', 'api', T0 - 1, 1), latency('prod', 'api', T0, 2), latency('prod', 'api', T0 + 60_000, 3)]);
    await store.samples.append([latency('dev', 'api', T0 - 5000, 1)]);
    const result = await store.samples.query(query({ stepMs: 1000, aggregate: 'sum' }));
    expect(result.series).toEqual([{ labels: { env: 'prod', service: 'api' }, points: [[T0, 2]] }]);
    await store.close();
  });

  it('skips samples whose value cannot be stored instead of failing the batch', async () => {
    const store = await engine.open();
    await store.samples.append([latency('prod', 'api', T0, NaN), latency('prod', 'api', T0 + 1000, 2), latency('prod', 'api', T0 + 2000.7, 3)]);
    expect((await store.samples.query(query({ stepMs: 1000, aggregate: 'sum' }))).series[0]!.points).toEqual([
      [T0 + 1000, 2],
      [T0 + 2000, 3],
    ]);
    await store.close();
  });

  it('stores a negative zero as zero', async () => {
    const store = await engine.open();
    await store.samples.append([latency('prod', 'api', T0, -0)]);
    const [point] = (await store.samples.query(query({ aggregate: 'last' }))).series[0]!.points;
    expect(Object.is(point![1], 0)).toBe(true);
    await store.close();
  });

  it('skips infinite values and times that are not finite numbers', async () => {
    const store = await engine.open();
    await store.samples.append([
      latency('prod', 'api', T0 + 500, Infinity),
      latency('prod', 'api', T0 + 600, -Infinity),
      latency('prod', 'api', NaN, 1),
      latency('prod', 'api', Infinity, 1),
      latency('prod', 'api', T0 + 700, 1),
    ]);
    expect((await store.samples.query(query({ stepMs: 1000, aggregate: 'count' }))).series[0]!.points).toEqual([[T0, 1]]);
    await store.close();
  });

  it('reads the coarsest resolution whose bucket fits in the step: 1h rollups from an hour, 1m from a minute, else raw', async () => {
    const store = await engine.open();
    const cases: Array<[number, string]> = [
      [1000, 'raw'],
      [30_000, 'raw'],
      [60_000, '1m'],
      [90_000, '1m'],
      [300_000, '1m'],
      [3_600_000, '1h'],
      [5_400_000, '1h'],
      [86_400_000, '1h'],
    ];
    for (const [stepMs, resolution] of cases) expect((await store.samples.query(query({ stepMs }))).resolution, String(stepMs)).toBe(resolution);
    await expect(store.samples.query(query({ stepMs: 0 }))).rejects.toThrow(/stepMs must be a positive integer/);
    await store.close();
  });

  it('keeps appending after a failed batch without losing the series it created', async () => {
    const store = await engine.open();
    const poison = { name: 'probe_success', labels: { env: 'prod', service: 'new' }, get ts(): number { throw new Error('bad sample'); }, value: 1 };
    await expect(store.samples.append([{ name: 'probe_success', labels: { env: 'prod', service: 'new' }, ts: T0, value: 1 }, poison])).rejects.toThrow('bad sample');
    await store.samples.append([{ name: 'probe_success', labels: { env: 'prod', service: 'new' }, ts: T0, value: 1 }]);
    expect((await store.samples.query(query({ metric: 'probe_success' }))).series).toHaveLength(1);
    await store.close();
  });

  it('appends batches from many callers at once, each sample once', async () => {
    const store = await engine.open();
    await Promise.all(
      Array.from({ length: 8 }, (_, caller) =>
        store.samples.append(Array.from({ length: 50 }, (_, i) => latency('prod', `service-${i % 5}`, T0 + caller * 1000 + i * 10, 1))),
      ),
    );
    const counts = await store.samples.query(query({ aggregate: 'count', stepMs: 60_000 }));
    expect(counts.series.map((s) => s.points)).toEqual(Array.from({ length: 5 }, () => [[T0, 80]]));
    await store.close();
  });
});

describeEachEngine('store series answers as JSON text', (engine) => {
  it('serializes the same series as query answers, from raw samples and from rollups', async () => {
    const store = await engine.open();
    const samples: Sample[] = [];
    for (const env of ['prod', 'staging']) for (let i = 0; i < 300; i++) samples.push(latency(env, 'api', T0 + i * 1000, (i % 17) / 8, { zone: 'é"\\' }));
    await store.samples.append(samples);
    await store.samples.rollUp(T0 + 3_600_000);
    for (const q of [query({ to: T0 + 300_000 }), query({ to: T0 + 300_000, stepMs: 60_000, aggregate: 'p99' }), query({ matchers: [{ label: 'env', op: '=', value: 'none' }] })]) {
      const plain = await store.samples.query(q);
      const encoded = await store.samples.queryJson(q);
      expect(JSON.parse(new TextDecoder().decode(encoded.seriesJson))).toEqual(plain.series.map((s) => ({ labels: s.labels, points: s.points })));
      expect({ resolution: encoded.resolution, seriesCount: encoded.seriesCount, rowsScanned: encoded.rowsScanned }).toEqual({
        resolution: plain.resolution,
        seriesCount: plain.series.length,
        rowsScanned: plain.rowsScanned,
      });
    }
    await store.close();
  });

  it('refuses a query over the bounds as query does', async () => {
    const store = await engine.open();
    await store.samples.append([latency('prod', 'a', T0, 1), latency('prod', 'b', T0, 1)]);
    const bounds: QueryLimits = { maxSeries: 1, maxPoints: 500_000, maxRowsScanned: 2_000_000 };
    await expect(store.samples.queryJson(query({}), bounds)).rejects.toThrow(QueryTooLargeError);
    await expect(store.samples.queryJson(query({}), bounds)).rejects.toThrow('probe_duration_seconds matches 2 series, over the limit of 1 per query');
    await store.close();
  });
});

describeEachEngine('store check results', (engine) => {
  it('keeps the last result of every check', async () => {
    const store = await engine.open();
    await store.checks.record([result('prod/api/http', T0, true), result('prod/api/tcp', T0, true)]);
    await store.checks.record([result('prod/api/http', T0 + 15_000, false)]);
    expect(await store.checks.last()).toEqual([result('prod/api/http', T0 + 15_000, false), result('prod/api/tcp', T0, true)]);
    await store.close();
  });

  it('does not let an older result overwrite a newer one', async () => {
    const store = await engine.open();
    await store.checks.record([result('prod/api/http', T0 + 15_000, false)]);
    await store.checks.record([result('prod/api/http', T0, true)]);
    expect(await store.checks.last()).toEqual([result('prod/api/http', T0 + 15_000, false)]);
    await store.close();
  });

  it('applies several results of one check in one batch in order, the newest kept', async () => {
    const store = await engine.open();
    await store.checks.record([result('prod/api/http', T0 + 15_000, false), result('prod/api/http', T0, true), result('prod/api/http', T0 + 15_000, true)]);
    expect(await store.checks.last()).toEqual([result('prod/api/http', T0 + 15_000, true)]);
    await store.close();
  });
});

describeEachEngine('store transactions', (engine) => {
  const sample = (service: string, ts: number, value: number): Sample => ({ name: 'probe_success', labels: { env: 'prod', service }, ts, value });
  const successQuery = query({ metric: 'probe_success', aggregate: 'sum', stepMs: 60_000 });

  it('commits samples and check results together and returns what the function returned', async () => {
    const store = await engine.open();
    const returned = await store.transaction(async (tx) => {
      await tx.samples.append([sample('api', T0, 1)]);
      await tx.checks.record([result('prod/api/http', T0, true)]);
      // A transaction reads what it wrote.
      expect(await tx.checks.last()).toEqual([result('prod/api/http', T0, true)]);
      await tx.samples.append([sample('api', T0 + 1000, 1), sample('web', T0, 1)]);
      return 'done';
    });
    expect(returned).toBe('done');
    expect((await store.samples.query(successQuery)).series.map((s) => [s.labels.service, s.points])).toEqual([
      ['api', [[T0, 2]]],
      ['web', [[T0, 1]]],
    ]);
    expect(await store.checks.last()).toEqual([result('prod/api/http', T0, true)]);
    await store.close();
  });

  it('rolls everything back when the function throws, new series included, and rethrows its error', async () => {
    const store = await engine.open();
    await store.samples.append([sample('api', T0, 1)]);
    const failure = new Error('the incident could not be opened');
    await expect(
      store.transaction(async (tx) => {
        await tx.samples.append([sample('api', T0 + 1000, 1), sample('brand-new', T0, 1)]);
        await tx.checks.record([result('prod/api/http', T0, false)]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await store.samples.query(successQuery)).series.map((s) => [s.labels.service, s.points])).toEqual([['api', [[T0, 1]]]]);
    expect(await store.checks.last()).toEqual([]);
    // The series the rolled-back transaction created is created again, not taken from a stale cache.
    await store.samples.append([sample('brand-new', T0, 1)]);
    expect((await store.samples.query(successQuery)).series.map((s) => s.labels.service)).toEqual(['api', 'brand-new']);
    await store.close();
  });

  it('runs transactions one after another with appends outside them', async () => {
    const store = await engine.open();
    await Promise.all([
      store.transaction(async (tx) => tx.samples.append([sample('api', T0, 1)])),
      store.samples.append([sample('api', T0 + 1000, 1)]),
      store.transaction(async (tx) => tx.samples.append([sample('api', T0 + 2000, 1)])),
    ]);
    expect((await store.samples.query(successQuery)).series[0]!.points).toEqual([[T0, 3]]);
    await store.close();
  });
});

describeEachEngine('store query cost bounds', (engine) => {
  const limits = (overrides: Partial<QueryLimits>): QueryLimits => ({ maxSeries: 1000, maxPoints: 500_000, maxRowsScanned: 2_000_000, ...overrides });

  async function storeWithThreeSeries() {
    const store = await engine.open();
    const samples: Sample[] = [];
    for (const service of ['a', 'b', 'c']) for (let i = 0; i < 30; i++) samples.push(latency('prod', service, T0 + i * 2000, i));
    await store.samples.append(samples);
    return store;
  }

  it('refuses a query matching more series than maxSeries before reading, and says how to narrow it', async () => {
    const store = await storeWithThreeSeries();
    const refused = store.samples.query(query({}), limits({ maxSeries: 2 }));
    await expect(refused).rejects.toThrow(QueryTooLargeError);
    await expect(store.samples.query(query({}), limits({ maxSeries: 2 }))).rejects.toThrow(
      'probe_duration_seconds matches 3 series, over the limit of 2 per query; narrow it with match= (like match=env=prod or match=service=api)',
    );
    const narrowed = await store.samples.query(query({ matchers: [{ label: 'service', op: '!=', value: 'c' }] }), limits({ maxSeries: 2 }));
    expect(narrowed.series).toHaveLength(2);
    await store.close();
  });

  it('refuses a query whose answer could hold more points than maxPoints', async () => {
    const store = await storeWithThreeSeries();
    // 3 series × (60 s / 1 s + 1) points = 183.
    await expect(store.samples.query(query({ stepMs: 1000 }), limits({ maxPoints: 182 }))).rejects.toThrow(
      '3 series × 61 points at step 1s is over the limit of 182 points per query; use a larger step, a shorter range or match= to select fewer series',
    );
    expect((await store.samples.query(query({ stepMs: 1000 }), limits({ maxPoints: 183 }))).series).toHaveLength(3);
    await store.close();
  });

  it('stops reading as soon as a query crosses maxRowsScanned, and counts the rows it read', async () => {
    const store = await storeWithThreeSeries();
    const within = await store.samples.query(query({}), limits({ maxRowsScanned: 90 }));
    expect(within.rowsScanned).toBe(90);
    const refused = store.samples.query(query({}), limits({ maxRowsScanned: 89 }));
    await expect(refused).rejects.toThrow(QueryTooLargeError);
    await expect(store.samples.query(query({}), limits({ maxRowsScanned: 89 }))).rejects.toThrow(
      'probe_duration_seconds: the query reads more than 89 stored rows; use a step of 1m or more (read from rollups), a shorter range or match= to select fewer series',
    );
    await expect(store.samples.query(query({ stepMs: 60_000 }), limits({ maxRowsScanned: 89 }))).rejects.toThrow(
      /use a step of 1h or more, a shorter range or match=/,
    );
    await store.close();
  });
});

describeEachEngine('store lifecycle', (engine) => {
  it('reports itself writable until closed, then refuses calls', async () => {
    const store = await engine.open();
    expect(store.info.engine).toBe(engine.name);
    expect(await store.isWritable()).toBe(true);
    await store.close();
    expect(await store.isWritable()).toBe(false);
    await expect(store.samples.append([latency('prod', 'api', T0, 1)])).rejects.toThrow(/closed/);
    await store.close();
  });

  it('keeps samples and check results across close and reopen', async () => {
    const location = await engine.location();
    const first = await engine.open(location);
    await first.samples.append([latency('prod', 'api', T0, 0.25)]);
    await first.checks.record([result('prod/api/http', T0, true)]);
    await first.close();
    const reopened = await engine.open(location);
    expect((await reopened.samples.query(query({}))).series[0]!.points).toEqual([[T0, 0.25]]);
    expect(await reopened.checks.last()).toEqual([result('prod/api/http', T0, true)]);
    await reopened.close();
  });

  it('waits for calls in flight when closing', async () => {
    const store = await engine.open();
    const append = store.samples.append(Array.from({ length: 2000 }, (_, i) => latency('prod', 'api', T0 + i, i)));
    await store.close();
    await append;
  });
});

describe('SQLite store files', () => {
  it('creates a missing parent directory and reports itself writable until closed', async () => {
    const file = path.join(path.dirname(tempDbPath()), 'nested', 'deeper', 'vigil.db');
    const store = await openSqliteStore(file);
    expect(fs.existsSync(file)).toBe(true);
    expect(await store.isWritable()).toBe(true);
    await store.close();
    expect(await store.isWritable()).toBe(false);
    await store.close();
  });

  it('works in memory', async () => {
    const store = await openSqliteStore(':memory:');
    await store.samples.append([latency('prod', 'api', T0, 1)]);
    expect((await store.samples.query(query({}))).series).toHaveLength(1);
    expect(await store.isWritable()).toBe(true);
    await store.close();
  });
});
