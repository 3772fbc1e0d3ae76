// What only the PostgreSQL engine has: its migrations, its URL (and password) handling, its query
// plans, and several Vigils sharing one database.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool, redactUrl, type Pool } from '../../store/postgres/connection.js';
import { MIGRATIONS, type PostgresMigration } from '../../store/postgres/migrations/index.js';
import { openPostgresStore } from '../../store/postgres/postgres-store.js';
import { deleteOldRowsSql } from '../../store/postgres/retention.js';
import { CHUNK_RAW_SQL } from '../../store/postgres/rollups.js';
import { migrate, SchemaTooNewError, schemaVersion } from '../../store/postgres/schema.js';
import { RAW_RANGE_SQL, rollupRangeSql } from '../../store/postgres/snapshot.js';
import { openStore } from '../../store/open.js';
import type { Sample, SeriesQuery, Store, StoreTx } from '../../store/types.js';
import { PostgresTestDatabases } from '../helpers/stores.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { rollUpFully } from './roll-up.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

const databases = new PostgresTestDatabases();
afterAll(() => databases.end());

/** A pool on a fresh database, ended before the database is dropped. */
async function freshPool(): Promise<{ url: string; pool: Pool }> {
  let pool: Pool | null = null;
  const url = await databases.create(async () => {
    await pool?.end();
  });
  pool = createPool(url, { maxConnections: 2, onIdleError: () => {} });
  return { url, pool };
}

/** Stores on one fresh database, closed before it is dropped. */
async function sharedDatabase(): Promise<{ url: string; open: () => Promise<Store> }> {
  const stores: Store[] = [];
  const url = await databases.create(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });
  return {
    url,
    open: async () => {
      const store = await openPostgresStore(url);
      stores.push(store);
      return store;
    },
  };
}

async function tableNames(pool: Pool): Promise<string[]> {
  const result = await pool.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  return result.rows.map((row) => row.name);
}

describe('PostgreSQL migrations', () => {
  it('are numbered 1, 2, 3, … in the order they are listed', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('bring a new database to the latest version, recording each migration', async () => {
    const { url, pool } = await freshPool();
    await migrate(pool, redactUrl(url));
    expect(await schemaVersion(pool)).toBe(MIGRATIONS.length);
    expect(await schemaVersion(pool)).toBe(7);
    expect(await tableNames(pool)).toEqual([
      'api_tokens',
      'audit_log',
      'check_results',
      'heartbeats',
      'incident_events',
      'incidents',
      'meta',
      'notifications',
      'postmortems',
      'reports',
      'rollup_1h',
      'rollup_1m',
      'rollup_dirty',
      'rule_state',
      'samples',
      'schema_version',
      'series',
      'sessions',
      'silences',
      'wall_links',
    ]);
    const recorded = await pool.query('SELECT version, name FROM schema_version ORDER BY version');
    expect(recorded.rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
  });

  it('are idempotent: migrating again runs nothing and changes nothing', async () => {
    const { url, pool } = await freshPool();
    await migrate(pool, redactUrl(url));
    const before = await pool.query('SELECT version, name, applied_at FROM schema_version ORDER BY version');
    await migrate(pool, redactUrl(url));
    const store = await openPostgresStore(url);
    await store.close();
    expect((await pool.query('SELECT version, name, applied_at FROM schema_version ORDER BY version')).rows).toEqual(before.rows);
  });

  it('run only the migrations a database has not seen yet', async () => {
    const { url, pool } = await freshPool();
    const ran: number[] = [];
    const second: PostgresMigration = {
      version: 2,
      name: 'second',
      up: async (client) => {
        ran.push(2);
        await client.query('CREATE TABLE extra (x integer)');
      },
    };
    await migrate(pool, url, [...MIGRATIONS.slice(0, 1), second]);
    await migrate(pool, url, [...MIGRATIONS.slice(0, 1), second]);
    expect(ran).toEqual([2]);
    expect(await schemaVersion(pool)).toBe(2);
  });

  it('roll a failing migration back entirely, leaving the version where it was, and name it', async () => {
    const { url, pool } = await freshPool();
    await migrate(pool, url, MIGRATIONS.slice(0, 1));
    const broken: PostgresMigration = {
      version: 2,
      name: 'broken',
      up: async (client) => {
        await client.query('CREATE TABLE half_done (x integer)');
        await client.query('THIS IS NOT SQL');
      },
    };
    await expect(migrate(pool, 'the-db', [...MIGRATIONS.slice(0, 1), broken])).rejects.toThrow(/^the-db: migration 2 "broken" failed: syntax error/);
    expect(await schemaVersion(pool)).toBe(1);
    expect(await tableNames(pool)).not.toContain('half_done');
  });

  it('refuse a list whose versions skip or repeat', async () => {
    const { url, pool } = await freshPool();
    const skipped: PostgresMigration = { version: 3, name: 'skipped', up: async () => {} };
    await expect(migrate(pool, url, [...MIGRATIONS.slice(0, 1), skipped])).rejects.toThrow(/"skipped" has version 3, expected 2/);
  });

  it('refuse a database written by a newer Vigil with a message saying what to do, without the password', async () => {
    const { url, pool } = await freshPool();
    await migrate(pool, url);
    await pool.query("INSERT INTO schema_version (version, name) VALUES ($1, 'from the future')", [MIGRATIONS.length + 1]);
    const withPassword = url.replace('postgres://root@', 'postgres://root:s3cret-pw@');
    await expect(openPostgresStore(withPassword)).rejects.toThrow(SchemaTooNewError);
    await expect(openPostgresStore(withPassword)).rejects.toThrow(
      `${url}: database schema version ${MIGRATIONS.length + 1} is newer than this Vigil supports (${MIGRATIONS.length}); upgrade Vigil, or restore a backup taken with this version`,
    );
  });

  it('let several Vigils open a new database at once: one migrates, the others wait for it', async () => {
    const { url, open } = await sharedDatabase();
    const stores = await Promise.all([open(), open(), open()]);
    expect(stores).toHaveLength(3);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query('SELECT count(*)::int AS n FROM schema_version')).rows).toEqual([{ n: MIGRATIONS.length }]);
    } finally {
      await client.end();
    }
  });
});

describe('PostgreSQL store location', () => {
  it('is opened by openStore from a postgres:// or postgresql:// URL, and a SQLite file otherwise', async () => {
    const { url } = await sharedDatabase();
    for (const location of [url, url.replace(/^postgres:/, 'postgresql:')]) {
      const store = await openStore(location);
      expect(store.info).toEqual({ engine: 'postgres', location: redactUrl(location) });
      await store.close();
    }
    const file = tempDbPath();
    const sqlite = await openStore(file);
    expect(sqlite.info).toEqual({ engine: 'sqlite', location: file });
    await sqlite.close();
  });

  it('is shown without its password', async () => {
    const { url } = await sharedDatabase();
    const store = await openPostgresStore(url.replace('postgres://root@', 'postgres://root:s3cret-pw@'));
    expect(store.info.location).toBe(url);
    expect(JSON.stringify(store.info)).not.toContain('s3cret');
    await store.close();
    expect(redactUrl('postgres://vigil:p%40ss@db.internal:5432/vigil?sslmode=require&password=other')).toBe(
      'postgres://vigil@db.internal:5432/vigil?sslmode=require&password=***',
    );
  });

  it('names the server in a connection error, never the password', async () => {
    const refused = openPostgresStore('postgres://vigil:s3cret-pw@127.0.0.1:1/vigil', { maxConnections: 1 });
    await expect(refused).rejects.toThrow(/^postgres:\/\/vigil@127\.0\.0\.1:1\/vigil: connect ECONNREFUSED/);
    const error = await openPostgresStore('postgres://vigil:s3cret-pw@127.0.0.1:1/vigil').catch((e: Error) => e);
    expect(String(error)).not.toContain('s3cret');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('s3cret');
  });
});

describe('PostgreSQL transactions', () => {
  const sample = (ts: number): Sample => ({ name: 'probe_success', labels: { env: 'prod' }, ts, value: 1 });
  const check = (error: string) => ({ checkId: 'prod/api/http', env: 'prod', service: 'api', check: 'http', kind: 'http', ts: T0, success: false, degraded: false, durationSeconds: 1, error, detail: null });

  it.each([
    // Refused before it reaches PostgreSQL: a time past bigint's range.
    { name: 'in the store', failing: (tx: StoreTx) => tx.samples.append([sample(1e300)]) },
    // Refused by PostgreSQL, which then aborts the transaction: text cannot hold a NUL.
    { name: 'in PostgreSQL', failing: (tx: StoreTx) => tx.checks.record([check('bad\u0000byte')]) },
  ])('refuse to commit when a call inside failed $name, even if the function caught its error', async ({ failing }) => {
    const { open } = await sharedDatabase();
    const store = await open();
    await expect(
      store.transaction(async (tx) => {
        await tx.samples.append([sample(T0)]);
        await failing(tx).catch(() => undefined);
        await tx.checks.record([check('connection refused')]).catch(() => undefined);
      }),
    ).rejects.toThrow(/^the transaction was rolled back: a call in it failed: /);
    const result = await store.samples.query({ metric: 'probe_success', matchers: [], from: T0, to: T0 + MINUTE, stepMs: MINUTE, aggregate: 'count' });
    expect(result.series).toEqual([]);
    expect(await store.checks.last()).toEqual([]);
  });
});

describe('PostgreSQL shared by several Vigils', () => {
  const query = (stepMs: number): SeriesQuery => ({ metric: 'probe_duration_seconds', matchers: [], from: T0, to: T0 + 2 * HOUR, stepMs, aggregate: 'sum' });
  const samples = (from: number, to: number, services: readonly string[]): Sample[] =>
    services.flatMap((service) => {
      const points: Sample[] = [];
      for (let ts = from; ts < to; ts += 10_000) points.push({ name: 'probe_duration_seconds', labels: { env: 'prod', service }, ts, value: (ts % 7_000) / 1000 });
      return points;
    });

  it('gives one id to a series two of them create at once', async () => {
    const { open } = await sharedDatabase();
    const [a, b] = [await open(), await open()];
    const services = Array.from({ length: 50 }, (_, i) => `service-${i}`);
    await Promise.all([a.samples.append(samples(T0, T0 + MINUTE, services)), b.samples.append(samples(T0 + 5_000, T0 + MINUTE, services))]);
    const result = await a.samples.query({ ...query(MINUTE), aggregate: 'count' });
    expect(result.series).toHaveLength(50);
    expect(result.series.every((s) => s.points[0]![1] === 12)).toBe(true);
  });

  it('take turns rolling up, and a late sample one of them appends is folded by the other', async () => {
    const { open } = await sharedDatabase();
    const [a, b] = [await open(), await open()];
    const reference = await (await sharedDatabase()).open();
    const services = ['a', 'b', 'c', 'd', 'e'];
    for (const store of [a, reference]) await store.samples.append(samples(T0, T0 + HOUR + 30 * MINUTE, services));
    await Promise.all([rollUpFully(a, T0 + HOUR, 2), rollUpFully(b, T0 + HOUR, 1), rollUpFully(a, T0 + HOUR, 3)]);
    await rollUpFully(reference, T0 + HOUR);
    expect(await b.samples.rolledUpTo()).toBe(T0 + HOUR);

    const late: Sample = { name: 'probe_duration_seconds', labels: { env: 'prod', service: 'c' }, ts: T0 + 10 * MINUTE + 1, value: 100 };
    await b.samples.append([late]);
    await reference.samples.append([late]);
    await rollUpFully(a, T0 + HOUR + 20 * MINUTE, 2);
    await rollUpFully(reference, T0 + HOUR + 20 * MINUTE);
    for (const stepMs of [MINUTE, HOUR]) expect(await b.samples.query(query(stepMs))).toEqual(await reference.samples.query(query(stepMs)));
  });
});

/** The plan reads `table` through its primary key (an index or bitmap index scan), never by a sequential scan. */
function expectKeyScans(plan: string, table: string): void {
  expect(plan).toMatch(new RegExp(`(Index Scan using ${table}_pkey on ${table}|Bitmap Index Scan on ${table}_pkey)`));
  expect(plan, plan).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
}

describe('PostgreSQL query plans of the hot queries', () => {
  /** A store with 300 series × 400 samples, analyzed, and the plan of `sql` with `params` on it. */
  async function planner() {
    const { url, open } = await sharedDatabase();
    const store = await open();
    const batch: Sample[] = [];
    for (let s = 0; s < 300; s++) for (let i = 0; i < 400; i++) batch.push({ name: 'probe_duration_seconds', labels: { service: `s${s}` }, ts: T0 + i * 10_000, value: i });
    await store.samples.append(batch);
    await rollUpFully(store, T0 + HOUR);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('ANALYZE');
    return {
      plan: async (sql: string, params: unknown[]) => (await client.query(`EXPLAIN ${sql}`, params)).rows.map((row: Record<string, string>) => row['QUERY PLAN']!).join('\n'),
      end: () => client.end(),
    };
  }

  it('read raw and rollup ranges, fold a chunk and find old rows with primary-key index scans, never a scan of a table', async () => {
    const { plan, end } = await planner();
    try {
      expectKeyScans(await plan(RAW_RANGE_SQL, [5, T0, T0 + HOUR, 1000]), 'samples');
      for (const table of ['rollup_1m', 'rollup_1h'] as const) {
        for (const columns of ['stats', 'hist'] as const) expectKeyScans(await plan(rollupRangeSql(table, columns), [5, T0, T0 + HOUR, 1000]), table);
      }
      const chunk = await plan(CHUNK_RAW_SQL, [0, 2000, T0 + HOUR, T0 + HOUR + MINUTE]);
      expectKeyScans(chunk, 'samples');
      // One index range per series of the chunk: samples is the inner side of a nested loop.
      expect(chunk).toMatch(/Nested Loop/);
      expectKeyScans(await plan(deleteOldRowsSql('samples', 'ts', false), [T0 + 10 * MINUTE, 1000]), 'samples');
    } finally {
      await end();
    }
  });
});
