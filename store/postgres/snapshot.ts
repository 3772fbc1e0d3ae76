// Series queries on PostgreSQL: rows for the shared query runner (store/query.ts), all read in one
// REPEATABLE READ READ ONLY transaction, so rollup progress and rollup rows come from one snapshot.
import { runSeriesQuery, type QuerySnapshot } from '../query.js';
import type { RawRow, RollupHistRow, RollupStatsRow } from '../step-aggregate.js';
import type { QueryLimits, SeriesQuery, SeriesQueryResult } from '../types.js';
import { rollbackQuietly, type Pool, type PoolClient } from './connection.js';
import { foldedThrough, parseProgress, PROGRESS_SQL } from './progress.js';
import { findSeries } from './series.js';

/** Reads one series' raw samples in [from, to): an index range scan of the primary key. */
export const RAW_RANGE_SQL = 'SELECT ts, value FROM samples WHERE series_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts LIMIT $4';

/** Reads one series' rollup buckets in [from, to) from `table`: an index range scan of the primary key. */
export function rollupRangeSql(table: 'rollup_1m' | 'rollup_1h', columns: 'stats' | 'hist'): string {
  const selected = columns === 'stats' ? 'bucket, count, sum, min, max, last' : 'bucket, hist';
  return `SELECT ${selected} FROM ${table} WHERE series_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket LIMIT $4`;
}

const TABLE = { '1m': 'rollup_1m', '1h': 'rollup_1h' } as const;

/** Answers `query` from one snapshot of the database. */
export async function querySeries(pool: Pool, query: SeriesQuery, limits?: QueryLimits): Promise<SeriesQueryResult> {
  const client = await pool.connect();
  let broken = false;
  try {
    // The snapshot is taken by the first statement after BEGIN: the progress read, in the same round trip.
    const results = (await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ${PROGRESS_SQL}`)) as unknown as Array<{
      rows: Array<{ key: string; value: number }>;
    }>;
    const progress = parseProgress(results[1]!.rows);
    const snapshot: QuerySnapshot = {
      series: (metric) => findSeries(client, metric),
      foldedThrough: (seriesId) => foldedThrough(progress, seriesId),
      raw: (id, from, to, limit) => rows<RawRow>(client, 'vigil_raw_range', RAW_RANGE_SQL, id, from, to, limit),
      rollupStats: (resolution, id, from, to, limit) =>
        rows<RollupStatsRow>(client, `vigil_${resolution}_stats`, rollupRangeSql(TABLE[resolution], 'stats'), id, from, to, limit),
      rollupHist: (resolution, id, from, to, limit) =>
        rows<RollupHistRow>(client, `vigil_${resolution}_hist`, rollupRangeSql(TABLE[resolution], 'hist'), id, from, to, limit),
    };
    const result = await runSeriesQuery(snapshot, query, limits);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = !(await rollbackQuietly(client));
    throw error;
  } finally {
    client.release(broken);
  }
}

async function rows<T>(client: PoolClient, name: string, text: string, id: number, from: number, to: number, limit: number): Promise<T[]> {
  const result = await client.query({ name, text, values: [id, bigintBound(from), bigintBound(to), limit], rowMode: 'array' });
  return result.rows as T[];
}

/**
 * A time bound as a bigint parameter: for integer columns `ts >= x` is `ts >= ceil(x)` and `ts < x` is
 * `ts < ceil(x)`, and a bound past any stored time (-Infinity) is the widest range.
 */
function bigintBound(ts: number): number {
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.ceil(ts)));
}
