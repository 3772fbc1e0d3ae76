import { expect, it } from 'vitest';
import type { QueryLimits, Retention, Sample, SeriesQuery, Store } from '../../store/types.js';
import { describeEachEngine } from '../helpers/stores.js';
import { rollUpFully } from './roll-up.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

const RETENTION: Retention = { rawMs: 1 * DAY, oneMinuteMs: 2 * DAY, oneHourMs: 3 * DAY };
// These queries read everything since 1970 at a 1 s step on purpose: past the default cost bounds.
const UNBOUNDED: QueryLimits = { maxSeries: 1000, maxPoints: Number.MAX_SAFE_INTEGER, maxRowsScanned: Number.MAX_SAFE_INTEGER };

function everyMinute(days: number, services: readonly string[]): Sample[] {
  const samples: Sample[] = [];
  for (const service of services) {
    for (let ts = T0; ts < T0 + days * DAY; ts += MINUTE) {
      samples.push({ name: 'probe_success', labels: { env: 'prod', service }, ts, value: 1 });
    }
  }
  return samples;
}

function everything(stepMs: number): SeriesQuery {
  return { metric: 'probe_success', matchers: [], from: 0, to: T0 + 10 * DAY, stepMs, aggregate: 'count' };
}

async function count(store: Store, stepMs: number): Promise<number> {
  const result = await store.samples.query(everything(stepMs), UNBOUNDED);
  return result.series.reduce((n, s) => n + s.points.reduce((m, [, c]) => m + c, 0), 0);
}

async function firstPoint(store: Store, stepMs: number): Promise<number | undefined> {
  return (await store.samples.query(everything(stepMs), UNBOUNDED)).series[0]?.points[0]?.[0];
}

describeEachEngine('enforceRetention', (engine) => {
  it('deletes rows older than each resolution keeps, in batches, and keeps newer rows', async () => {
    const store = await engine.open();
    await store.samples.append(everyMinute(4, ['api', 'web']));
    await rollUpFully(store, T0 + 4 * DAY);
    const at = T0 + 4 * DAY;

    const deletedPerCall: number[] = [];
    for (let deleted = await store.samples.enforceRetention(at, RETENTION, 1000); deleted > 0; deleted = await store.samples.enforceRetention(at, RETENTION, 1000)) {
      deletedPerCall.push(deleted);
    }
    // Raw: 3 of 4 days × 1440 minutes × 2 series; 1m rollups: 2 days × 2; 1h rollups: 1 day × 24 × 2.
    expect(deletedPerCall.reduce((a, b) => a + b, 0)).toBe(3 * 1440 * 2 + 2 * 1440 * 2 + 24 * 2);
    expect(Math.max(...deletedPerCall)).toBeLessThanOrEqual(3 * 1000);
    expect(deletedPerCall.length).toBeGreaterThan(8);

    expect(await firstPoint(store, 1000)).toBe(at - RETENTION.rawMs);
    expect(await count(store, 1000)).toBe(1440 * 2);
    expect(await firstPoint(store, MINUTE)).toBe(at - RETENTION.oneMinuteMs);
    expect(await count(store, MINUTE)).toBe(2 * 1440 * 2);
    expect(await firstPoint(store, HOUR)).toBe(at - RETENTION.oneHourMs);
    expect(await count(store, HOUR)).toBe(3 * 1440 * 2);
    await store.close();
  });

  it('returns 0 when there is nothing old enough to delete', async () => {
    const store = await engine.open();
    await store.samples.append(everyMinute(1, ['api']));
    await rollUpFully(store, T0 + DAY);
    expect(await store.samples.enforceRetention(T0 + DAY, RETENTION)).toBe(0);
    expect(await count(store, 1000)).toBe(1440);
    await store.close();
  });

  it('keeps series that still have data so new samples land in the same series', async () => {
    const store = await engine.open();
    await store.samples.append(everyMinute(2, ['api']));
    while ((await store.samples.enforceRetention(T0 + 10 * DAY, RETENTION)) > 0);
    expect(await count(store, 1000)).toBe(0);
    await store.samples.append([{ name: 'probe_success', labels: { env: 'prod', service: 'api' }, ts: T0 + 9 * DAY, value: 1 }]);
    expect(await count(store, 1000)).toBe(1);
    await store.close();
  });

  it('refuses a batch size that is not a positive integer', async () => {
    const store = await engine.open();
    await expect(store.samples.enforceRetention(T0, RETENTION, 0)).rejects.toThrow(/positive integer/);
    await store.close();
  });
});
