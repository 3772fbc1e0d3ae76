import { afterEach, describe, expect, it, vi } from 'vitest';
import { ROLLUP_GRACE_MS, startHousekeeping } from '../../store/housekeeping.js';
import { DEFAULT_RETENTION, type Retention, type Sample, type Store } from '../../store/types.js';
import { describeEachEngine } from '../helpers/stores.js';

const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;

/** A store whose every rollUp pass takes `callsPerPass` calls; records the `at` of each call. */
function steppingStore(callsPerPass: number) {
  const calls: number[] = [];
  let left = callsPerPass;
  const store = {
    samples: {
      async rollUp(at: number) {
        calls.push(at);
        left--;
        const more = left > 0;
        if (!more) left = callsPerPass;
        return { buckets: 1, more };
      },
      enforceRetention: async () => 0,
    },
    outbox: { prune: async () => 0 },
  } as unknown as Store;
  return { store, calls };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('housekeeping rollups', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a pass one call per event-loop turn, never two passes at once, folding up to now minus the grace', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { store, calls } = steppingStore(4);
    const housekeeping = startHousekeeping(store, DEFAULT_RETENTION, { now: () => NOW }, { rollupEveryMs: 10_000, log: () => {} });
    vi.advanceTimersByTime(10_000);
    expect(calls).toEqual([NOW - ROLLUP_GRACE_MS]);
    // The next tick comes while the pass is still running: it must not start another one.
    vi.advanceTimersByTime(10_000);
    expect(calls).toHaveLength(1);
    for (let turn = 0; turn < 10; turn++) await nextTurn();
    expect(calls).toHaveLength(4);
    vi.advanceTimersByTime(10_000);
    expect(calls).toHaveLength(5);
    await housekeeping.stop();
  });

  it('finishes a running pass on stop', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { store, calls } = steppingStore(3);
    const housekeeping = startHousekeeping(store, DEFAULT_RETENTION, { now: () => NOW }, { rollupEveryMs: 10_000, log: () => {} });
    vi.advanceTimersByTime(10_000);
    expect(calls).toHaveLength(1);
    await housekeeping.stop();
    expect(calls).toHaveLength(3);
  });

  it('folds what is left on stop one call per event-loop turn, answering requests meanwhile', async () => {
    const { store, calls } = steppingStore(4);
    const housekeeping = startHousekeeping(store, DEFAULT_RETENTION, { now: () => NOW }, { rollupEveryMs: 3_600_000, log: () => {} });
    const events: string[] = [];
    const rollUp = store.samples.rollUp.bind(store.samples);
    store.samples.rollUp = (at, maxSeries) => (events.push('rollUp'), rollUp(at, maxSeries));
    let ticking = true;
    const tick = () => {
      events.push('turn');
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await housekeeping.stop();
    ticking = false;
    expect(calls).toHaveLength(4);
    expect(events.slice(events.indexOf('rollUp')).join(',')).not.toMatch(/rollUp,rollUp/);
  });

  it('logs a failed call and tries again on the next tick', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const messages: string[] = [];
    let failures = 1;
    const store = {
      samples: {
        rollUp: async () => {
          if (failures-- > 0) throw new Error('database is locked');
          return { buckets: 0, more: false };
        },
        enforceRetention: async () => 0,
      },
      outbox: { prune: async () => 0 },
    } as unknown as Store;
    const housekeeping = startHousekeeping(store, DEFAULT_RETENTION, { now: () => NOW }, { rollupEveryMs: 10_000, log: (m) => messages.push(m) });
    vi.advanceTimersByTime(10_000);
    await nextTurn();
    vi.advanceTimersByTime(10_000);
    await nextTurn();
    expect(messages).toEqual(['rollup failed (will retry): database is locked']);
    expect(failures).toBe(-1);
    await housekeeping.stop();
  });
});

describeEachEngine('housekeeping on a store', (engine) => {
  it('enforces retention when it starts and folds closed minutes up to now minus the grace when it stops', async () => {
    const store = await engine.open();
    const samples: Sample[] = [];
    for (let ts = NOW - 3 * DAY; ts < NOW; ts += MINUTE) samples.push({ name: 'probe_success', labels: { env: 'prod' }, ts, value: 1 });
    await store.samples.append(samples);
    const retention: Retention = { ...DEFAULT_RETENTION, rawMs: DAY };
    const housekeeping = startHousekeeping(store, retention, { now: () => NOW }, { rollupEveryMs: 3_600_000, retentionEveryMs: 3_600_000, log: () => {} });
    await housekeeping.stop();

    expect(await store.samples.rolledUpTo()).toBe(Math.floor((NOW - ROLLUP_GRACE_MS) / MINUTE) * MINUTE);
    const query = { metric: 'probe_success', matchers: [], from: NOW - 3 * DAY, to: NOW } as const;
    // Raw samples of the last day are left (a step under a minute reads them), one a minute…
    const raw = await store.samples.query({ ...query, stepMs: 59_000, aggregate: 'count' });
    expect(raw.resolution).toBe('raw');
    expect(raw.series[0]!.points).toHaveLength(1440);
    expect(raw.series[0]!.points[0]![0]).toBe(Math.floor((NOW - DAY) / 59_000) * 59_000);
    // …and the rollups hold each of them once.
    const hours = await store.samples.query({ ...query, stepMs: DAY, aggregate: 'count' });
    expect(hours.resolution).toBe('1h');
    expect(hours.series[0]!.points.reduce((n, [, c]) => n + c, 0)).toBe(1440);
    await store.close();
  });
});
