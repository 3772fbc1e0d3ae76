// PostgreSQL store benchmark: Vigil's append, rollUp and query figures next to the plain-`pg` limit
// (../shared/bench/pg-limit.mjs) measured in the same run, so the ratios are fair on this machine; the
// append methods the store chose between; on-disk bytes per stored sample (raw and rollups); and the
// steady-state rollup tick at the target scale (60,000 series).
// Build first (`npx tsc -p tsconfig.build.json`), then from the project root:
//   node bench/store-postgres.mjs [rows] [admin URL]   (default 500,000 and postgres://root@127.0.0.1:5432/postgres)
// Prints one JSON line.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { binaryRows } from '../dist/store/postgres/append.js';
import { copyIn } from '../dist/store/postgres/copy-in.js';
import { openPostgresStore } from '../dist/store/postgres/postgres-store.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rows = Number(process.argv[2] ?? 500_000);
const adminUrl = process.argv[3] ?? 'postgres://root@127.0.0.1:5432/postgres';
const SERIES = 1000;
const BATCH = 10_000;
const STEP_MS = 10_000;
const T0 = 1_700_000_040_000; // the limit script starts at 1_700_000_000_000; this is the next whole minute
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 86_400_000;
const METHOD_ROWS = 100_000;
const METHOD_ROUNDS = 3;
const TICK_SERIES = 60_000;
const TICK_WARMUP_MINUTES = 1;
const TICK_MEASURED_MINUTES = 2;

const elapsedSec = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const envs = ['dev', 'staging', 'prod'];
const labelsOf = (s) => ({ env: envs[s % 3], service: `service-${Math.floor(s / 30)}`, check: `check-${s % 10}` });

// 1. The plain-pg limit, as a child process so it gets a fresh heap like ours.
const limit = JSON.parse(
  execFileSync(process.execPath, ['../shared/bench/pg-limit.mjs', String(rows), adminUrl], { cwd: projectRoot, encoding: 'utf8' }).trim(),
);

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
const databases = [];
/** A fresh database for one part of the run; dropped at the end. */
async function database(name) {
  const dbName = `vigil_bench_${name}_${process.pid}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  databases.push(dbName);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
}

try {
  const methods = await appendMethods(await database('methods'));

  // 2. Append: the limit script's shape (series i % 1000, 10 s step, batches of 10,000) as Sample
  // objects with name + labels, built fresh per batch outside the timed section like a probe would.
  const appendUrl = await database('append');
  const store = await openPostgresStore(appendUrl);
  const makeBatch = (from) => {
    const batch = new Array(BATCH);
    for (let i = from; i < from + BATCH; i++) {
      const s = i % SERIES;
      batch[i - from] = { name: 'probe_duration_seconds', labels: labelsOf(s), ts: T0 + Math.floor(i / SERIES) * STEP_MS, value: Math.random() };
    }
    return batch;
  };
  let appendSec = 0;
  for (let i = 0; i < rows; i += BATCH) {
    const batch = makeBatch(i);
    const start = process.hrtime.bigint();
    await store.samples.append(batch);
    appendSec += elapsedSec(start);
  }
  const end = T0 + (rows / SERIES) * STEP_MS;

  // 3. RollUp: fold everything once (the catch-up after a restart), then one steady-state 10 s tick.
  let start = process.hrtime.bigint();
  let rollUpBuckets = 0;
  for (let more = true; more; ) {
    const progress = await store.samples.rollUp(end);
    rollUpBuckets += progress.buckets;
    more = progress.more;
  }
  const rollUpSec = elapsedSec(start);
  const tick = [];
  for (let s = 0; s < SERIES; s++) tick.push({ name: 'probe_duration_seconds', labels: labelsOf(s), ts: end, value: Math.random() });
  await store.samples.append(tick);
  start = process.hrtime.bigint();
  for (let more = true; more; ) ({ more } = await store.samples.rollUp(end + STEP_MS));
  const steadyRollUpMs = elapsedSec(start) * 1000;

  // 4. Raw range reads through the query API: a third of the series (env=prod), every sample, at a
  // 10 s step (one point per sample), as rows read per second next to the limit's range reads.
  const rawQuery = { metric: 'probe_duration_seconds', matchers: [{ label: 'env', op: '=', value: 'prod' }], from: T0, to: end, stepMs: STEP_MS, aggregate: 'last' };
  const rawRuns = [];
  let rawRows = 0;
  for (let run = 0; run < 5; run++) {
    const begin = process.hrtime.bigint();
    rawRows = (await store.samples.query(rawQuery)).rowsScanned;
    rawRuns.push(elapsedSec(begin));
  }
  const rangeReadRowsPerSec = Math.round(rawRows / median(rawRuns));
  await store.close();

  // 5. Bytes on disk per stored sample, after VACUUM ANALYZE like the limit's table.
  const sizes = new pg.Client({ connectionString: appendUrl });
  await sizes.connect();
  await sizes.query('VACUUM ANALYZE');
  const size = async (table) => Number((await sizes.query(`SELECT pg_total_relation_size('${table}') AS b`)).rows[0].b);
  const stored = rows + SERIES;
  const rawBytes = await size('samples');
  const rollupBytes = (await size('rollup_1m')) + (await size('rollup_1h'));
  const rollupRows = Number((await sizes.query('SELECT (SELECT count(*) FROM rollup_1m) + (SELECT count(*) FROM rollup_1h) AS n')).rows[0].n);
  await sizes.end();

  // 6. A 7-day chart from rollups: one series with a sample every 10 s for 7 days, the last 90 s unfolded.
  const queryStore = await openPostgresStore(await database('query'));
  const labels = { env: 'prod', service: 'api', check: 'http' };
  const queryFrom = T0 - 7 * DAY;
  for (let ts = queryFrom; ts < T0; ts += BATCH * STEP_MS) {
    const batch = [];
    for (let t = ts; t < Math.min(T0, ts + BATCH * STEP_MS); t += STEP_MS) batch.push({ name: 'probe_duration_seconds', labels, ts: t, value: Math.exp(Math.random() * 3 - 4) });
    await queryStore.samples.append(batch);
  }
  for (let more = true; more; ) ({ more } = await queryStore.samples.rollUp(T0));
  const tailTo = T0 + 90_000;
  const tail = [];
  for (let t = T0; t < tailTo; t += STEP_MS) tail.push({ name: 'probe_duration_seconds', labels, ts: t, value: Math.exp(Math.random() * 3 - 4) });
  await queryStore.samples.append(tail);
  const timeQuery = async (aggregate, stepMs = MINUTE) => {
    const runs = [];
    let points = 0;
    for (let run = 0; run < 9; run++) {
      const begin = process.hrtime.bigint();
      const result = await queryStore.samples.query({
        metric: 'probe_duration_seconds',
        matchers: [{ label: 'service', op: '=', value: 'api' }],
        from: queryFrom,
        to: tailTo,
        stepMs,
        aggregate,
      });
      runs.push(elapsedSec(begin) * 1000);
      points = result.series[0].points.length;
    }
    return { ms: +median(runs).toFixed(2), points };
  };
  const avg = await timeQuery('avg');
  const p50 = await timeQuery('p50');
  const avgHour = await timeQuery('avg', HOUR);
  const p50Hour = await timeQuery('p50', HOUR);
  await queryStore.close();

  const tick60k = await steadyTick(await database('tick'));

  const appendSamplesPerSec = Math.round(rows / appendSec);
  console.log(
    JSON.stringify({
      rows,
      series: SERIES,
      postgres: limit.postgres,
      limitInsertRowsPerSec: limit.insertRowsPerSec,
      limitValuesInsertRowsPerSec: limit.valuesInsertRowsPerSec,
      limitUnnestInsertRowsPerSec: limit.unnestInsertRowsPerSec,
      appendSamplesPerSec,
      appendRatioToLimit: +(appendSamplesPerSec / limit.insertRowsPerSec).toFixed(3),
      appendMethodsRowsPerSec: methods,
      limitRangeReadRowsPerSec: limit.rangeReadRowsPerSec,
      rangeReadRowsPerSec,
      rangeReadRatioToLimit: +(rangeReadRowsPerSec / limit.rangeReadRowsPerSec).toFixed(3),
      limitBytesPerRow: limit.bytesPerRow,
      rawBytesPerSample: +(rawBytes / stored).toFixed(1),
      rollupBytesPerSample: +(rollupBytes / stored).toFixed(1),
      rollupBytesPerRow: +(rollupBytes / rollupRows).toFixed(1),
      rollUpSamplesPerSec: Math.round(rows / rollUpSec),
      rollUpBuckets,
      steadyRollUpMs: +steadyRollUpMs.toFixed(1),
      query7dAt1m: { points: avg.points, avgMedianMs: avg.ms, p50MedianMs: p50.ms },
      query7dAt1h: { points: avgHour.points, avgMedianMs: avgHour.ms, p50MedianMs: p50Hour.ms },
      tick60k,
    }),
  );
} finally {
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

/**
 * The ways a batch can be written into the samples table shape with the store's semantics (a sample
 * for a stored (series, ts) replaces it): rows per second, median of METHOD_ROUNDS rounds, each into a
 * fresh table, in batches of BATCH rows in a transaction each.
 */
async function appendMethods(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const data = Array.from({ length: METHOD_ROWS }, (_, i) => [i % SERIES, T0 + Math.floor(i / SERIES) * STEP_MS, Math.random()]);
  const UPSERT = 'ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value';
  const text = (chunk) => Buffer.from(chunk.map((r) => `${r[0]}\t${r[1]}\t${r[2]}\n`).join(''));
  const methods = {
    valuesUpsert: async (table, chunk) => {
      for (let k = 0; k < chunk.length; k += 1000) {
        const params = [];
        const tuples = [];
        for (const row of chunk.slice(k, k + 1000)) {
          tuples.push(`($${params.length + 1},$${params.length + 2},$${params.length + 3})`);
          params.push(...row);
        }
        await client.query(`INSERT INTO ${table} (series_id, ts, value) VALUES ${tuples.join(',')} ${UPSERT}`, params);
      }
    },
    unnestUpsert: async (table, chunk) => {
      await client.query(`INSERT INTO ${table} (series_id, ts, value) SELECT * FROM unnest($1::int[], $2::bigint[], $3::float8[]) ${UPSERT}`, [
        chunk.map((r) => r[0]),
        chunk.map((r) => r[1]),
        chunk.map((r) => r[2]),
      ]);
    },
    // COPY inside a savepoint (a conflict rolls back to it and takes the staging path), text format…
    copyTextInSavepoint: async (table, chunk) => {
      await copyIn(client, `SAVEPOINT a; COPY ${table} (series_id, ts, value) FROM STDIN`, text(chunk));
      await client.query('RELEASE SAVEPOINT a');
    },
    // …and binary, what the store does.
    copyBinaryInSavepoint: async (table, chunk) => {
      const payload = binaryRows(chunk.map((r) => r[0]), chunk.map((r) => r[1]), chunk.map((r) => r[2]), false);
      await copyIn(client, `SAVEPOINT a; COPY ${table} (series_id, ts, value) FROM STDIN (FORMAT binary)`, payload);
      await client.query('RELEASE SAVEPOINT a');
    },
    // The store's path for a batch that replaces stored samples.
    copyToStageThenUpsert: async (table, chunk) => {
      await client.query('CREATE TEMP TABLE IF NOT EXISTS stage (series_id integer, ts bigint, value double precision) ON COMMIT DELETE ROWS');
      await copyIn(client, 'COPY stage FROM STDIN', text(chunk));
      await client.query(`INSERT INTO ${table} SELECT * FROM stage ${UPSERT}`);
    },
  };
  const results = Object.fromEntries(Object.keys(methods).map((name) => [name, []]));
  let tableNo = 0;
  for (let round = 0; round < METHOD_ROUNDS; round++) {
    for (const [name, write] of Object.entries(methods)) {
      const table = `samples_${tableNo++}`;
      await client.query(`CREATE TABLE ${table} (series_id integer NOT NULL, ts bigint NOT NULL, value double precision NOT NULL, PRIMARY KEY (series_id, ts))`);
      const begin = process.hrtime.bigint();
      for (let i = 0; i < data.length; i += BATCH) {
        await client.query('BEGIN');
        await write(table, data.slice(i, i + BATCH));
        await client.query('COMMIT');
      }
      results[name].push(Math.round(data.length / elapsedSec(begin)));
      await client.query(`DROP TABLE ${table}`);
    }
  }
  await client.end();
  return Object.fromEntries(Object.entries(results).map(([name, perRound]) => [name, median(perRound)]));
}

/**
 * TICK_SERIES series with a sample every 10 s and a rollup pass every 10 s (calls of up to 2,000
 * series until `more` is false), as the server runs it. After a warm-up, reports the rollup time per
 * minute of data and the longest single call.
 */
async function steadyTick(url) {
  const tickStore = await openPostgresStore(url);
  const labels = [];
  for (let s = 0; s < TICK_SERIES; s++) labels.push({ env: envs[s % 3], service: `service-${Math.floor(s / 20)}`, check: `check-${s}` });
  const tickT0 = Math.ceil(T0 / HOUR) * HOUR + 50 * MINUTE; // 50 minutes into an hour: hour rows exist
  let totalMs = 0;
  let longestCallMs = 0;
  let calls = 0;
  let appendMs = 0;
  const ticksPerMinute = MINUTE / STEP_MS;
  const ticks = (TICK_WARMUP_MINUTES + TICK_MEASURED_MINUTES) * ticksPerMinute;
  for (let tickIndex = 0; tickIndex < ticks; tickIndex++) {
    const ts = tickT0 + tickIndex * STEP_MS;
    const measured = tickIndex >= TICK_WARMUP_MINUTES * ticksPerMinute;
    for (let from = 0; from < TICK_SERIES; from += BATCH) {
      const batch = [];
      for (let s = from; s < Math.min(TICK_SERIES, from + BATCH); s++) {
        batch.push({ name: 'probe_duration_seconds', labels: labels[s], ts: ts + (s % 1000), value: Math.exp(Math.random() * 3 - 4) });
      }
      const begin = process.hrtime.bigint();
      await tickStore.samples.append(batch);
      if (measured) appendMs += elapsedSec(begin) * 1000;
    }
    for (let more = true; more; ) {
      const begin = process.hrtime.bigint();
      ({ more } = await tickStore.samples.rollUp(ts + STEP_MS, 2000));
      const ms = elapsedSec(begin) * 1000;
      if (!measured) continue;
      totalMs += ms;
      calls++;
      longestCallMs = Math.max(longestCallMs, ms);
    }
  }
  await tickStore.close();
  return {
    series: TICK_SERIES,
    appendMsPerMinuteOfData: +(appendMs / TICK_MEASURED_MINUTES).toFixed(1),
    rollUpMsPerMinuteOfData: +(totalMs / TICK_MEASURED_MINUTES).toFixed(1),
    longestRollUpCallMs: +longestCallMs.toFixed(1),
    callsPerMinute: +(calls / TICK_MEASURED_MINUTES).toFixed(1),
  };
}
