// SQLite's reader threads: series queries run on their own connections to the WAL file, so they see
// committed data only and never wait for the writer (an open transaction, a long append).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { BACKGROUND_NICE } from '../../lib/background-thread.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Sample, SeriesQuery } from '../../store/types.js';
import { tempDbPath } from '../helpers/temp-db.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const sample = (ts: number, value: number): Sample => ({ name: 'queue_depth', labels: { env: 'prod', queue: 'exports' }, ts, value });
/** The nice value of each thread of this process (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended while listed
    }
  });
}

const QUERY: SeriesQuery = { metric: 'queue_depth', matchers: [], from: T0, to: T0 + 60_000, stepMs: 10_000, aggregate: 'count' };

describe('SQLite reader threads', () => {
  it('answer a query while a transaction is open, from what was committed before it', async () => {
    const store = await openSqliteStore(tempDbPath(), { readers: 1 });
    try {
      await store.samples.append([sample(T0, 1)]);
      let finish!: () => void;
      const held = new Promise<void>((resolve) => (finish = resolve));
      const transaction = store.transaction(async (tx) => {
        await tx.samples.append([sample(T0 + 1000, 2)]);
        await held;
      });
      // The writer is held by the transaction; the reader thread answers anyway, without its sample.
      expect((await store.samples.query(QUERY)).series[0]!.points).toEqual([[T0, 1]]);
      finish();
      await transaction;
      expect((await store.samples.query(QUERY)).series[0]!.points).toEqual([[T0, 2]]);
    } finally {
      await store.close();
    }
  });

  it('spread queries over the threads and give each its own answer', async () => {
    const store = await openSqliteStore(tempDbPath(), { readers: 2 });
    try {
      await store.samples.append(Array.from({ length: 6 }, (_, i) => sample(T0 + i * 10_000, i)));
      const answers = await Promise.all(
        [0, 1, 2, 3, 4, 5].map((i) => store.samples.query({ ...QUERY, from: T0 + i * 10_000, to: T0 + (i + 1) * 10_000, aggregate: 'max' })),
      );
      expect(answers.map((a) => a.series[0]!.points)).toEqual([0, 1, 2, 3, 4, 5].map((i) => [[T0 + i * 10_000, i]]));
    } finally {
      await store.close();
    }
  });

  // On a busy machine a long query must not take CPU from the scheduler's thread and the probe workers.
  it.runIf(process.platform === 'linux')('run at a lower CPU priority than the thread that opened the store, the WAL checkpointer too (Linux)', async () => {
    const mine = os.getPriority();
    const backgroundBefore = threadNiceValues().filter((nice) => nice >= BACKGROUND_NICE).length;
    const store = await openSqliteStore(tempDbPath(), { readers: 2 });
    try {
      await store.samples.append([sample(T0, 1)]);
      expect((await store.samples.query(QUERY)).series[0]!.points).toEqual([[T0, 1]]);
      // Two readers and the checkpointer.
      expect(threadNiceValues().filter((nice) => nice >= BACKGROUND_NICE).length - backgroundBefore).toBe(3);
      expect(os.getPriority()).toBe(mine);
    } finally {
      await store.close();
    }
  });

  // The writer's connection checkpoints only inside the commit that takes the WAL past 10,000 pages
  // (a 60–72 ms stall of the main thread in bench/store.mjs); the checkpointer thread copies committed
  // pages back first, whether or not the readers are busy.
  it('copy committed pages into the database file from a thread of their own (WAL checkpoint off the main thread)', async () => {
    const file = tempDbPath();
    const store = await openSqliteStore(file, { readers: 1 });
    try {
      const sizeBefore = statSync(file).size;
      // ~2 MB of rows: a few hundred WAL pages, far under the writer's own checkpoint threshold.
      const rows = Array.from({ length: 20_000 }, (_, i): Sample => ({ name: 'queue_depth', labels: { env: 'prod', queue: `q${i % 200}` }, ts: T0 + Math.floor(i / 200) * 1000, value: i }));
      await store.samples.append(rows);
      let size = statSync(file).size;
      for (let waited = 0; size === sizeBefore && waited < 10_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        size = statSync(file).size;
      }
      expect(size).toBeGreaterThan(sizeBefore);
      // Still one consistent store: the reader answers from the same rows.
      expect((await store.samples.query({ ...QUERY, matchers: [{ label: 'queue', op: '=', value: 'q7' }], to: T0 + 100_000, aggregate: 'count' })).series[0]!.points.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
