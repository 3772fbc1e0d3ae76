// SQLite's reader threads: series queries run on their own connections to the WAL file, so they see
// committed data only and never wait for the writer (an open transaction, a long append).
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Sample, SeriesQuery } from '../../store/types.js';
import { tempDbPath } from '../helpers/temp-db.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const sample = (ts: number, value: number): Sample => ({ name: 'queue_depth', labels: { env: 'prod', queue: 'exports' }, ts, value });
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
});
