import type { PostgresMigration } from './index.js';

// The SQLite schema's tables, in PostgreSQL types. As there, samples and rollups carry no foreign key
// to `series` (one check per inserted row, for ids only this store writes), and retention never
// deletes series rows. Text that is sorted or compared (label keys, check ids) is COLLATE "C": byte
// order, like SQLite's BINARY, and the cheapest for the b-tree.
export const initial: PostgresMigration = {
  version: 1,
  name: 'initial',
  async up(client) {
    await client.query(`
      CREATE TABLE meta (
        key   text PRIMARY KEY,
        value bigint NOT NULL
      );

      -- One row per metric name + label set; labels is the canonical JSON of the sorted labels.
      CREATE TABLE series (
        id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        metric text COLLATE "C" NOT NULL,
        labels text COLLATE "C" NOT NULL,
        UNIQUE (metric, labels)
      );

      CREATE TABLE samples (
        series_id integer NOT NULL,
        ts        bigint NOT NULL,
        value     double precision NOT NULL,
        PRIMARY KEY (series_id, ts)
      );

      -- success = number of samples with value > 0 (for probe_success: the up count);
      -- last = value of the latest sample in the bucket; hist = LogHistogram encoding.
      CREATE TABLE rollup_1m (
        series_id integer NOT NULL,
        bucket    bigint NOT NULL,
        count     bigint NOT NULL,
        sum       double precision NOT NULL,
        min       double precision NOT NULL,
        max       double precision NOT NULL,
        success   bigint NOT NULL,
        last      double precision NOT NULL,
        hist      bytea NOT NULL,
        PRIMARY KEY (series_id, bucket)
      );

      CREATE TABLE rollup_1h (
        series_id integer NOT NULL,
        bucket    bigint NOT NULL,
        count     bigint NOT NULL,
        sum       double precision NOT NULL,
        min       double precision NOT NULL,
        max       double precision NOT NULL,
        success   bigint NOT NULL,
        last      double precision NOT NULL,
        hist      bytea NOT NULL,
        PRIMARY KEY (series_id, bucket)
      );

      -- 1-minute buckets that received a sample older than the rollup watermark.
      CREATE TABLE rollup_dirty (
        series_id integer NOT NULL,
        bucket    bigint NOT NULL,
        PRIMARY KEY (series_id, bucket)
      );

      CREATE TABLE check_results (
        check_id         text COLLATE "C" PRIMARY KEY,
        env              text NOT NULL,
        service          text NOT NULL,
        check_name       text NOT NULL,
        kind             text NOT NULL,
        ts               bigint NOT NULL,
        success          boolean NOT NULL,
        degraded         boolean NOT NULL,
        duration_seconds double precision NOT NULL,
        error            text,
        detail           text
      );
    `);
  },
};
