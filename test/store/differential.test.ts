// The two engines side by side: one seeded random stream of samples (late, out of order, replaced,
// unstorable, labels in any key order) appended to a SQLite store and a PostgreSQL store with the same
// rollUp calls in between, then the same queries asked of both. The answers must be equal, bit for bit:
// both fold minutes with the same JS functions (SQLite's compensated sum included) and merge hours in
// minute order, and PostgreSQL's float8 round-trips every double exactly.
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../store/postgres/postgres-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { AGGREGATES, type LabelMatcher, type RollUpProgress, type Sample, type SeriesQuery, type Store } from '../../store/types.js';
import { PostgresTestDatabases } from '../helpers/stores.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { mulberry32 } from './random.js';

const SECOND = 1000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
// Long enough to close two hours, fold them and leave a tail; each minute more costs ~0.5 s of test time.
const SPAN = 2 * HOUR + 20 * MINUTE;
const GRACE = 30 * SECOND;

interface Arrival {
  readonly at: number;
  readonly sample: Sample;
}

/** Every series' samples, each with the time it reaches the store (usually soon, sometimes minutes late). */
function stream(seed: number): Arrival[] {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const arrivals: Arrival[] = [];
  const add = (name: string, labels: Record<string, string>, value: () => number, everyMs: number) => {
    for (let t = T0; t < T0 + SPAN; t += everyMs) {
      // Jittered times, some with a fraction of a millisecond (floored when stored).
      let ts = t + Math.floor(random() * everyMs);
      if (random() < 0.02) ts += 0.25 + random() / 2;
      // Labels written in either key order name the same series.
      const written = random() < 0.5 ? labels : Object.fromEntries(Object.entries(labels).reverse());
      const lateness = random() < 0.03 ? 2 * MINUTE + random() * 15 * MINUTE : random() * 20 * SECOND;
      arrivals.push({ at: ts + lateness, sample: { name, labels: written, ts, value: value() } });
      // A sample appended again for the same time replaces the first.
      if (random() < 0.02) arrivals.push({ at: ts + lateness + random() * 5 * MINUTE, sample: { name, labels, ts, value: value() } });
      // One that cannot be stored is skipped.
      if (random() < 0.005) arrivals.push({ at: ts, sample: { name, labels, ts: ts + 1, value: pick([NaN, Infinity, -Infinity]) } });
    }
  };
  for (const env of ['prod', 'staging', 'dev']) {
    for (const service of ['api', 'web', 'jobs']) {
      // Latencies over many orders of magnitude, with spikes and the odd exact zero.
      add('probe_duration_seconds', { env, service }, () => (random() < 0.01 ? 0 : random() < 0.03 ? 2 + random() * 8 : Math.exp(random() * 9 - 8)), 10 * SECOND);
      add('probe_success', { env, service }, () => (random() < 0.9 ? 1 : 0), 15 * SECOND);
    }
    for (const queue of ['exports', 'emails']) {
      // Integers, negative deltas, and values far apart in magnitude that make sums round.
      add('queue_depth', { env, queue, state: 'ready' }, () => pick([Math.floor(random() * 1000), -Math.floor(random() * 50), 1e15 * random(), 1e-9 * random(), 0.1]), 20 * SECOND);
    }
  }
  return arrivals.sort((a, b) => a.at - b.at);
}

const MATCHERS: ReadonlyArray<readonly LabelMatcher[]> = [
  [],
  [{ label: 'env', op: '=', value: 'prod' }],
  [{ label: 'env', op: '!=', value: 'staging' }],
  [
    { label: 'service', op: '=', value: 'api' },
    { label: 'env', op: '!=', value: 'dev' },
  ],
];
// Raw (10 s, 45 s), 1m (a minute, 5 min) and 1h (an hour, 90 min, 2 h) steps.
// Two steps per resolution (one a multiple of its bucket, one not): raw, 1-minute and 1-hour rollups.
const STEPS = [10 * SECOND, 45 * SECOND, MINUTE, 5 * MINUTE, 90 * MINUTE, 2 * HOUR];
const RANGES: ReadonlyArray<readonly [number, number]> = [
  [T0, T0 + SPAN + HOUR],
  [T0 + 37 * SECOND, T0 + 2 * HOUR + 13 * MINUTE + 5 * SECOND],
];
const METRICS = ['probe_duration_seconds', 'probe_success', 'queue_depth'];

function queries(steps: readonly number[] = STEPS): SeriesQuery[] {
  const all: SeriesQuery[] = [];
  for (const metric of METRICS) {
    for (const matchers of MATCHERS) {
      for (const [from, to] of RANGES) {
        for (const stepMs of steps) for (const aggregate of AGGREGATES) all.push({ metric, matchers, from, to, stepMs, aggregate });
      }
    }
  }
  return all;
}

/** Asks both stores every query and expects equal answers (resolution, series, points, rows read). */
async function expectSameAnswers(sqlite: Store, postgres: Store, asked: readonly SeriesQuery[]): Promise<number> {
  let points = 0;
  for (const query of asked) {
    const [fromSqlite, fromPostgres] = await Promise.all([sqlite.samples.query(query), postgres.samples.query(query)]);
    expect(fromPostgres, JSON.stringify(query)).toEqual(fromSqlite);
    points += fromSqlite.series.reduce((n, s) => n + s.points.length, 0);
  }
  return points;
}

type RollupRow = [series: string, bucket: number, count: number, sum: number, min: number, max: number, success: number, last: number, hist: string];

const ROLLUP_ROWS_SQL = (table: string) => `
SELECT s.metric || ' ' || s.labels AS series, r.bucket, r.count, r.sum, r.min, r.max, r.success, r.last, r.hist
FROM ${table} r JOIN series s ON s.id = r.series_id`;

/** Every row of a rollup table, by series name rather than id (ids differ between engines), sorted. */
function sortRows(rows: RollupRow[]): RollupRow[] {
  return rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
}

function sqliteRollups(file: string, table: string): RollupRow[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare<[], unknown[]>(ROLLUP_ROWS_SQL(table)).raw(true).all() as unknown[][];
    return sortRows(rows.map((row) => [...row.slice(0, 8), Buffer.from(row[8] as Uint8Array).toString('hex')] as RollupRow));
  } finally {
    db.close();
  }
}

async function postgresRollups(url: string, table: string): Promise<RollupRow[]> {
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format))) as pg.CustomTypesConfig['getTypeParser'] } });
  await client.connect();
  try {
    const result = await client.query<unknown[]>({ text: ROLLUP_ROWS_SQL(table), rowMode: 'array' });
    return sortRows(result.rows.map((row) => [...row.slice(0, 8), (row[8] as Buffer).toString('hex')] as RollupRow));
  } finally {
    await client.end();
  }
}

describe('SQLite and PostgreSQL stores', () => {
  const databases = new PostgresTestDatabases();
  afterAll(() => databases.end());

  let sqlite: Store;
  let postgres: Store;
  const arrivals = stream(20260105);

  beforeAll(() => {
    expect(arrivals.length).toBeGreaterThan(15_000);
  });

  it('answer every aggregate at every resolution, with and without matchers, the same after the same random stream', async () => {
    const file = tempDbPath();
    const url = await databases.create(async () => postgres.close());
    sqlite = await openSqliteStore(file);
    postgres = await openPostgresStore(url);
    const random = mulberry32(7);
    const progress: Array<[RollUpProgress, RollUpProgress, number]> = [];
    /** One rollUp call on each (until each says it is done); true while either has more. */
    const rollUpBoth = async (at: number, maxSeries: number) => {
      const last = progress[progress.length - 1];
      const done: RollUpProgress = { buckets: 0, more: false };
      const results = await Promise.all([
        last && !last[0].more && last[2] === at ? done : sqlite.samples.rollUp(at, maxSeries),
        last && !last[1].more && last[2] === at ? done : postgres.samples.rollUp(at, maxSeries),
      ]);
      progress.push([...results, at]);
      return results[0].more || results[1].more;
    };

    let checkpoints = 0;
    let next = 0;
    // Batches of what arrived in each 10 s tick; a rollup pass every tick, sometimes cut short.
    for (let tick = T0 + 10 * SECOND; next < arrivals.length; tick += 10 * SECOND) {
      const batch: Sample[] = [];
      while (next < arrivals.length && arrivals[next]!.at < tick) batch.push(arrivals[next++]!.sample);
      if (batch.length > 0) await Promise.all([sqlite.samples.append(batch), postgres.samples.append(batch)]);
      const maxSeries = 1 + Math.floor(random() * 8);
      const calls = random() < 0.2 ? 1 : 1000;
      for (let call = 0; call < calls && (await rollUpBoth(tick - GRACE, maxSeries)); call++);
      // Now and then, mid-pass and with unfolded tails, the answers so far.
      if ((tick - T0) % (30 * MINUTE) === 0) {
        checkpoints++;
        await expectSameAnswers(sqlite, postgres, queries([45 * SECOND, 5 * MINUTE, 90 * MINUTE]).filter((_, i) => i % 3 === 0));
      }
    }
    expect(checkpoints).toBeGreaterThanOrEqual(4);
    // Passes were cut short and resumed on both. (The buckets of one call may differ: the engines number
    // a batch's new series in different orders, so a chunk of ids holds other series on each.)
    expect(progress.some(([fromSqlite, fromPostgres]) => fromSqlite.more && fromPostgres.more)).toBe(true);

    // Fold everything, then ask everything.
    const end = T0 + SPAN + HOUR;
    while (await rollUpBoth(end, 3));
    expect(await postgres.samples.rolledUpTo()).toBe(await sqlite.samples.rolledUpTo());
    const points = await expectSameAnswers(sqlite, postgres, queries());
    expect(points).toBeGreaterThan(100_000);
    // And the same rollups stored, every column (the up count and the histogram bytes too).
    for (const table of ['rollup_1m', 'rollup_1h']) {
      const fromSqlite = sqliteRollups(file, table);
      expect(fromSqlite.length).toBeGreaterThan(table === 'rollup_1m' ? 3000 : 50);
      expect(await postgresRollups(url, table), table).toEqual(fromSqlite);
    }
    await Promise.all([sqlite.close(), postgres.close()]);
  }, 300_000);
});
