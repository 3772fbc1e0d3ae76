import { afterEach, describe, expect, it, vi } from 'vitest';
import { ROLLUP_GRACE_MS, startHousekeeping } from '../../store/housekeeping.js';
import { DEFAULT_RETENTION, type Store } from '../../store/types.js';

const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);

/** A store whose every rollUp pass takes `callsPerPass` calls; records the `at` of each call. */
function steppingStore(callsPerPass: number) {
  const calls: number[] = [];
  let left = callsPerPass;
  const store = {
    rollUp(at: number) {
      calls.push(at);
      left--;
      const more = left > 0;
      if (!more) left = callsPerPass;
      return { buckets: 1, more };
    },
    enforceRetention: () => 0,
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
    for (let turn = 0; turn < 5; turn++) await nextTurn();
    expect(calls).toHaveLength(4);
    vi.advanceTimersByTime(10_000);
    expect(calls).toHaveLength(5);
    housekeeping.stop();
  });

  it('finishes a running pass synchronously on stop', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { store, calls } = steppingStore(3);
    const housekeeping = startHousekeeping(store, DEFAULT_RETENTION, { now: () => NOW }, { rollupEveryMs: 10_000, log: () => {} });
    vi.advanceTimersByTime(10_000);
    expect(calls).toHaveLength(1);
    housekeeping.stop();
    expect(calls).toHaveLength(3);
  });

  it('logs a failed call and tries again on the next tick', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const messages: string[] = [];
    let failures = 1;
    const store = {
      rollUp: () => {
        if (failures-- > 0) throw new Error('database is locked');
        return { buckets: 0, more: false };
      },
      enforceRetention: () => 0,
    } as unknown as Store;
    const housekeeping = startHousekeeping(store, DEFAULT_RETENTION, { now: () => NOW }, { rollupEveryMs: 10_000, log: (m) => messages.push(m) });
    vi.advanceTimersByTime(20_000);
    expect(messages).toEqual(['rollup failed (will retry): database is locked']);
    housekeeping.stop();
  });
});
