// 1-minute and 1-hour rollups, kept by upsert from raw samples (1m) and from 1m rows (1h).
//
// rollUp(at) recomputes whole buckets, so running it twice is harmless: 1m buckets from the stored
// watermark minus one minute up to `at` (including the still-open current minute, so charts are
// fresh), then 1h buckets over the same span from the 1m rows. A sample appended with a time before
// that span marks its 1m bucket dirty (see `lateBefore`), and the next rollUp recomputes it and its
// hour. Rollups are only as fresh as the last rollUp call: the server runs it every ~10 s.
import { LogHistogram } from './histogram.js';
import type { SqliteDatabase } from './db.js';
import { alignDown, HOUR_MS, MINUTE_MS } from './step-aggregate.js';

const WATERMARK_KEY = 'rollup_watermark';

/** Registers `vigil_hist(value)` and `vigil_hist_merge(blob)`: aggregates building a LogHistogram blob. */
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
  db.aggregate('vigil_hist_merge', {
    start: () => new LogHistogram(),
    step: (histogram: LogHistogram, encoded: unknown) => histogram.mergeEncoded(encoded as Uint8Array),
    result: (histogram: LogHistogram) => Buffer.from(histogram.encode()),
    deterministic: true,
  });
}

const UPSERT = `ON CONFLICT (series_id, bucket) DO UPDATE SET
  count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
  success = excluded.success, last = excluded.last, hist = excluded.hist`;
const COLUMNS = '(series_id, bucket, count, sum, min, max, success, last, hist)';

/** Folds raw samples with :from <= ts < :to into 1m rollups; driven by `series` so each series is one PK range seek. */
export const FOLD_RAW_RANGE_SQL = `
INSERT INTO rollup_1m ${COLUMNS}
SELECT r.series_id, (r.ts / ${MINUTE_MS}) * ${MINUTE_MS} AS minute, count(*), sum(r.value), min(r.value),
  max(r.value), sum(r.value > 0),
  (SELECT l.value FROM samples l WHERE l.series_id = r.series_id AND l.ts >= :from
     AND l.ts < min((r.ts / ${MINUTE_MS}) * ${MINUTE_MS} + ${MINUTE_MS}, :to) ORDER BY l.ts DESC LIMIT 1),
  vigil_hist(r.value)
FROM series s CROSS JOIN samples r ON r.series_id = s.id
WHERE r.ts >= :from AND r.ts < :to
GROUP BY r.series_id, minute
${UPSERT}`;

const FOLD_RAW_DIRTY_SQL = `
INSERT INTO rollup_1m ${COLUMNS}
SELECT d.series_id, d.bucket, count(*), sum(r.value), min(r.value), max(r.value), sum(r.value > 0),
  (SELECT l.value FROM samples l WHERE l.series_id = d.series_id AND l.ts >= d.bucket
     AND l.ts < d.bucket + ${MINUTE_MS} ORDER BY l.ts DESC LIMIT 1),
  vigil_hist(r.value)
FROM rollup_dirty d CROSS JOIN samples r
  ON r.series_id = d.series_id AND r.ts >= d.bucket AND r.ts < d.bucket + ${MINUTE_MS}
WHERE true
GROUP BY d.series_id, d.bucket
${UPSERT}`;

const FOLD_MINUTES_RANGE_SQL = `
INSERT INTO rollup_1h ${COLUMNS}
SELECT r.series_id, (r.bucket / ${HOUR_MS}) * ${HOUR_MS} AS hour, sum(r.count), sum(r.sum), min(r.min),
  max(r.max), sum(r.success),
  (SELECT l.last FROM rollup_1m l WHERE l.series_id = r.series_id AND l.bucket >= (r.bucket / ${HOUR_MS}) * ${HOUR_MS}
     AND l.bucket < (r.bucket / ${HOUR_MS}) * ${HOUR_MS} + ${HOUR_MS} ORDER BY l.bucket DESC LIMIT 1),
  vigil_hist_merge(r.hist)
FROM series s CROSS JOIN rollup_1m r ON r.series_id = s.id
WHERE r.bucket >= :from AND r.bucket < :to
GROUP BY r.series_id, hour
${UPSERT}`;

const FOLD_MINUTES_DIRTY_SQL = `
INSERT INTO rollup_1h ${COLUMNS}
SELECT d.series_id, d.hour, sum(r.count), sum(r.sum), min(r.min), max(r.max), sum(r.success),
  (SELECT l.last FROM rollup_1m l WHERE l.series_id = d.series_id AND l.bucket >= d.hour
     AND l.bucket < d.hour + ${HOUR_MS} ORDER BY l.bucket DESC LIMIT 1),
  vigil_hist_merge(r.hist)
FROM (SELECT DISTINCT series_id, (bucket / ${HOUR_MS}) * ${HOUR_MS} AS hour FROM rollup_dirty) d
  CROSS JOIN rollup_1m r ON r.series_id = d.series_id AND r.bucket >= d.hour AND r.bucket < d.hour + ${HOUR_MS}
WHERE true
GROUP BY d.series_id, d.hour
${UPSERT}`;

/** Keeps the rollup tables; owns the watermark and the dirty-bucket marks of late samples. */
export class Rollups {
  private watermark: number | null;
  private readonly foldRawRange;
  private readonly foldRawDirty;
  private readonly foldMinutesRange;
  private readonly foldMinutesDirty;
  private readonly clearDirty;
  private readonly insertDirty;
  private readonly saveWatermark;
  private readonly fold: (at: number) => number;

  constructor(private readonly db: SqliteDatabase) {
    this.foldRawRange = db.prepare(FOLD_RAW_RANGE_SQL);
    this.foldRawDirty = db.prepare(FOLD_RAW_DIRTY_SQL);
    this.foldMinutesRange = db.prepare(FOLD_MINUTES_RANGE_SQL);
    this.foldMinutesDirty = db.prepare(FOLD_MINUTES_DIRTY_SQL);
    this.clearDirty = db.prepare('DELETE FROM rollup_dirty');
    this.insertDirty = db.prepare('INSERT OR IGNORE INTO rollup_dirty (series_id, bucket) VALUES (?, ?)');
    this.saveWatermark = db.prepare(
      `INSERT INTO meta (key, value) VALUES ('${WATERMARK_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    const stored = db.prepare<[], { value: number }>(`SELECT value FROM meta WHERE key = '${WATERMARK_KEY}'`).get();
    this.watermark = stored?.value ?? null;
    this.fold = db.transaction((at: number) => this.foldInTransaction(at));
  }

  /** The `at` of the latest rollUp (persisted), or null before the first. */
  get rolledUpTo(): number | null {
    return this.watermark;
  }

  /** Samples older than this are not covered by the next rollUp's range and must be marked dirty. */
  get lateBefore(): number {
    return this.watermark === null ? -Infinity : alignDown(this.watermark, MINUTE_MS) - MINUTE_MS;
  }

  /** Marks the 1m bucket of a late sample for recomputation; call inside the append transaction. */
  markLate(seriesId: number, ts: number): void {
    this.insertDirty.run(seriesId, alignDown(ts, MINUTE_MS));
  }

  /** Folds raw samples up to `at` into 1m and 1h rollups in one transaction; returns buckets written. */
  rollUp(at: number): number {
    const written = this.fold(at);
    // Only after the commit: a rolled-back fold must leave the next one covering the same span.
    this.watermark = this.nextWatermark(at);
    return written;
  }

  private nextWatermark(at: number): number {
    return this.watermark === null ? at : Math.max(this.watermark, at);
  }

  private foldInTransaction(at: number): number {
    const from = this.watermark === null ? Number.MIN_SAFE_INTEGER : this.lateBefore;
    const hourFrom = this.watermark === null ? Number.MIN_SAFE_INTEGER : alignDown(from, HOUR_MS);
    let written = 0;
    if (at > from) written += this.foldRawRange.run({ from, to: at }).changes;
    written += this.foldRawDirty.run().changes;
    if (at > hourFrom) written += this.foldMinutesRange.run({ from: hourFrom, to: at }).changes;
    written += this.foldMinutesDirty.run().changes;
    this.clearDirty.run();
    this.saveWatermark.run(this.nextWatermark(at));
    return written;
  }
}
