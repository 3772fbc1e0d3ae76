// 1-minute and 1-hour rollups on PostgreSQL, with the SQLite engine's semantics (store/sqlite/rollups.ts
// explains the watermark, the passes of at most an hour, the chunks of series and the dirty minutes of
// late samples) and the same numbers: minutes are folded in JS with the functions queries use for the
// raw tail (rawToMinuteStats/rawToMinuteHistograms, whose sum is SQLite's compensated sum), and hours
// merged from minutes in minute order, so both engines store the same rollups bit for bit.
//
// Each rollUp call is one transaction holding the rollup lock exclusively (appends hold it shared, see
// connection.ts), and reads the progress from `meta` under it: several Vigils on one database take
// turns, and each call resumes wherever the last one, of any process, stopped.
import { alignDown, DEFAULT_ROLLUP_SERIES_MINUTES, HOUR_MS, MINUTE_MS, rollUpPassMs, seriesPerRollUpCall } from '../step-aggregate.js';
import type { RollUpProgress } from '../types.js';
import { foldMinutes, forEachSeries, HourMerge, insertBuckets, upsertBuckets, type BucketRow } from './buckets.js';
import { ROLLUP_LOCK, type PoolClient } from './connection.js';
import { parseProgress, PROGRESS_SQL, readProgress, saveProgress, type RollupState } from './progress.js';

// The default budget is shared with SQLite: a call folding one minute of 2,000 series took ~135 ms here
// (bench/store-postgres.mjs, tick60k), nearly all of it waiting on PostgreSQL; the event loop is busy
// ~30 ms of it (folding and merging in JS). A pass spans at most an hour when the budget allows.
const MAX_PASS_MS = HOUR_MS;

/**
 * Raw samples of series $1 < id <= $2 in [$3, $4), one index range per series; unordered (sorted in
 * JS, see forEachSeries). OFFSET 0 keeps the subquery from being flattened into a join that could
 * scan the samples of every series.
 */
export const CHUNK_RAW_SQL = `
SELECT s.id, r.ts, r.value FROM series s CROSS JOIN LATERAL (
  SELECT ts, value FROM samples WHERE series_id = s.id AND ts >= $3 AND ts < $4 OFFSET 0) r
WHERE s.id > $1 AND s.id <= $2`;

/** Raw samples of the given (series, minute) pairs, unordered. */
const DIRTY_RAW_SQL = `
SELECT d.series_id, r.ts, r.value FROM unnest($1::int[], $2::bigint[]) AS d(series_id, bucket)
CROSS JOIN LATERAL (
  SELECT ts, value FROM samples WHERE series_id = d.series_id AND ts >= d.bucket AND ts < d.bucket + ${MINUTE_MS} OFFSET 0) r`;

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

/** The earliest sample at or after $1 over all series: one index seek per series. */
const NEXT_SAMPLE_SQL = `
SELECT min((SELECT r.ts FROM samples r WHERE r.series_id = s.id AND r.ts >= $1 ORDER BY r.ts LIMIT 1)) AS ts FROM series s`;

const LOCK_SQL = `SELECT pg_advisory_xact_lock(${ROLLUP_LOCK}); ${PROGRESS_SQL}; SELECT EXISTS (SELECT 1 FROM rollup_dirty) AS dirty`;

/**
 * One bounded step of folding the minutes closed at `at`, on `client` inside a transaction of its own
 * (the caller commits): recomputes up to `maxSeries` dirty minutes, or folds one chunk of up to
 * `maxSeries` series.
 */
export async function rollUpStep(client: PoolClient, at: number, maxSeries = DEFAULT_ROLLUP_SERIES_MINUTES): Promise<RollUpProgress> {
  if (!Number.isSafeInteger(maxSeries) || maxSeries <= 0) throw new RangeError(`rollUp maxSeries must be a positive integer, got ${maxSeries}`);
  if (!Number.isFinite(at)) throw new RangeError(`rollUp at must be a finite time, got ${at}`);
  const target = alignDown(at, MINUTE_MS);
  // The lock, then the progress and the dirty marks in statements of their own (each its own
  // snapshot, taken once the lock is held): what the last step committed. One round trip.
  const results = (await client.query(LOCK_SQL)) as unknown as [unknown, { rows: Array<{ key: string; value: number }> }, { rows: Array<{ dirty: boolean }> }];
  let state = parseProgress(results[1].rows);
  if (results[2].rows[0]!.dirty) {
    const buckets = await recomputeDirty(client, maxSeries);
    const more = (await hasDirty(client)) || rangeWorkLeft(state, target);
    return { buckets, more };
  }
  if (state.passTo === null) {
    const pass = await startPass(client, state, target, maxSeries);
    if (pass === null) return { buckets: 0, more: false };
    state = pass;
  }
  const after = state.passAfter;
  const from = state.foldedTo!;
  const to = state.passTo!;
  const end = await client.query<{ id: number }>('SELECT id FROM series WHERE id > $1 ORDER BY id LIMIT 1 OFFSET $2', [
    after,
    seriesPerRollUpCall(maxSeries, from, to) - 1,
  ]);
  const last = end.rows.length === 0;
  const through = last ? 2 ** 31 - 1 : end.rows[0]!.id;
  const buckets = await foldChunk(client, after, through, from, to);
  const saved = last ? { foldedTo: to, passTo: null, passAfter: 0 } : { foldedTo: from, passTo: to, passAfter: through };
  await saveProgress(client, saved);
  return { buckets, more: rangeWorkLeft(saved, target) };
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

/**
 * A pass over closed minutes from the watermark, skipping a stretch with no samples at all (the first
 * rollUp, or after downtime); null when there is nothing to fold before `target`.
 */
async function startPass(client: PoolClient, state: RollupState, target: number, maxSeries: number): Promise<RollupState | null> {
  if (state.foldedTo !== null && target <= state.foldedTo) return null;
  let from = state.foldedTo ?? Number.MIN_SAFE_INTEGER;
  if (state.foldedTo === null || target - state.foldedTo > MAX_PASS_MS) {
    const next = (await client.query<{ ts: number | null }>(NEXT_SAMPLE_SQL, [from])).rows[0]?.ts ?? null;
    // No sample anywhere in [from, target): nothing to fold, and a sample appended there later is late.
    from = next === null ? target : Math.min(target, Math.max(from, alignDown(next, MINUTE_MS)));
  }
  if (from >= target) {
    await saveProgress(client, { foldedTo: target, passTo: null, passAfter: 0 });
    return null;
  }
  return { foldedTo: from, passTo: Math.min(target, from + rollUpPassMs(maxSeries)), passAfter: 0 };
}

/** Folds raw samples of a chunk into 1m rows, merges those into their hours; returns rows folded + merged. */
async function foldChunk(client: PoolClient, after: number, through: number, from: number, to: number): Promise<number> {
  const raw = await client.query<[number, number, number]>({ text: CHUNK_RAW_SQL, values: [after, through, from, to], rowMode: 'array' });
  const minutes: BucketRow[] = [];
  forEachSeries(raw.rows, (seriesId, rows) => minutes.push(...foldMinutes(seriesId, rows)));
  if (minutes.length === 0) return 0;
  // A pass folds minutes no rollup holds yet (a late sample in them is not late: the pass reads it).
  await insertBuckets(client, 'rollup_1m', minutes);
  const hours = new HourMerge();
  const existing = await client.query<BucketRow>({
    text: EXISTING_HOURS_SQL,
    values: [[...new Set(minutes.map((row) => row[0]))], alignDown(from, HOUR_MS), to],
    rowMode: 'array',
  });
  for (const row of existing.rows) hours.start(row);
  for (const minute of minutes) hours.add(minute);
  await upsertBuckets(client, 'rollup_1h', hours.rows());
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
  const raw = await client.query<[number, number, number]>({ text: DIRTY_RAW_SQL, values: [seriesIds, buckets], rowMode: 'array' });
  const minutes: BucketRow[] = [];
  forEachSeries(raw.rows, (seriesId, rows) => minutes.push(...foldMinutes(seriesId, rows)));
  await upsertBuckets(client, 'rollup_1m', minutes);
  await client.query('DELETE FROM rollup_dirty WHERE (series_id, bucket) IN (SELECT * FROM unnest($1::int[], $2::bigint[]))', [seriesIds, buckets]);

  const pairs = new Map<string, [number, number]>();
  for (const [seriesId, minute] of dirty.rows) pairs.set(`${seriesId}:${alignDown(minute, HOUR_MS)}`, [seriesId, alignDown(minute, HOUR_MS)]);
  const hourPairs = [...pairs.values()];
  const hourMinutes = await client.query<BucketRow>({
    text: HOUR_MINUTES_SQL,
    values: [hourPairs.map((pair) => pair[0]), hourPairs.map((pair) => pair[1])],
    rowMode: 'array',
  });
  const rebuilt = new HourMerge();
  for (const minute of hourMinutes.rows) rebuilt.add(minute);
  const hours = rebuilt.rows();
  await upsertBuckets(client, 'rollup_1h', hours);
  // An hour none of whose minutes is left goes too.
  const gone = hourPairs.filter(([seriesId, hour]) => !rebuilt.has(seriesId, hour));
  const deleted =
    gone.length === 0
      ? 0
      : ((await client.query('DELETE FROM rollup_1h WHERE (series_id, bucket) IN (SELECT * FROM unnest($1::int[], $2::bigint[]))', [
          gone.map((pair) => pair[0]),
          gone.map((pair) => pair[1]),
        ])).rowCount ?? 0);
  return minutes.length + hours.length + deleted;
}
