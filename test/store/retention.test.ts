import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite-store.js';
import type { Retention, Sample, SeriesQuery } from '../../store/types.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { rollUpFully } from './roll-up.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

const RETENTION: Retention = { rawMs: 1 * DAY, oneMinuteMs: 2 * DAY, oneHourMs: 3 * DAY };

function everyMinute(days: number, services: readonly string[]): Sample[] {
  const samples: Sample[] = [];
  for (const service of services) {
    for (let ts = T0; ts < T0 + days * DAY; ts += MINUTE) {
      samples.push({ name: 'probe_success', labels: { env: 'prod', service }, ts, value: 1 });
    }
  }
  return samples;
}

function count(store: ReturnType<typeof openSqliteStore>, stepMs: number): number {
  const query: SeriesQuery = { metric: 'probe_success', matchers: [], from: 0, to: T0 + 10 * DAY, stepMs, aggregate: 'count' };
  return store.querySeries(query).series.reduce((n, s) => n + s.points.reduce((m, [, c]) => m + c, 0), 0);
}

function firstPoint(store: ReturnType<typeof openSqliteStore>, stepMs: number): number | undefined {
  const query: SeriesQuery = { metric: 'probe_success', matchers: [], from: 0, to: T0 + 10 * DAY, stepMs, aggregate: 'count' };
  return store.querySeries(query).series[0]?.points[0]?.[0];
}

describe('enforceRetention', () => {
  it('deletes rows older than each resolution keeps, in batches, and keeps newer rows', () => {
    const store = openSqliteStore(tempDbPath());
    store.appendSamples(everyMinute(4, ['api', 'web']));
    rollUpFully(store, T0 + 4 * DAY);
    const at = T0 + 4 * DAY;

    const deletedPerCall: number[] = [];
    for (let deleted = store.enforceRetention(at, RETENTION, 1000); deleted > 0; deleted = store.enforceRetention(at, RETENTION, 1000)) {
      deletedPerCall.push(deleted);
    }
    // Raw: 3 of 4 days × 1440 minutes × 2 series; 1m rollups: 2 days × 2; 1h rollups: 1 day × 24 × 2.
    expect(deletedPerCall.reduce((a, b) => a + b, 0)).toBe(3 * 1440 * 2 + 2 * 1440 * 2 + 24 * 2);
    expect(Math.max(...deletedPerCall)).toBeLessThanOrEqual(3 * 1000);
    expect(deletedPerCall.length).toBeGreaterThan(8);

    expect(firstPoint(store, 1000)).toBe(at - RETENTION.rawMs);
    expect(count(store, 1000)).toBe(1440 * 2);
    expect(firstPoint(store, MINUTE)).toBe(at - RETENTION.oneMinuteMs);
    expect(count(store, MINUTE)).toBe(2 * 1440 * 2);
    expect(firstPoint(store, HOUR)).toBe(at - RETENTION.oneHourMs);
    expect(count(store, HOUR)).toBe(3 * 1440 * 2);
    store.close();
  });

  it('returns 0 when there is nothing old enough to delete', () => {
    const store = openSqliteStore(tempDbPath());
    store.appendSamples(everyMinute(1, ['api']));
    rollUpFully(store, T0 + DAY);
    expect(store.enforceRetention(T0 + DAY, RETENTION)).toBe(0);
    expect(count(store, 1000)).toBe(1440);
    store.close();
  });

  it('keeps series that still have data so new samples land in the same series', () => {
    const store = openSqliteStore(tempDbPath());
    store.appendSamples(everyMinute(2, ['api']));
    while (store.enforceRetention(T0 + 10 * DAY, RETENTION) > 0);
    expect(count(store, 1000)).toBe(0);
    store.appendSamples([{ name: 'probe_success', labels: { env: 'prod', service: 'api' }, ts: T0 + 9 * DAY, value: 1 }]);
    expect(count(store, 1000)).toBe(1);
    store.close();
  });

  it('refuses a batch size that is not a positive integer', () => {
    const store = openSqliteStore(tempDbPath());
    expect(() => store.enforceRetention(T0, RETENTION, 0)).toThrow(/positive integer/);
    store.close();
  });
});
