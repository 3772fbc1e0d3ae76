// Retention: deletes raw samples and rollup buckets older than their resolution's horizon, in bounded
// batches so a caller can yield to the event loop between calls.
import type { SqliteDatabase } from './db.js';
import { HOUR_MS, MINUTE_MS } from '../step-aggregate.js';
import type { Retention } from '../types.js';

/** Deletes up to :limit raw samples with ts < :cutoff; each series is one PK range seek, never a table scan. */
export const DELETE_OLD_SAMPLES_SQL = `
DELETE FROM samples WHERE (series_id, ts) IN (
  SELECT r.series_id, r.ts FROM series s CROSS JOIN samples r ON r.series_id = s.id
  WHERE r.ts < :cutoff LIMIT :limit)`;

function deleteOldBucketsSql(table: 'rollup_1m' | 'rollup_1h'): string {
  return `
DELETE FROM ${table} WHERE (series_id, bucket) IN (
  SELECT r.series_id, r.bucket FROM series s CROSS JOIN ${table} r ON r.series_id = s.id
  WHERE r.bucket <= :cutoff LIMIT :limit)`;
}

/** Prepared retention statements; `run` deletes at most `batch` rows per table. */
export class RetentionRunner {
  private readonly deleteSamples;
  private readonly deleteMinutes;
  private readonly deleteHours;
  private readonly runInTransaction: (at: number, retention: Retention, batch: number) => number;

  constructor(db: SqliteDatabase) {
    this.deleteSamples = db.prepare(DELETE_OLD_SAMPLES_SQL);
    this.deleteMinutes = db.prepare(deleteOldBucketsSql('rollup_1m'));
    this.deleteHours = db.prepare(deleteOldBucketsSql('rollup_1h'));
    this.runInTransaction = db.transaction((at: number, retention: Retention, batch: number) => {
      // A rollup bucket goes once all of it is past the horizon: bucket + width <= at - retention.
      return (
        this.deleteSamples.run({ cutoff: at - retention.rawMs, limit: batch }).changes +
        this.deleteMinutes.run({ cutoff: at - retention.oneMinuteMs - MINUTE_MS, limit: batch }).changes +
        this.deleteHours.run({ cutoff: at - retention.oneHourMs - HOUR_MS, limit: batch }).changes
      );
    });
  }

  /** Deletes data older than the retention, at most `batch` rows per table; returns rows deleted. */
  run(at: number, retention: Retention, batch: number): number {
    if (!Number.isInteger(batch) || batch <= 0) throw new RangeError(`retention batch must be a positive integer, got ${batch}`);
    return this.runInTransaction(at, retention, batch);
  }
}
