// 1-minute and 1-hour rollups, kept by upsert: each raw sample is folded once, when its minute closes.
//
// The watermark `foldedTo` (a whole minute) says every minute before it is folded. rollUp(at) runs
// passes over the closed minutes [foldedTo, min(floor(at / 1 min) · 1 min, foldedTo + 1 h)), each pass
// in chunks of series ids (series_id > passAfter, up to maxSeries ids). A chunk folds its raw samples
// into 1m rows and merges those rows into their hour rows (count +=, sum +=, …), and saves the chunk
// cursor (or, on the last chunk, the new watermark) in the same transaction: a crash or a restart
// resumes at the next chunk and never merges a minute into its hour twice.
//
// A sample appended into a minute that is already folded (before the watermark, or before the pass's
// end for a series the pass has passed) marks that minute dirty; a later call recomputes the minute
// from raw and rebuilds its hour from its 1m rows. Queries read rollups up to `foldedThrough(id)` and
// the raw tail after it, so the still-open minute never needs folding to be visible.
import { LogHistogram } from '../histogram.js';
import type { SqliteDatabase } from './db.js';
import { alignDown, DEFAULT_ROLLUP_SERIES_MINUTES, HOUR_MS, MINUTE_MS, rollUpPassMs, seriesPerRollUpCall } from '../step-aggregate.js';
import type { RollUpProgress } from '../types.js';

// A pass spans at most an hour of minutes, so catching up after downtime stays bounded per call too.
const MAX_PASS_MS = HOUR_MS;

const FOLDED_TO_KEY = 'rollup_folded_to';
const PASS_TO_KEY = 'rollup_pass_to';
const PASS_AFTER_KEY = 'rollup_pass_after';
// Before chunked rollups: the `at` of the last rollUp, whose open minute was folded (partially).
const LEGACY_WATERMARK_KEY = 'rollup_watermark';

/** Registers the SQL functions rollups use: `vigil_hist(value)` (aggregate) and `vigil_hist_add(a, b)`. */
export function registerHistogramFunctions(db: SqliteDatabase): void {
  db.aggregate('vigil_hist', {
    start: () => new LogHistogram(),
    // The driver's typings assume step arguments share the accumulator's type; they are SQL values.
    step: (histogram: LogHistogram, value: unknown) => {
      histogram.add(value as number);
      return histogram;
    },
    result: (histogram: LogHistogram) => Buffer.from(histogram.encode()),
    deterministic: true,
  });
  db.function('vigil_hist_add', { deterministic: true }, (a: unknown, b: unknown) =>
    Buffer.from(LogHistogram.decode(a as Uint8Array).mergeEncoded(b as Uint8Array).encode()),
  );
}

const COLUMNS = '(series_id, bucket, count, sum, min, max, success, last, hist)';

/**
 * Folds the raw samples of series :after < id <= :through with :from <= ts < :to (whole minutes) into
 * 1m rollups; driven by `series` so each series is one primary-key range seek.
 */
export const FOLD_RAW_CHUNK_SQL = `
INSERT INTO rollup_1m ${COLUMNS}
SELECT r.series_id, (r.ts / ${MINUTE_MS}) * ${MINUTE_MS} AS minute, count(*), sum(r.value), min(r.value),
  max(r.value), sum(r.value > 0),
  (SELECT l.value FROM samples l WHERE l.series_id = r.series_id AND l.ts >= (r.ts / ${MINUTE_MS}) * ${MINUTE_MS}
     AND l.ts < (r.ts / ${MINUTE_MS}) * ${MINUTE_MS} + ${MINUTE_MS} ORDER BY l.ts DESC LIMIT 1),
  vigil_hist(r.value)
FROM series s CROSS JOIN samples r ON r.series_id = s.id
WHERE s.id > :after AND s.id <= :through AND r.ts >= :from AND r.ts < :to
GROUP BY r.series_id, minute
ON CONFLICT (series_id, bucket) DO UPDATE SET
  count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
  success = excluded.success, last = excluded.last, hist = excluded.hist`;

/**
 * Merges the 1m rows of series :after < id <= :through with :from <= bucket < :to into their hour rows.
 * Rows are upserted one at a time in (series, minute) order, so an hour's sum is always
 * ((m1 + m2) + m3)…, whichever calls the minutes arrived in, and `last` is the latest minute's.
 */
export const MERGE_MINUTES_CHUNK_SQL = `
INSERT INTO rollup_1h ${COLUMNS}
SELECT m.series_id, (m.bucket / ${HOUR_MS}) * ${HOUR_MS}, m.count, m.sum, m.min, m.max, m.success, m.last, m.hist
FROM series s CROSS JOIN rollup_1m m ON m.series_id = s.id
WHERE s.id > :after AND s.id <= :through AND m.bucket >= :from AND m.bucket < :to
ORDER BY s.id, m.bucket
ON CONFLICT (series_id, bucket) DO UPDATE SET
  count = rollup_1h.count + excluded.count, sum = rollup_1h.sum + excluded.sum,
  min = min(rollup_1h.min, excluded.min), max = max(rollup_1h.max, excluded.max),
  success = rollup_1h.success + excluded.success, last = excluded.last,
  hist = vigil_hist_add(rollup_1h.hist, excluded.hist)`;

/** The earliest sample at or after :from over all series: one key seek per series. */
const NEXT_SAMPLE_SQL = `
SELECT min((SELECT r.ts FROM samples r WHERE r.series_id = s.id AND r.ts >= :from ORDER BY r.ts LIMIT 1)) AS ts
FROM series s`;

interface MinuteRow {
  count: number;
  sum: number;
  min: number;
  max: number;
  success: number;
  last: number;
  hist: Uint8Array;
}

/** Reads the saved rollup progress: a reader thread's view of `Rollups.foldedThrough`, in its own snapshot. */
export const ROLLUP_PROGRESS_SQL = `SELECT key, value FROM meta WHERE key IN ('${FOLDED_TO_KEY}', '${PASS_TO_KEY}', '${PASS_AFTER_KEY}')`;

/** `foldedThrough` from the rows of ROLLUP_PROGRESS_SQL. */
export function foldedThroughFromProgress(rows: ReadonlyArray<readonly [string, number]>): (seriesId: number) => number {
  const meta = new Map(rows);
  const foldedTo = meta.get(FOLDED_TO_KEY) ?? null;
  const passTo = meta.get(PASS_TO_KEY) ?? null;
  const passAfter = meta.get(PASS_AFTER_KEY) ?? 0;
  return (seriesId) => foldedThrough(foldedTo, passTo, passAfter, seriesId);
}

// A pass in progress has folded series up to passAfter through passTo; the rest through foldedTo.
function foldedThrough(foldedTo: number | null, passTo: number | null, passAfter: number, seriesId: number): number {
  if (passTo !== null && seriesId <= passAfter) return passTo;
  return foldedTo ?? -Infinity;
}

/** What an appended sample is compared with to tell whether it lands in an already folded minute. */
export interface LateBounds {
  readonly foldedTo: number;
  readonly passTo: number;
  readonly passAfter: number;
}


/** Keeps the rollup tables; owns the watermark, the chunk cursor and the dirty marks of late samples. */
export class Rollups {
  private foldedTo: number | null;
  private passTo: number | null;
  private passAfter: number;
  private readonly foldRawChunk;
  private readonly mergeMinutesChunk;
  private readonly nextSample;
  private readonly chunkEnd;
  private readonly hasDirty;
  private readonly selectDirty;
  private readonly deleteDirty;
  private readonly selectHourMinutes;
  private readonly upsertHour;
  private readonly deleteHour;
  private readonly insertDirty;
  private readonly saveMeta;
  private readonly deleteMeta;
  private readonly chunkInTransaction: (after: number, through: number, from: number, to: number, last: boolean) => number;
  private readonly dirtyInTransaction: (limit: number) => number;

  constructor(db: SqliteDatabase) {
    this.foldRawChunk = db.prepare(FOLD_RAW_CHUNK_SQL);
    this.mergeMinutesChunk = db.prepare(MERGE_MINUTES_CHUNK_SQL);
    this.nextSample = db.prepare<{ from: number }, { ts: number | null }>(NEXT_SAMPLE_SQL);
    this.chunkEnd = db.prepare<[number, number], { id: number }>('SELECT id FROM series WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?');
    this.hasDirty = db.prepare<[], { one: number }>('SELECT 1 AS one FROM rollup_dirty LIMIT 1');
    this.selectDirty = db.prepare<[number], [number, number]>(
      'SELECT series_id, bucket FROM rollup_dirty ORDER BY series_id, bucket LIMIT ?',
    ).raw(true);
    this.deleteDirty = db.prepare<[number, number]>('DELETE FROM rollup_dirty WHERE series_id = ? AND bucket = ?');
    this.selectHourMinutes = db.prepare<[number, number, number], MinuteRow>(
      'SELECT count, sum, min, max, success, last, hist FROM rollup_1m WHERE series_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket',
    );
    this.upsertHour = db.prepare(`
      INSERT INTO rollup_1h ${COLUMNS} VALUES (:series_id, :bucket, :count, :sum, :min, :max, :success, :last, :hist)
      ON CONFLICT (series_id, bucket) DO UPDATE SET
        count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
        success = excluded.success, last = excluded.last, hist = excluded.hist`);
    this.deleteHour = db.prepare<[number, number]>('DELETE FROM rollup_1h WHERE series_id = ? AND bucket = ?');
    this.insertDirty = db.prepare<[number, number]>('INSERT OR IGNORE INTO rollup_dirty (series_id, bucket) VALUES (?, ?)');
    this.saveMeta = db.prepare<[string, number]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.deleteMeta = db.prepare<[string]>('DELETE FROM meta WHERE key = ?');
    this.chunkInTransaction = db.transaction(this.foldChunk.bind(this));
    this.dirtyInTransaction = db.transaction(this.recomputeDirty.bind(this));

    const meta = new Map(db.prepare<[], [string, number]>('SELECT key, value FROM meta').raw(true).all());
    this.foldedTo = meta.get(FOLDED_TO_KEY) ?? null;
    this.passTo = meta.get(PASS_TO_KEY) ?? null;
    this.passAfter = meta.get(PASS_AFTER_KEY) ?? 0;
    const legacy = meta.get(LEGACY_WATERMARK_KEY);
    if (this.foldedTo === null && legacy !== undefined) this.adoptLegacyWatermark(db, legacy);
  }

  /** Every minute before this one is folded into rollups (persisted); null before the first rollUp. */
  get rolledUpTo(): number | null {
    return this.foldedTo;
  }

  /** The bounds an append compares a sample with; `markLate` the sample when `isLate` says so. */
  get lateBounds(): LateBounds {
    return {
      foldedTo: this.foldedTo ?? -Infinity,
      passTo: this.passTo ?? -Infinity,
      passAfter: this.passAfter,
    };
  }

  /** Rollups of series `seriesId` hold every sample before this time; its raw samples after it are not folded yet. */
  foldedThrough(seriesId: number): number {
    return foldedThrough(this.foldedTo, this.passTo, this.passAfter, seriesId);
  }

  /** Marks the 1m bucket of a late sample for recomputation; call inside the append transaction. */
  markLate(seriesId: number, ts: number): void {
    this.insertDirty.run(seriesId, alignDown(ts, MINUTE_MS));
  }

  /**
   * One bounded step of folding the minutes closed at `at`: recomputes up to `maxSeries` dirty minutes,
   * or folds one chunk of `maxSeries` series-minutes (maxSeries series of a one-minute pass, fewer of a
   * longer catch-up pass). `more` is true while work is left for this `at`.
   */
  rollUp(at: number, maxSeries = DEFAULT_ROLLUP_SERIES_MINUTES): RollUpProgress {
    if (!Number.isSafeInteger(maxSeries) || maxSeries <= 0) throw new RangeError(`rollUp maxSeries must be a positive integer, got ${maxSeries}`);
    if (!Number.isFinite(at)) throw new RangeError(`rollUp at must be a finite time, got ${at}`);
    const target = alignDown(at, MINUTE_MS);
    if (this.hasDirty.get() !== undefined) {
      const buckets = this.dirtyInTransaction(maxSeries);
      return { buckets, more: this.hasDirty.get() !== undefined || this.rangeWorkLeft(target) };
    }
    if (this.passTo === null && !this.startPass(target, maxSeries)) return { buckets: 0, more: false };
    const after = this.passAfter;
    const from = this.foldedTo!;
    const to = this.passTo!;
    const end = this.chunkEnd.get(after, seriesPerRollUpCall(maxSeries, from, to) - 1);
    const last = end === undefined;
    const through = last ? Number.MAX_SAFE_INTEGER : end.id;
    const buckets = this.chunkInTransaction(after, through, from, to, last);
    // Only after the commit: a rolled-back chunk must leave the next call redoing the same chunk.
    if (last) {
      this.foldedTo = to;
      this.passTo = null;
      this.passAfter = 0;
    } else {
      this.passAfter = through;
    }
    return { buckets, more: this.rangeWorkLeft(target) };
  }

  private rangeWorkLeft(target: number): boolean {
    return this.passTo !== null || this.foldedTo === null || target > this.foldedTo;
  }

  /**
   * Sets up a pass over closed minutes from the watermark, skipping a stretch with no samples at all
   * (the first rollUp, or after downtime); false when there is nothing to fold before `target`.
   */
  private startPass(target: number, maxSeries: number): boolean {
    if (this.foldedTo !== null && target <= this.foldedTo) return false;
    let from = this.foldedTo ?? Number.MIN_SAFE_INTEGER;
    if (this.foldedTo === null || target - this.foldedTo > MAX_PASS_MS) {
      const next = this.nextSample.get({ from })?.ts ?? null;
      // No sample anywhere in [from, target): nothing to fold, and a sample appended there later is late.
      from = next === null ? target : Math.min(target, Math.max(from, alignDown(next, MINUTE_MS)));
    }
    if (from >= target) {
      this.saveMeta.run(FOLDED_TO_KEY, target);
      this.foldedTo = target;
      return false;
    }
    // The skipped stretch had no samples just now, so the watermark may jump over it; it is saved
    // with the pass's first chunk.
    this.foldedTo = from;
    this.passTo = Math.min(target, from + rollUpPassMs(maxSeries));
    this.passAfter = 0;
    return true;
  }

  private foldChunk(after: number, through: number, from: number, to: number, last: boolean): number {
    const range = { after, through, from, to };
    const written = this.foldRawChunk.run(range).changes + this.mergeMinutesChunk.run(range).changes;
    if (last) {
      this.saveMeta.run(FOLDED_TO_KEY, to);
      this.deleteMeta.run(PASS_TO_KEY);
      this.deleteMeta.run(PASS_AFTER_KEY);
    } else {
      this.saveMeta.run(FOLDED_TO_KEY, from);
      this.saveMeta.run(PASS_TO_KEY, to);
      this.saveMeta.run(PASS_AFTER_KEY, through);
    }
    return written;
  }

  /** Recomputes up to `limit` dirty minutes from raw, then rebuilds each affected hour from its 1m rows. */
  private recomputeDirty(limit: number): number {
    let written = 0;
    const hours = new Map<string, [number, number]>();
    for (const [seriesId, minute] of this.selectDirty.all(limit)) {
      written += this.foldRawChunk.run({ after: seriesId - 1, through: seriesId, from: minute, to: minute + MINUTE_MS }).changes;
      this.deleteDirty.run(seriesId, minute);
      const hour = alignDown(minute, HOUR_MS);
      hours.set(`${seriesId}:${hour}`, [seriesId, hour]);
    }
    for (const [seriesId, hour] of hours.values()) written += this.rebuildHour(seriesId, hour);
    return written;
  }

  /** The hour row as the merge would have built it: minutes in order, sum as ((m1 + m2) + m3)…. */
  private rebuildHour(seriesId: number, hour: number): number {
    const minutes = this.selectHourMinutes.all(seriesId, hour, hour + HOUR_MS);
    if (minutes.length === 0) return this.deleteHour.run(seriesId, hour).changes;
    const first = minutes[0]!;
    const row = { series_id: seriesId, bucket: hour, count: first.count, sum: first.sum, min: first.min, max: first.max, success: first.success, last: first.last };
    const histogram = LogHistogram.decode(first.hist);
    for (let i = 1; i < minutes.length; i++) {
      const minute = minutes[i]!;
      row.count += minute.count;
      row.sum += minute.sum;
      row.min = Math.min(row.min, minute.min);
      row.max = Math.max(row.max, minute.max);
      row.success += minute.success;
      row.last = minute.last;
      histogram.mergeEncoded(minute.hist);
    }
    return this.upsertHour.run({ ...row, hist: Buffer.from(histogram.encode()) }).changes;
  }

  /**
   * A database rolled up before chunked rollups folded the open minute of its last rollUp into both
   * tables: treat that minute as folded and recompute it (and so its hour) from raw like a late one.
   */
  private adoptLegacyWatermark(db: SqliteDatabase, legacyAt: number): void {
    const partialMinute = alignDown(legacyAt, MINUTE_MS);
    db.transaction(() => {
      db.prepare('INSERT OR IGNORE INTO rollup_dirty (series_id, bucket) SELECT id, ? FROM series').run(partialMinute);
      this.saveMeta.run(FOLDED_TO_KEY, partialMinute + MINUTE_MS);
      this.deleteMeta.run(LEGACY_WATERMARK_KEY);
    })();
    this.foldedTo = partialMinute + MINUTE_MS;
  }
}
