// Series identity: metric name + sorted labels → integer id, cached in memory for the append path.
import type { SqliteDatabase } from './db.js';
import type { SeriesRow } from '../query.js';
import { labelsKey } from '../labels.js';
import type { Labels } from '../types.js';
import { LabelTries, type LabelTrie } from '../label-trie.js';

/**
 * Maps (metric, labels) to series ids. Ids are cached in memory so an append does not query SQLite
 * per sample; ids created inside a transaction that rolls back are dropped with `forgetUncommitted`.
 */
export class SeriesCatalog {
  private readonly cache = new LabelTries();
  private uncommitted: LabelTrie[] = [];
  private readonly select;
  private readonly insert;
  private readonly byMetric;

  constructor(db: SqliteDatabase) {
    this.select = db.prepare<[string, string], { id: number }>('SELECT id FROM series WHERE metric = ? AND labels = ?');
    this.insert = db.prepare<[string, string], { id: number }>(
      'INSERT INTO series (metric, labels) VALUES (?, ?) RETURNING id',
    );
    this.byMetric = db.prepare<[string], { id: number; labels: string }>(
      'SELECT id, labels FROM series WHERE metric = ? ORDER BY labels',
    );
  }

  /** The id of the series, creating it when new; call inside the append transaction. */
  idFor(metric: string, labels: Labels): number {
    const node = this.cache.node(metric, labels);
    if (node.id !== undefined) return node.id;
    const key = labelsKey(labels);
    node.id = (this.select.get(metric, key) ?? this.insert.get(metric, key)!).id;
    this.uncommitted.push(node);
    return node.id;
  }

  /** Ids cached since the last commit are real now. */
  commit(): void {
    if (this.uncommitted.length > 0) this.uncommitted = [];
  }

  /** The transaction that created the cached ids rolled back: forget them. */
  forgetUncommitted(): void {
    for (const node of this.uncommitted) node.id = undefined;
    this.uncommitted = [];
  }

  /** Every series of `metric`, sorted by label key. */
  find(metric: string): SeriesRow[] {
    return this.byMetric.all(metric).map((row) => ({ id: row.id, labels: JSON.parse(row.labels) as Labels, key: row.labels }));
  }
}
