// Retention on PostgreSQL: deletes raw samples and rollup buckets older than their resolution's
// horizon, at most `batch` rows per table per call, each table walked one index range per series.
import { HOUR_MS, MINUTE_MS } from '../step-aggregate.js';
import type { Retention } from '../types.js';
import type { PoolClient } from './connection.js';

/** Deletes up to $2 rows of `table` whose `column` is below $1 (or at most $1 with `inclusive`). */
export function deleteOldRowsSql(table: 'samples' | 'rollup_1m' | 'rollup_1h', column: 'ts' | 'bucket', inclusive: boolean): string {
  const below = inclusive ? '<=' : '<';
  // By ctid: the rows the per-series seeks found, deleted without a second index search.
  return `
DELETE FROM ${table} WHERE ctid = ANY (ARRAY(
  SELECT r.ctid FROM series s CROSS JOIN LATERAL (
    SELECT ctid FROM ${table} WHERE series_id = s.id AND ${column} ${below} $1 ORDER BY ${column} LIMIT $2) r
  LIMIT $2))`;
}

const DELETE_SAMPLES_SQL = deleteOldRowsSql('samples', 'ts', false);
const DELETE_MINUTES_SQL = deleteOldRowsSql('rollup_1m', 'bucket', true);
const DELETE_HOURS_SQL = deleteOldRowsSql('rollup_1h', 'bucket', true);

/** Deletes data older than the retention, at most `batch` rows per table, inside the caller's transaction. */
export async function enforceRetention(client: PoolClient, at: number, retention: Retention, batch: number): Promise<number> {
  if (!Number.isInteger(batch) || batch <= 0) throw new RangeError(`retention batch must be a positive integer, got ${batch}`);
  const deleted = async (sql: string, cutoff: number) => (await client.query(sql, [cutoff, batch])).rowCount ?? 0;
  // A rollup bucket goes once all of it is past the horizon: bucket + width <= at - retention.
  return (
    (await deleted(DELETE_SAMPLES_SQL, at - retention.rawMs)) +
    (await deleted(DELETE_MINUTES_SQL, at - retention.oneMinuteMs - MINUTE_MS)) +
    (await deleted(DELETE_HOURS_SQL, at - retention.oneHourMs - HOUR_MS))
  );
}
