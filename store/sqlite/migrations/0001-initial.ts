import type { Migration } from './index.js';

// Samples and rollups carry no foreign key to `series`: checking one per inserted row cost a
// measurable share of append throughput, and only this store writes them, always with an id it read
// from `series`. Retention never deletes series rows, so ids stay valid.
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) STRICT;

      -- One row per metric name + label set; labels is the canonical JSON of the sorted labels.
      CREATE TABLE series (
        id     INTEGER PRIMARY KEY,
        metric TEXT NOT NULL,
        labels TEXT NOT NULL,
        UNIQUE (metric, labels)
      ) STRICT;

      CREATE TABLE samples (
        series_id INTEGER NOT NULL,
        ts        INTEGER NOT NULL,
        value     REAL NOT NULL,
        PRIMARY KEY (series_id, ts)
      ) STRICT, WITHOUT ROWID;

      -- success = number of samples with value > 0 (for probe_success: the up count);
      -- last = value of the latest sample in the bucket; hist = LogHistogram encoding.
      CREATE TABLE rollup_1m (
        series_id INTEGER NOT NULL,
        bucket    INTEGER NOT NULL,
        count     INTEGER NOT NULL,
        sum       REAL NOT NULL,
        min       REAL NOT NULL,
        max       REAL NOT NULL,
        success   INTEGER NOT NULL,
        last      REAL NOT NULL,
        hist      BLOB NOT NULL,
        PRIMARY KEY (series_id, bucket)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE rollup_1h (
        series_id INTEGER NOT NULL,
        bucket    INTEGER NOT NULL,
        count     INTEGER NOT NULL,
        sum       REAL NOT NULL,
        min       REAL NOT NULL,
        max       REAL NOT NULL,
        success   INTEGER NOT NULL,
        last      REAL NOT NULL,
        hist      BLOB NOT NULL,
        PRIMARY KEY (series_id, bucket)
      ) STRICT, WITHOUT ROWID;

      -- 1-minute buckets that received a sample older than the rollup watermark.
      CREATE TABLE rollup_dirty (
        series_id INTEGER NOT NULL,
        bucket    INTEGER NOT NULL,
        PRIMARY KEY (series_id, bucket)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE check_results (
        check_id         TEXT PRIMARY KEY,
        env              TEXT NOT NULL,
        service          TEXT NOT NULL,
        check_name       TEXT NOT NULL,
        kind             TEXT NOT NULL,
        ts               INTEGER NOT NULL,
        success          INTEGER NOT NULL CHECK (success IN (0, 1)),
        degraded         INTEGER NOT NULL CHECK (degraded IN (0, 1)),
        duration_seconds REAL NOT NULL,
        error            TEXT,
        detail           TEXT
      ) STRICT;
    `);
  },
};
