import { setImmediate as realTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveView } from '../../ingest/live-view.js';
import { IngestWriter, type IngestWriterOptions } from '../../ingest/writer.js';
import type { CheckResult, Sample } from '../../store/types.js';
import { systemClock } from '../../lib/clock.js';
import { MemoryStore } from '../helpers/memory-store.js';

const sample = (ts: number, value = 1): Sample => ({ name: 'probe_success', labels: { env: 'prod', service: 'api', check: 'http' }, ts, value });
const result = (checkId: string, ts: number): CheckResult => ({
  checkId,
  env: 'prod',
  service: 'api',
  check: checkId,
  kind: 'http',
  ts,
  success: true,
  degraded: false,
  durationSeconds: 0.01,
  error: null,
  detail: null,
});

function newWriter(store: MemoryStore, options: Omit<IngestWriterOptions, 'clock'> = {}, live = new LiveView()): IngestWriter {
  return new IngestWriter(store, live, { clock: systemClock, ...options });
}

const STALE_MS = 60_000;

/**
 * Moves the fake clock by `ms`, then lets the writer's own turns of the event loop run (it writes one
 * store call per turn, through node:timers/promises, which fake timers leave real).
 */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 10; i++) await realTurn();
}

describe('ingest writer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('flushes buffered samples and results every 250 ms, keeping only the last result per check', async () => {
    const store = new MemoryStore();
    const writer = newWriter(store, { log: () => {} });
    writer.write([sample(1), sample(2)], result('a', 1), STALE_MS);
    writer.write([sample(3)], result('a', 3), STALE_MS);
    writer.write([sample(4)], result('b', 4), STALE_MS);
    await advance(249);
    expect(store.samples.all).toHaveLength(0);
    await advance(1);
    expect(store.batches).toEqual([4]);
    expect(store.lastCheckResults().map((r) => [r.checkId, r.ts])).toEqual([
      ['a', 3],
      ['b', 4],
    ]);
    await writer.close();
  });

  it('flushes at once when 2,000 samples are buffered, in batches of at most 2,000', async () => {
    const store = new MemoryStore();
    const writer = newWriter(store, { log: () => {} });
    for (let i = 0; i < 1999; i++) writer.write([sample(i)], result('a', i), STALE_MS);
    expect(store.samples.all).toHaveLength(0);
    writer.write([sample(1999), sample(2000), sample(2001)], result('a', 2001), STALE_MS);
    // The store is asynchronous: the second batch goes once the first is written.
    await advance(0);
    expect(store.batches).toEqual([2000, 2]);
    expect(writer.stats()).toMatchObject({ bufferedSamples: 0, writtenSamples: 2002 });
    await writer.close();
  });

  it('keeps a batch the store refused, logs it with context, and writes it on the next flush', async () => {
    const store = new MemoryStore();
    const lines: string[] = [];
    const flushes: Array<[number, boolean]> = [];
    const writer = newWriter(store, { log: (l) => lines.push(l), onFlush: (n, failed) => flushes.push([n, failed]) });
    store.failNextWrites(2);
    writer.write([sample(1), sample(2)], result('a', 2), STALE_MS);
    await advance(250);
    expect(store.samples.all).toHaveLength(0);
    expect(lines[0]).toBe(
      'ingest: store.samples.append failed for a batch of 2 samples: database is locked; keeping 2 samples and 1 check results for the next flush',
    );
    await advance(250);
    expect(store.samples.all.map((s) => s.ts)).toEqual([1, 2]);
    expect(store.results.get('a')?.ts).toBe(2);
    expect(flushes).toEqual([
      [2, true],
      [2, false],
    ]);
    expect(lines.at(-1)).toMatch(/^ingest: store writes work again/);
    await writer.close();
  });

  it('drops the oldest samples past its bound while the store is failing, and says so', async () => {
    const store = new MemoryStore();
    const lines: string[] = [];
    const writer = newWriter(store, { log: (l) => lines.push(l), batchSamples: 10, maxBufferedSamples: 50 });
    store.failNextWrites(1_000);
    for (let i = 0; i < 80; i++) writer.write([sample(i)], result('a', i), STALE_MS);
    expect(writer.stats()).toMatchObject({ bufferedSamples: 50, droppedSamples: 30 });
    await advance(10_250);
    expect(lines.some((l) => l.includes('dropped the 30 oldest samples since the last message (buffer holds at most 50)'))).toBe(true);
    store.failNextWrites(0);
    await advance(250);
    expect(store.samples.all.map((s) => s.ts)).toEqual(Array.from({ length: 50 }, (_, i) => i + 30));
    await writer.close();
  });

  it('says the disk is full while the store refuses writes for lack of space, and clears it once they work', async () => {
    const store = new MemoryStore();
    const writer = newWriter(store, { log: () => {} });
    expect(writer.failure()).toBeNull();
    const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    store.failNextWrites(1_000, full);
    writer.write([sample(1)], result('a', 1), STALE_MS);
    await advance(250);
    expect(writer.failure()).toEqual({ since: expect.any(Number), reason: 'the disk is full (database or disk is full)' });
    // flushed() shares one flush that starts when the group-commit window ends (10 ms, on fake timers here).
    const flushed = writer.flushed();
    await advance(10);
    expect(await flushed).toBe(false);
    store.failNextWrites(0);
    await advance(250);
    expect(writer.failure()).toBeNull();
    expect(store.samples.all.map((s) => s.ts)).toEqual([1]);
    await writer.close();
  });

  it('commits the requests that wait within the group-commit window in one append, and answers none before it', async () => {
    const store = new MemoryStore();
    const writer = newWriter(store, { log: () => {} });
    const answered: string[] = [];
    writer.writeSamples([sample(1), sample(2)], 'otlp:a', STALE_MS);
    const first = writer.flushed().then((ok) => answered.push(`first ${ok}`));
    await advance(4);
    writer.writeSamples([sample(3)], 'otlp:a', STALE_MS);
    const second = writer.flushed().then((ok) => answered.push(`second ${ok}`));
    await advance(5);
    expect(store.batches).toEqual([]);
    expect(answered).toEqual([]);
    await advance(1);
    await Promise.all([first, second]);
    expect(store.batches).toEqual([3]);
    expect(answered).toEqual(['first true', 'second true']);
    await writer.close();
  });

  it('starts a group commit before its window ends once enough samples wait', async () => {
    const store = new MemoryStore();
    const writer = newWriter(store, { log: () => {}, groupCommitSamples: 3 });
    writer.writeSamples([sample(1), sample(2)], 'otlp:a', STALE_MS);
    const first = writer.flushed();
    writer.writeSamples([sample(3)], 'otlp:a', STALE_MS);
    const second = writer.flushed();
    await advance(0);
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    expect(store.batches).toEqual([3]);
    await writer.close();
  });

  it('with no group-commit window, commits once the requests already received have buffered theirs', async () => {
    const store = new MemoryStore();
    const writer = newWriter(store, { log: () => {}, groupCommitMs: 0 });
    writer.writeSamples([sample(1)], 'otlp:a', STALE_MS);
    const first = writer.flushed();
    writer.writeSamples([sample(2)], 'otlp:a', STALE_MS);
    const second = writer.flushed();
    expect(store.batches).toEqual([]);
    await advance(0);
    expect([await first, await second]).toEqual([true, true]);
    expect(store.batches).toEqual([2]);
    await writer.close();
  });

  it('commits a waiting group at once when closed', async () => {
    const store = new MemoryStore();
    const writer = newWriter(store, { log: () => {} });
    writer.writeSamples([sample(1)], 'otlp:a', STALE_MS);
    const flushed = writer.flushed();
    await writer.close();
    expect(await flushed).toBe(true);
    expect(store.samples.all.map((s) => s.ts)).toEqual([1]);
  });

  it('makes each store call in a turn of the event loop of its own, check results 500 at a time', async () => {
    // On SQLite a store call is synchronous work: chained as microtasks they held the loop for the
    // whole flush (at 40,000 checks, ~50 ms of appends and upserts after the probe outcomes).
    vi.useRealTimers();
    const store = new MemoryStore();
    const events: string[] = [];
    const append = store.samples.append;
    store.samples.append = (samples) => (events.push(`append ${samples.length}`), append(samples));
    const record = store.checks.record;
    store.checks.record = (results) => (events.push(`record ${results.length}`), record(results));
    let ticking = true;
    const tick = () => {
      events.push('turn');
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const writer = newWriter(store, { log: () => {} });
    for (let i = 0; i < 1_200; i++) writer.write([sample(i), sample(i + 5_000)], result(`check-${i}`, i), STALE_MS);
    await writer.flush();
    ticking = false;
    const calls = events.filter((e) => e !== 'turn');
    expect(calls).toEqual(['append 2000', 'append 400', 'record 500', 'record 500', 'record 200']);
    // A turn of the loop between any two store calls.
    const between = events.slice(events.indexOf(calls[0]!)).join(',');
    expect(between).not.toMatch(/(append|record) \d+,(append|record)/);
    expect(store.results.size).toBe(1_200);
    await writer.close();
  });

  it('close() writes what is left', async () => {
    const store = new MemoryStore();
    const writer = newWriter(store, { log: () => {} });
    writer.write([sample(1)], result('a', 1), STALE_MS);
    await writer.close();
    expect(store.samples.all).toHaveLength(1);
    writer.write([sample(2)], result('a', 2), STALE_MS);
    expect(writer.stats().droppedSamples).toBe(1);
  });
});
