// The sql probe against the PostgreSQL and MariaDB servers on this machine: series from numeric columns
// (one per row with label columns), expectations, the read-only transaction, one statement only, the
// statement timeout, and readable errors without the password.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretValues } from '../../lib/secret.js';
import type { ProbeContext } from '../../probes/context.js';
import type { ProbeOutcome } from '../../probes/probe.js';
import { ProbeTimeoutError } from '../../probes/outcome-text.js';
import { sqlProbe, sqlSchema } from '../../probes/sql/index.js';
import { numericValue, sqlSeries } from '../../probes/sql/series.js';
import { closeAfterEach, closedPort, connectAfter, deadline, probeContextPerTest, startSilentServer } from '../helpers/servers.js';
import { TEST_POSTGRES_URL } from '../helpers/stores.js';

const MYSQL_URL = process.env.VIGIL_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const contexts = probeContextPerTest();
const use = closeAfterEach();
const probe = (config: Record<string, unknown>, ctx: ProbeContext = contexts.current(), timeoutMs = 5000): Promise<ProbeOutcome> =>
  sqlProbe.run(sqlSchema.parse(config), deadline(timeoutMs), ctx);

describe('sql series as a pure function', () => {
  it.each([
    { value: 3, number: 3 },
    { value: '12', number: 12 },
    { value: '1.5e3', number: 1500 },
    { value: true, number: 1 },
    { value: 9007199254740993n, number: 9007199254740992 },
    { value: 'abc', number: null },
    { value: null, number: null },
    { value: '', number: null },
  ])('reads $value as $number', ({ value, number }) => {
    expect(numericValue(value)).toBe(number);
  });

  it('refuses several rows without label columns and rows sharing their labels', () => {
    const metrics = [{ name: 'queue_depth', column: 'n', labels: {} }];
    expect(sqlSeries([{ n: 1 }, { n: 2 }], ['n'], { metrics, label_columns: [], expect: [] }).problems).toEqual([
      'the query returned 2 rows, expected one; name the columns that tell rows apart in label_columns',
    ]);
    expect(sqlSeries([{ q: 'a', n: 1 }, { q: 'a', n: 2 }], ['q', 'n'], { metrics, label_columns: ['q'], expect: [] }).problems).toEqual([
      'two rows have the same label columns (q=a); each row needs its own',
    ]);
    expect(sqlSeries([], ['q', 'n'], { metrics, label_columns: ['q'], expect: [] })).toEqual({ samples: [], problems: [] });
  });
});

interface Engine {
  readonly name: string;
  /** DSN of the test's database. */
  dsn(): string;
  exec(sql: string): Promise<void>;
  count(): Promise<number>;
  readonly sleep: string;
  readonly port: number;
}

const suffix = randomBytes(4).toString('hex');
const table = `vigil_sql_${suffix}`;

const postgres: Engine & { setup(): Promise<void>; teardown(): Promise<void> } = (() => {
  let client: pg.Client;
  return {
    name: 'postgres',
    port: 5432,
    dsn: () => TEST_POSTGRES_URL,
    sleep: 'SELECT pg_sleep(3) AS slept',
    async setup() {
      client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
    },
    async exec(sql) {
      await client.query(sql);
    },
    async count() {
      return (await client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    },
    async teardown() {
      await client?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
      await client?.end();
    },
  };
})();

const mariadb: Engine & { setup(): Promise<void>; teardown(): Promise<void> } = (() => {
  let connection: mysql.Connection;
  const database = `vigil_sql_${suffix}`;
  return {
    name: 'mariadb',
    port: 3306,
    dsn: () => `${MYSQL_URL}/${database}`,
    sleep: 'SELECT SLEEP(3) AS slept',
    async setup() {
      connection = await mysql.createConnection({ uri: MYSQL_URL });
      await connection.query(`CREATE DATABASE ${database}`);
      await connection.query(`USE ${database}`);
    },
    async exec(sql) {
      await connection.query(sql);
    },
    async count() {
      const [rows] = await connection.query(`SELECT count(*) AS n FROM ${table}`);
      return Number((rows as Array<{ n: number }>)[0].n);
    },
    async teardown() {
      await connection?.query(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
      await connection?.end();
    },
  };
})();

describe.each([postgres, mariadb])('the sql probe on $name', (engine) => {
  beforeAll(async () => {
    await engine.setup();
    await engine.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, queue varchar(20), state varchar(20), created_at_age numeric(10,1))`);
    await engine.exec(`INSERT INTO ${table} VALUES (1, 'emails', 'created', 12.5), (2, 'emails', 'created', 3), (3, 'exports', 'created', 40), (4, 'exports', 'done', 1)`);
  });
  afterAll(() => engine.teardown());

  it('records a one-row result as the configured series with fixed labels', async () => {
    const outcome = await probe({
      dsn: engine.dsn(),
      query: `SELECT count(*) AS pending, max(created_at_age) AS oldest FROM ${table} WHERE state = 'created'`,
      metrics: [
        { name: 'queue_depth', column: 'pending', labels: { queue: 'all' } },
        { name: 'queue_oldest_age_seconds', column: 'oldest', labels: { queue: 'all' } },
      ],
    });
    expect(outcome).toMatchObject({ success: true, error: null });
    expect(outcome.samples).toEqual([
      { name: 'queue_depth', labels: { queue: 'all' }, value: 3 },
      { name: 'queue_oldest_age_seconds', labels: { queue: 'all' }, value: 40 },
    ]);
  });

  it('records one series per row labelled by label_columns, and fails an expectation naming the row', async () => {
    const outcome = await probe({
      dsn: engine.dsn(),
      query: `SELECT queue, count(*) AS pending FROM ${table} WHERE state = 'created' GROUP BY queue ORDER BY queue`,
      label_columns: ['queue'],
      metrics: [{ name: 'queue_depth', column: 'pending', labels: { state: 'created' } }],
      expect: { column: 'pending', under: 2 },
    });
    expect(outcome.samples).toEqual([
      { name: 'queue_depth', labels: { state: 'created', queue: 'emails' }, value: 2 },
      { name: 'queue_depth', labels: { state: 'created', queue: 'exports' }, value: 1 },
    ]);
    expect(outcome).toMatchObject({ success: false, error: 'pending is 2 (queue=emails), expected under 2' });
  });

  it('names a missing column and a value that is not a number', async () => {
    const missing = await probe({ dsn: engine.dsn(), query: `SELECT count(*) AS n FROM ${table}`, metrics: [{ name: 'queue_depth', column: 'pending' }] });
    expect(missing.error).toBe('column pending is not in the result (it has n)');
    const text = await probe({ dsn: engine.dsn(), query: `SELECT queue AS pending FROM ${table} WHERE id = 1`, metrics: [{ name: 'queue_depth', column: 'pending' }] });
    expect(text.error).toBe('column pending is "emails", expected a number for queue_depth');
  });

  it('runs read-only: a write is refused and changes nothing', async () => {
    const outcome = await probe({ dsn: engine.dsn(), query: `DELETE FROM ${table}` });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(new RegExp(`^the query tried to write, refused by the read-only transaction at 127\\.0\\.0\\.1:${engine.port}: `));
    expect(await engine.count()).toBe(4);
  });

  it('runs one statement only: a second one after a semicolon never runs', async () => {
    const outcome = await probe({ dsn: engine.dsn(), query: `SELECT 1 AS one; COMMIT; DELETE FROM ${table}` });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(new RegExp(`^query failed at 127\\.0\\.0\\.1:${engine.port}: `));
    expect(await engine.count()).toBe(4);
  });

  it('has the server cancel a query past statement_timeout', async () => {
    const started = performance.now();
    const outcome = await probe({ dsn: engine.dsn(), query: engine.sleep, statement_timeout: '200ms' });
    expect(outcome.error).toMatch(new RegExp(`^query cancelled at 127\\.0\\.0\\.1:${engine.port}: `));
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('stops at the deadline while the query runs, and its next run works on a fresh connection', async () => {
    const ctx = contexts.create();
    const outcome = await probe({ dsn: engine.dsn(), query: engine.sleep, statement_timeout: '2s' }, ctx, 300);
    expect(outcome.error).toBe(`timed out after 300ms while querying 127.0.0.1:${engine.port}`);
    expect((await probe({ dsn: engine.dsn(), query: 'SELECT 1 AS one', metrics: [{ name: 'one', column: 'one' }] }, ctx)).samples).toEqual([
      { name: 'one', labels: {}, value: 1 },
    ]);
  });

  it.each([
    { case: 'a missing database', dsn: (e: Engine) => e.dsn().replace(/\/[^/]*$/, '/vigil_no_such_db'), error: /^database missing at 127\.0\.0\.1:\d+: .*vigil_no_such_db/ },
    { case: 'an unknown user', dsn: (e: Engine) => e.dsn().replace('root@', 'vigil_no_such_user:Sup3r-Secret-pw@'), error: /^authentication failed at 127\.0\.0\.1:\d+: .*vigil_no_such_user/ },
  ])('says so for $case, without the password', async ({ dsn, error }) => {
    const outcome = await probe({ dsn: dsn(engine), query: 'SELECT 1 AS one' });
    expect(outcome.error).toMatch(error);
    expect(outcome.error).not.toContain('Sup3r-Secret-pw');
  });
});

describe('the sql probe on MySQL/MariaDB keeps the probe contract', () => {
  it('reports a refused connection, a timeout against a server that never answers without leaking the socket, and opens nothing when already aborted', async () => {
    const port = await closedPort();
    const dsn = (p: number) => `mysql://root:Sup3r-Secret-pw@127.0.0.1:${p}/x`;
    expect((await probe({ dsn: dsn(port), query: 'SELECT 1' })).error).toBe(`connection refused to 127.0.0.1:${port}`);
    const silent = await use(startSilentServer());
    const ctx = contexts.create({ secrets: new SecretValues([dsn(silent.port)]) });
    expect((await probe({ dsn: dsn(silent.port), query: 'SELECT 1' }, ctx, 300)).error).toBe(`timed out after 300ms while connecting to 127.0.0.1:${silent.port}`);
    await expect.poll(() => silent.open, { timeout: 2000 }).toBe(0);
    const before = silent.accepted;
    const aborted = await sqlProbe.run(sqlSchema.parse({ dsn: dsn(silent.port), query: 'SELECT 1' }), AbortSignal.abort(new ProbeTimeoutError(5000)), ctx);
    expect(aborted.error).toBe(`timed out after 5s before connecting to 127.0.0.1:${silent.port}`);
    await connectAfter(silent);
    expect(silent.accepted - 1).toBe(before);
  });

  it('refuses a DSN of an unknown scheme when the config loads', () => {
    const parsed = sqlSchema.safeParse({ dsn: 'sqlite:///tmp/x.db', query: 'select 1' });
    expect(parsed.error?.issues[0].message).toBe('expected a DSN like postgres://vigil@db:5432/app or mysql://vigil@db:3306/app');
  });
});
