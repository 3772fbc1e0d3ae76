// Series identity on PostgreSQL: metric name + sorted labels → integer id, cached in memory for the
// append path like store/sqlite/series.ts. Several transactions run at once here (a pool), so an id a
// transaction created is visible only to that transaction until it commits: another one must not
// write samples under an id that a rollback would take away.
import { LabelTries, type LabelTrie } from '../label-trie.js';
import { labelsKey } from '../labels.js';
import type { SeriesRow } from '../query.js';
import type { Labels } from '../types.js';
import type { PoolClient } from './connection.js';


/** Ids a transaction resolved that are not (known to be) committed yet, by trie node. */
export type PendingIds = Map<LabelTrie, number>;

const INSERT_SERIES_SQL = `
INSERT INTO series (metric, labels)
SELECT metric, labels FROM unnest($1::text[], $2::text[]) AS t(metric, labels) ORDER BY metric, labels
ON CONFLICT (metric, labels) DO NOTHING
RETURNING id, metric, labels`;

const SELECT_SERIES_SQL = `
SELECT s.id, s.metric, s.labels FROM unnest($1::text[], $2::text[]) AS t(metric, labels)
JOIN series s ON s.metric = t.metric AND s.labels = t.labels`;

/** Maps (metric, labels) to series ids; `commit` or drop a transaction's PendingIds when it ends. */
export class SeriesCatalog {
  private readonly cache = new LabelTries();

  /** The trie node of a series: the same node for the same metric and labels written in the same key order. */
  node(metric: string, labels: Labels): LabelTrie {
    return this.cache.node(metric, labels);
  }

  /**
   * Resolves the ids of `misses` (nodes with neither a committed nor a pending id) on `client`,
   * inside its transaction, creating the series that do not exist; adds them to `pending`.
   */
  async resolve(client: PoolClient, misses: ReadonlyMap<LabelTrie, { metric: string; labels: Labels }>, pending: PendingIds): Promise<void> {
    const byKey = new Map<string, LabelTrie[]>();
    const metrics: string[] = [];
    const keys: string[] = [];
    for (const [node, { metric, labels }] of misses) {
      const key = `${metric}\u0000${labelsKey(labels)}`;
      const nodes = byKey.get(key);
      if (nodes) {
        nodes.push(node);
        continue;
      }
      byKey.set(key, [node]);
      metrics.push(metric);
      keys.push(key.slice(metric.length + 1));
    }
    const found = (rows: Array<{ id: number; metric: string; labels: string }>) => {
      for (const row of rows) {
        const key = `${row.metric}\u0000${row.labels}`;
        for (const node of byKey.get(key) ?? []) pending.set(node, row.id);
        byKey.delete(key);
      }
    };
    // Inserted in sorted order, so two transactions creating the same series lock them in one order.
    found((await client.query(INSERT_SERIES_SQL, [metrics, keys])).rows);
    if (byKey.size === 0) return;
    // Existing series, including one another transaction committed while this insert waited for it.
    const missing = [...byKey.keys()].map((key) => key.split('\u0000') as [string, string]);
    found((await client.query(SELECT_SERIES_SQL, [missing.map(([m]) => m), missing.map(([, l]) => l)])).rows);
    if (byKey.size > 0) throw new Error(`store: series ${[...byKey.keys()][0]!.replace('\u0000', ' ')} was neither created nor found`);
  }

  /** The transaction that resolved `pending` committed: its ids are real for everyone now. */
  commit(pending: PendingIds): void {
    for (const [node, id] of pending) node.id = id;
  }
}

/** Every series of `metric` (unsorted: the query runner sorts by label key). */
export async function findSeries(client: PoolClient, metric: string): Promise<SeriesRow[]> {
  const result = await client.query<[number, string]>({
    name: 'vigil_series_of_metric',
    text: 'SELECT id, labels FROM series WHERE metric = $1',
    values: [metric],
    rowMode: 'array',
  });
  return result.rows.map(([id, labels]) => ({ id, labels: JSON.parse(labels) as Labels, key: labels }));
}
