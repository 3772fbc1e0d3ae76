// Rollup rows on PostgreSQL: folding raw samples into 1-minute rows and minutes into hours in JS (so
// the numbers are the SQLite engine's, see rollups.ts), and writing them.
import { LogHistogram } from '../histogram.js';
import { alignDown, HOUR_MS, rawToMinuteHistograms, rawToMinuteStats, type RawRow } from '../step-aggregate.js';
import type { PoolClient } from './connection.js';
import { copyIn } from './copy-in.js';

/** One rollup row: [series_id, bucket, count, sum, min, max, success, last, hist]. */
export type BucketRow = [seriesId: number, bucket: number, count: number, sum: number, min: number, max: number, success: number, last: number, hist: Uint8Array];

export type RollupTable = 'rollup_1m' | 'rollup_1h';

/**
 * Calls `visit` once per series, in id order, with its [ts, value] rows in time order; `rows` are
 * [series_id, ts, value] in any order (the reads leave sorting out: PostgreSQL would sort each series'
 * handful of rows per index probe, which cost more than sorting them here).
 */
export function forEachSeries(rows: ReadonlyArray<readonly [number, number, number]>, visit: (seriesId: number, rows: RawRow[]) => void): void {
  const bySeries = new Map<number, RawRow[]>();
  for (const [seriesId, ts, value] of rows) {
    const series = bySeries.get(seriesId);
    if (series === undefined) bySeries.set(seriesId, [[ts, value]]);
    else series.push([ts, value]);
  }
  for (const seriesId of [...bySeries.keys()].sort((a, b) => a - b)) visit(seriesId, bySeries.get(seriesId)!.sort((a, b) => a[0] - b[0]));
}

/** The 1m rows of one series' raw rows (ascending ts), as a query folds its raw tail. */
export function foldMinutes(seriesId: number, rows: readonly RawRow[]): BucketRow[] {
  const stats = rawToMinuteStats(rows);
  const histograms = rawToMinuteHistograms(rows);
  const result: BucketRow[] = [];
  let i = 0;
  stats.forEach(([minute, count, sum, min, max, last], k) => {
    let success = 0;
    for (const end = i + count; i < end; i++) if (rows[i]![1] > 0) success++;
    result.push([seriesId, minute, count, sum, min, max, success, last, histograms[k]![1]]);
  });
  return result;
}

/**
 * Hour rows being merged from minute rows, the way SQLite's upsert merges them: one minute at a time
 * in minute order onto the stored hour row, so count and sum are ((h + m1) + m2)…, min and max kept,
 * `last` the latest minute's, histograms added.
 */
export class HourMerge {
  readonly #hours = new Map<string, { row: BucketRow; histogram: LogHistogram | null; touched: boolean }>();

  /** An hour row as stored; minutes added later merge onto it. */
  start(row: BucketRow): void {
    this.#hours.set(`${row[0]}:${row[1]}`, { row: [...row] as BucketRow, histogram: null, touched: false });
  }

  /** Merges a minute row into its hour (creating the hour from it when there is none). */
  add(minute: BucketRow): void {
    const bucket = alignDown(minute[1], HOUR_MS);
    const key = `${minute[0]}:${bucket}`;
    const hour = this.#hours.get(key);
    if (hour === undefined) {
      const row: BucketRow = [...minute];
      row[1] = bucket;
      this.#hours.set(key, { row, histogram: null, touched: true });
      return;
    }
    const row = hour.row;
    row[2] += minute[2];
    row[3] += minute[3];
    row[4] = Math.min(row[4], minute[4]);
    row[5] = Math.max(row[5], minute[5]);
    row[6] += minute[6];
    row[7] = minute[7];
    (hour.histogram ??= LogHistogram.decode(row[8])).mergeEncoded(minute[8]);
    hour.touched = true;
  }

  has(seriesId: number, hour: number): boolean {
    return this.#hours.has(`${seriesId}:${hour}`);
  }

  /** The hours a minute was merged into, ready to write. */
  rows(): BucketRow[] {
    const rows: BucketRow[] = [];
    for (const hour of this.#hours.values()) {
      if (!hour.touched) continue;
      if (hour.histogram !== null) hour.row[8] = hour.histogram.encode();
      rows.push(hour.row);
    }
    return rows;
  }
}

/** COPY text of bucket rows; numbers print exactly (shortest round-trip form), bytea as \x hex. */
function copyText(rows: readonly BucketRow[]): Buffer {
  let text = '';
  for (const r of rows) {
    text += `${r[0]}\t${r[1]}\t${r[2]}\t${r[3]}\t${r[4]}\t${r[5]}\t${r[6]}\t${r[7]}\t\\\\x${Buffer.from(r[8].buffer, r[8].byteOffset, r[8].byteLength).toString('hex')}\n`;
  }
  return Buffer.from(text);
}

const COLUMNS = '(series_id, bucket, count, sum, min, max, success, last, hist)';
const UNIQUE_VIOLATION = '23505';
// Created when missing on every use (a temp table lives per connection, and one created in a
// transaction that rolled back is gone), cleared in the same round trip.
const STAGE_SQL = `
CREATE TEMP TABLE IF NOT EXISTS vigil_bucket_stage (LIKE rollup_1m) ON COMMIT DELETE ROWS;
TRUNCATE vigil_bucket_stage`;

/**
 * Writes rows none of which should exist yet (the minutes a pass folds): one COPY, inside a savepoint
 * so that, should one exist after all, the batch is redone as an upsert.
 */
export async function insertBuckets(client: PoolClient, table: RollupTable, rows: readonly BucketRow[]): Promise<void> {
  if (rows.length === 0) return;
  try {
    await copyIn(client, `SAVEPOINT vigil_buckets; COPY ${table} ${COLUMNS} FROM STDIN`, copyText(rows));
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    await client.query('ROLLBACK TO SAVEPOINT vigil_buckets');
    await upsertBuckets(client, table, rows);
  }
  await client.query('RELEASE SAVEPOINT vigil_buckets');
}

/** Writes rows replacing those stored for the same (series, bucket): COPY to a staging table, then one upsert. */
export async function upsertBuckets(client: PoolClient, table: RollupTable, rows: readonly BucketRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(STAGE_SQL);
  await copyIn(client, `COPY vigil_bucket_stage ${COLUMNS} FROM STDIN`, copyText(rows));
  await client.query(`
    INSERT INTO ${table} ${COLUMNS} SELECT * FROM vigil_bucket_stage
    ON CONFLICT (series_id, bucket) DO UPDATE SET
      count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
      success = excluded.success, last = excluded.last, hist = excluded.hist`);
}
