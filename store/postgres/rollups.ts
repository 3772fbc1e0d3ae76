// 1-minute and 1-hour rollups on PostgreSQL, with the SQLite engine's semantics (store/sqlite/rollups.ts
// explains the watermark, the passes of at most an hour, the chunks of series and the dirty minutes of
// late samples) and the same numbers: minutes are folded in JS with the functions queries use for the
// raw tail (rawToMinuteStats/rawToMinuteHistograms, whose sum is SQLite's compensated sum), and hours
// merged from minutes in minute order, so both engines store the same rollups bit for bit.
//
// Each rollUp call is one transaction holding the rollup lock exclusively (appends hold it shared, see
// connection.ts), and reads the progress from `meta` under it: several Vigils on one database take
// turns, and each call resumes wherever the last one, of any process, stopped.
import { LogHistogram } from '../histogram.js';
import { alignDown, HOUR_MS, MINUTE_MS, rawToMinuteHistograms, rawToMinuteStats, type RawRow } from '../step-aggregate.js';
import type { RollUpProgress } from '../types.js';
import { ROLLUP_LOCK, type PoolClient } from './connection.js';
import { FOLDED_TO_KEY, PASS_AFTER_KEY, PASS_TO_KEY, readProgress, type RollupState } from './progress.js';

/** Series per rollUp call unless the caller says otherwise (the SQLite engine's default). */
export const DEFAULT_ROLLUP_MAX_SERIES = 2000;
const MAX_PASS_MS = HOUR_MS;

/** One rollup row: [series_id, bucket, count, sum, min, max, success, last, hist]. */
type BucketRow = [seriesId: number, bucket: number, count: number, sum: number, min: number, max: number, success: number, last: number, hist: Uint8Array];

/** Raw samples of series :after < id <= :through in [:from, :to), one index range per series. */
export const CHUNK_RAW_SQL = `
SELECT s.id, r.ts, r.value FROM series s CROSS JOIN LATERAL (
  SELECT ts, value FROM samples WHERE series_id = s.id AND ts >= $3 AND ts < $4 ORDER BY ts) r
WHERE s.id > $1 AND s.id <= $2
ORDER BY s.id, r.ts`;

/** Raw samples of the given (series, minute) pairs. */
const DIRTY_RAW_SQL = `
SELECT d.series_id, d.bucket, r.ts, r.value FROM unnest($1::int[], $2::bigint[]) AS d(series_id, bucket)
CROSS JOIN LATERAL (
  SELECT ts, value FROM samples WHERE series_id = d.series_id AND ts >= d.bucket AND ts < d.bucket + ${MINUTE_MS} ORDER BY ts) r
ORDER BY d.series_id, d.bucket, r.ts`;

/** The 1m rows of the given (series, hour) pairs, in minute order. */
const HOUR_MINUTES_SQL = `
SELECT h.series_id, m.bucket, m.count, m.sum, m.min, m.max, m.success, m.last, m.hist
FROM unnest($1::int[], $2::bigint[]) AS h(series_id, hour)
CROSS JOIN LATERAL (
  SELECT bucket, count, sum, min, max, success, last, hist FROM rollup_1m
  WHERE series_id = h.series_id AND bucket >= h.hour AND bucket < h.hour + ${HOUR_MS} ORDER BY bucket) m
ORDER BY h.series_id, m.bucket`;

const EXISTING_HOURS_SQL = `
SELECT series_id, bucket, count, sum, min, max, success, last, hist FROM rollup_1h
WHERE series_id = ANY($1::int[]) AND bucket >= $2 AND bucket < $3`;

function upsertSql(table: 'rollup_1m' | 'rollup_1h'): string {
  return `
INSERT INTO ${table} (series_id, bucket, count, sum, min, max, success, last, hist)
SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::float8[], $5::float8[], $6::float8[], $7::bigint[], $8::float8[], $9::bytea[])
ON CONFLICT (series_id, bucket) DO UPDATE SET
  count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
  success = excluded.success, last = excluded.last, hist = excluded.hist`;
}

/** The earliest sample at or after $1 over all series: one index seek per series. */
const NEXT_SAMPLE_SQL = `
SELECT min((SELECT r.ts FROM samples r WHERE r.series_id = s.id AND r.ts >= $1 ORDER BY r.ts LIMIT 1)) AS ts FROM series s`;

const SAVE_META_SQL = 'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value';

/**
 * One bounded step of folding the minutes closed at `at`, on `client` inside a transaction of its own
 * (the caller commits): recomputes up to `maxSeries` dirty minutes, or folds one chunk of up to
 * `maxSeries` series.
 */
export async function rollUpStep(client: PoolClient, at: number, maxSeries = DEFAULT_ROLLUP_MAX_SERIES): Promise<RollUpProgress> {
  if (!Number.isSafeInteger(maxSeries) || maxSeries <= 0) throw new RangeError(`rollUp maxSeries must be a positive integer, got ${maxSeries}`);
  if (!Number.isFinite(at)) throw new RangeError(`rollUp at must be a finite time, got ${at}`);
  const target = alignDown(at, MINUTE_MS);
  // The lock, then the progress in a statement of its own (its own snapshot): what the last step committed.
  await client.query(`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK})`);
  let state = await readProgress(client);
  if (await hasDirty(client)) {
    const buckets = await recomputeDirty(client, maxSeries);
    const more = (await hasDirty(client)) || rangeWorkLeft(state, target);
    return { buckets, more };
  }
  if (state.passTo === null) {
    const pass = await startPass(client, state, target);
    if (pass === null) return { buckets: 0, more: false };
    state = pass;
  }
  const after = state.passAfter;
  const from = state.foldedTo!;
  const to = state.passTo!;
  const end = await client.query<{ id: number }>('SELECT id FROM series WHERE id > $1 ORDER BY id LIMIT 1 OFFSET $2', [after, maxSeries - 1]);
  const last = end.rows.length === 0;
  const through = last ? 2 ** 31 - 1 : end.rows[0]!.id;
  const buckets = await foldChunk(client, after, through, from, to);
  if (last) {
    await saveMeta(client, FOLDED_TO_KEY, to);
    await client.query(`DELETE FROM meta WHERE key IN ('${PASS_TO_KEY}', '${PASS_AFTER_KEY}')`);
    state = { foldedTo: to, passTo: null, passAfter: 0 };
  } else {
    await saveMeta(client, FOLDED_TO_KEY, from);
    await saveMeta(client, PASS_TO_KEY, to);
    await saveMeta(client, PASS_AFTER_KEY, through);
    state = { foldedTo: from, passTo: to, passAfter: through };
  }
  return { buckets, more: rangeWorkLeft(state, target) };
}

/** The watermark as saved (null before the first rollUp). */
export async function rolledUpTo(client: PoolClient): Promise<number | null> {
  return (await readProgress(client)).foldedTo;
}

function rangeWorkLeft(state: RollupState, target: number): boolean {
  return state.passTo !== null || state.foldedTo === null || target > state.foldedTo;
}

async function hasDirty(client: PoolClient): Promise<boolean> {
  return (await client.query('SELECT 1 FROM rollup_dirty LIMIT 1')).rows.length > 0;
}

async function saveMeta(client: PoolClient, key: string, value: number): Promise<void> {
  await client.query(SAVE_META_SQL, [key, value]);
}

/**
 * A pass over closed minutes from the watermark, skipping a stretch with no samples at all (the first
 * rollUp, or after downtime); null when there is nothing to fold before `target`.
 */
async function startPass(client: PoolClient, state: RollupState, target: number): Promise<RollupState | null> {
  if (state.foldedTo !== null && target <= state.foldedTo) return null;
  let from = state.foldedTo ?? Number.MIN_SAFE_INTEGER;
  if (state.foldedTo === null || target - state.foldedTo > MAX_PASS_MS) {
    const next = (await client.query<{ ts: number | null }>(NEXT_SAMPLE_SQL, [from])).rows[0]?.ts ?? null;
    // No sample anywhere in [from, target): nothing to fold, and a sample appended there later is late.
    from = next === null ? target : Math.min(target, Math.max(from, alignDown(next, MINUTE_MS)));
  }
  if (from >= target) {
    await saveMeta(client, FOLDED_TO_KEY, target);
    return null;
  }
  return { foldedTo: from, passTo: Math.min(target, from + MAX_PASS_MS), passAfter: 0 };
}

/** Folds raw samples of a chunk into 1m rows, merges those into their hours; returns rows folded + merged. */
async function foldChunk(client: PoolClient, after: number, through: number, from: number, to: number): Promise<number> {
  const raw = await client.query<[number, number, number]>({ text: CHUNK_RAW_SQL, values: [after, through, from, to], rowMode: 'array' });
  const minutes: BucketRow[] = [];
  forEachSeries(raw.rows, (seriesId, rows) => minutes.push(...foldMinutes(seriesId, rows)));
  if (minutes.length === 0) return 0;
  await upsert(client, 'rollup_1m', minutes);

  // Merge into the hours as the SQLite engine does, one minute at a time in (series, minute) order,
  // onto the hour rows already stored: sum is ((h + m1) + m2)…, whichever calls the minutes came in.
  const seriesIds = [...new Set(minutes.map((row) => row[0]))];
  const existing = await client.query<BucketRow>({
    text: EXISTING_HOURS_SQL,
    values: [seriesIds, alignDown(from, HOUR_MS), to],
    rowMode: 'array',
  });
  const hours = new Map<string, HourAccumulator>();
  for (const row of existing.rows) hours.set(`${row[0]}:${row[1]}`, HourAccumulator.of(row));
  for (const minute of minutes) {
    const key = `${minute[0]}:${alignDown(minute[1], HOUR_MS)}`;
    const hour = hours.get(key);
    if (hour === undefined) hours.set(key, HourAccumulator.of([minute[0], alignDown(minute[1], HOUR_MS), ...rest(minute)]).touch());
    else hour.add(minute);
  }
  await upsert(client, 'rollup_1h', [...hours.values()].filter((hour) => hour.touched).map((hour) => hour.row()));
  return minutes.length * 2;
}

/**
 * Recomputes up to `limit` dirty minutes from raw, then rebuilds each affected hour from its 1m rows.
 * A dirty minute without raw samples left (retention took them) keeps its 1m row, as on SQLite.
 */
async function recomputeDirty(client: PoolClient, limit: number): Promise<number> {
  const dirty = await client.query<[number, number]>({
    text: 'SELECT series_id, bucket FROM rollup_dirty ORDER BY series_id, bucket LIMIT $1',
    values: [limit],
    rowMode: 'array',
  });
  const seriesIds = dirty.rows.map((row) => row[0]);
  const buckets = dirty.rows.map((row) => row[1]);
  const raw = await client.query<[number, number, number, number]>({ text: DIRTY_RAW_SQL, values: [seriesIds, buckets], rowMode: 'array' });
  const minutes: BucketRow[] = [];
  forEachSeries(
    raw.rows.map((row) => [row[0], row[2], row[3]] as [number, number, number]),
    (seriesId, rows) => minutes.push(...foldMinutes(seriesId, rows)),
  );
  if (minutes.length > 0) await upsert(client, 'rollup_1m', minutes);
  await client.query('DELETE FROM rollup_dirty WHERE (series_id, bucket) IN (SELECT * FROM unnest($1::int[], $2::bigint[]))', [seriesIds, buckets]);

  const hourKeys = new Map<string, [number, number]>();
  for (const [seriesId, minute] of dirty.rows) hourKeys.set(`${seriesId}:${alignDown(minute, HOUR_MS)}`, [seriesId, alignDown(minute, HOUR_MS)]);
  const pairs = [...hourKeys.values()];
  const hourMinutes = await client.query<BucketRow>({
    text: HOUR_MINUTES_SQL,
    values: [pairs.map((pair) => pair[0]), pairs.map((pair) => pair[1])],
    rowMode: 'array',
  });
  const rebuilt = new Map<string, HourAccumulator>();
  for (const minute of hourMinutes.rows) {
    const key = `${minute[0]}:${alignDown(minute[1], HOUR_MS)}`;
    const hour = rebuilt.get(key);
    if (hour === undefined) rebuilt.set(key, HourAccumulator.of([minute[0], alignDown(minute[1], HOUR_MS), ...rest(minute)]));
    else hour.add(minute);
  }
  if (rebuilt.size > 0) await upsert(client, 'rollup_1h', [...rebuilt.values()].map((hour) => hour.row()));
  // An hour none of whose minutes is left goes too.
  const gone = pairs.filter(([seriesId, hour]) => !rebuilt.has(`${seriesId}:${hour}`));
  const deleted = gone.length === 0 ? 0 : (await client.query(
    'DELETE FROM rollup_1h WHERE (series_id, bucket) IN (SELECT * FROM unnest($1::int[], $2::bigint[]))',
    [gone.map((pair) => pair[0]), gone.map((pair) => pair[1])],
  )).rowCount ?? 0;
  return minutes.length + rebuilt.size + deleted;
}

/** Calls `visit` with each series' [ts, value] rows; `rows` are [series_id, ts, value] ordered by series. */
function forEachSeries(rows: ReadonlyArray<readonly [number, number, number]>, visit: (seriesId: number, rows: RawRow[]) => void): void {
  let i = 0;
  while (i < rows.length) {
    const seriesId = rows[i]![0];
    const series: RawRow[] = [];
    for (; i < rows.length && rows[i]![0] === seriesId; i++) series.push([rows[i]![1], rows[i]![2]]);
    visit(seriesId, series);
  }
}

/** The 1m rows of one series' raw rows (ascending ts), as a query folds its raw tail. */
function foldMinutes(seriesId: number, rows: readonly RawRow[]): BucketRow[] {
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

function rest(row: BucketRow): [number, number, number, number, number, number, Uint8Array] {
  return [row[2], row[3], row[4], row[5], row[6], row[7], row[8]];
}

/** An hour row being merged: counts and sums added in minute order, min/max kept, the latest `last`. */
class HourAccumulator {
  touched = false;
  private histogram: LogHistogram | null = null;

  private constructor(private readonly value: BucketRow) {}

  static of(row: BucketRow): HourAccumulator {
    return new HourAccumulator([...row] as BucketRow);
  }

  touch(): this {
    this.touched = true;
    return this;
  }

  add(minute: BucketRow): void {
    const hour = this.value;
    hour[2] += minute[2];
    hour[3] += minute[3];
    hour[4] = Math.min(hour[4], minute[4]);
    hour[5] = Math.max(hour[5], minute[5]);
    hour[6] += minute[6];
    hour[7] = minute[7];
    (this.histogram ??= LogHistogram.decode(hour[8])).mergeEncoded(minute[8]);
    this.touched = true;
  }

  row(): BucketRow {
    if (this.histogram !== null) this.value[8] = this.histogram.encode();
    return this.value;
  }
}

async function upsert(client: PoolClient, table: 'rollup_1m' | 'rollup_1h', rows: readonly BucketRow[]): Promise<void> {
  if (rows.length === 0) return;
  const columns: unknown[][] = Array.from({ length: 9 }, () => new Array(rows.length));
  rows.forEach((row, i) => {
    for (let c = 0; c < 9; c++) columns[c]![i] = row[c];
  });
  await client.query({ name: `vigil_upsert_${table}`, text: upsertSql(table), values: columns });
}
