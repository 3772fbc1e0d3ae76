// Store benchmark: Vigil's append, rollUp and 7-day query figures next to the plain-SQLite limit,
// measured in the same run so the ratio is fair on this machine, plus the steady-state rollup tick at
// the target scale (60,000 series): the event-loop block the probe scheduler sees.
// Build first (`npx tsc -p tsconfig.build.json`), then from the project root:
//   node bench/store.mjs [rows]          (default 2,000,000; prints one JSON line)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../dist/store/sqlite/sqlite-store.js';
import { SqliteCore } from '../dist/store/sqlite/core.js';
import { openDatabase } from '../dist/store/sqlite/db.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rows = Number(process.argv[2] ?? 2_000_000);
const SERIES = 1000;
const BATCH = 10_000;
const STEP_MS = 10_000;
const T0 = 1_700_000_040_000; // the limit script starts at 1_700_000_000_000; this is the next whole minute
const MINUTE = 60_000;
const DAY = 86_400_000;

const TICK_SERIES = 60_000;
const TICK_WARMUP_MINUTES = 1;
const TICK_MEASURED_MINUTES = 2;

const elapsedSec = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// 1. The plain-SQLite limit, as a child process so it gets a fresh heap like ours.
const limit = JSON.parse(
  execFileSync(process.execPath, ['../shared/bench/sqlite-limit.mjs', String(rows)], { cwd: projectRoot, encoding: 'utf8' }).trim(),
);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
try {
  // 2. Append: the limit script's shape (series i % 1000, 10 s step, transactions of 10,000) as Sample
  // objects with name + labels, built fresh per batch outside the timed section like a probe would.
  const envs = ['dev', 'staging', 'prod'];
  // Through the async contract: each batch is one awaited append (the cost of the contract is measured
  // in here, against the synchronous plain-SQLite loop of the limit script).
  let store = await openSqliteStore(path.join(dir, 'append.db'), { readers: 0 });
  const makeBatch = (from) => {
    const batch = new Array(BATCH);
    for (let i = from; i < from + BATCH; i++) {
      const s = i % SERIES;
      batch[i - from] = {
        name: 'probe_duration_seconds',
        labels: { env: envs[s % 3], service: `service-${Math.floor(s / 30)}`, check: `check-${s % 10}` },
        ts: T0 + Math.floor(i / SERIES) * STEP_MS,
        value: Math.random(),
      };
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

  // The same appends on the synchronous core the async store wraps: what the async contract costs.
  const core = new SqliteCore(openDatabase(path.join(dir, 'sync.db')));
  let syncAppendSec = 0;
  for (let i = 0; i < rows; i += BATCH) {
    const batch = makeBatch(i);
    const begin = process.hrtime.bigint();
    core.inTransaction(() => core.appendRows(batch));
    syncAppendSec += elapsedSec(begin);
  }
  core.db.close();

  // Reopened as the server opens it, with a reader thread and so the WAL checkpointer, for the rollups.
  await store.close();
  store = await openSqliteStore(path.join(dir, 'append.db'), { readers: 1 });

  // 3. RollUp: fold everything once (the catch-up after a restart), then one steady-state 10 s tick
  // (one that closes no minute: with minutes folded once when they close, it has nothing to do).
  // The catch-up folds ~5.5 hours of 1,000 series: each call is one synchronous block of the event loop.
  let start = process.hrtime.bigint();
  let rollUpBuckets = 0;
  let rollUpLongestCallMs = 0;
  let rollUpCalls = 0;
  for (let more = true; more; rollUpCalls++) {
    const callStart = process.hrtime.bigint();
    ({ more, buckets: rollUpBuckets } = countBuckets(await store.samples.rollUp(end), rollUpBuckets));
    rollUpLongestCallMs = Math.max(rollUpLongestCallMs, elapsedSec(callStart) * 1000);
  }
  const rollUpSec = elapsedSec(start);
  const tick = [];
  for (let s = 0; s < SERIES; s++) tick.push({ name: 'probe_duration_seconds', labels: { env: envs[s % 3], service: `service-${Math.floor(s / 30)}`, check: `check-${s % 10}` }, ts: end, value: Math.random() });
  await store.samples.append(tick);
  start = process.hrtime.bigint();
  for (let more = true; more; ) ({ more } = countBuckets(await store.samples.rollUp(end + STEP_MS), 0));
  const steadyRollUpMs = elapsedSec(start) * 1000;
  await store.close();
  const bytesPerSample = fs.statSync(path.join(dir, 'append.db')).size / rows;
  const bytesByTable = tableBytes(path.join(dir, 'append.db'));

  // 4. A 7-day chart at 1-minute step from rollups: one series with a sample every 10 s for 7 days.
  const queryStore = await openSqliteStore(path.join(dir, 'query.db'));
  const labels = { env: 'prod', service: 'api', check: 'http' };
  const queryFrom = T0 - 7 * DAY;
  for (let ts = queryFrom; ts < T0; ts += BATCH * STEP_MS) {
    const batch = [];
    for (let t = ts; t < Math.min(T0, ts + BATCH * STEP_MS); t += STEP_MS) {
      batch.push({ name: 'probe_duration_seconds', labels, ts: t, value: Math.exp(Math.random() * 3 - 4) });
    }
    await queryStore.samples.append(batch);
  }
  for (let more = true; more; ) ({ more } = countBuckets(await queryStore.samples.rollUp(T0), 0));
  // The last 90 s stay unrolled, like a chart of "now" between two ticks: the tail is read raw.
  const tailTo = T0 + 90_000;
  const tail = [];
  for (let t = T0; t < tailTo; t += STEP_MS) tail.push({ name: 'probe_duration_seconds', labels, ts: t, value: Math.exp(Math.random() * 3 - 4) });
  await queryStore.samples.append(tail);
  const query = (aggregate, stepMs) => ({
    metric: 'probe_duration_seconds',
    matchers: [{ label: 'service', op: '=', value: 'api' }],
    from: queryFrom,
    to: tailTo,
    stepMs,
    aggregate,
  });
  // Answered in a reader thread: the figure includes the round trip to it.
  const timeQuery = async (aggregate, stepMs = MINUTE) => {
    const runs = [];
    let points = 0;
    for (let run = 0; run < 9; run++) {
      const begin = process.hrtime.bigint();
      const result = await queryStore.samples.query(query(aggregate, stepMs));
      runs.push(elapsedSec(begin) * 1000);
      points = result.series[0].points.length;
    }
    return { ms: +median(runs).toFixed(2), points };
  };
  const avg = await timeQuery('avg');
  const p50 = await timeQuery('p50');
  const avgHour = await timeQuery('avg', 60 * MINUTE);
  const p50Hour = await timeQuery('p50', 60 * MINUTE);
  await queryStore.close();

  const tick60k = await steadyTick(path.join(dir, 'tick.db'));

  const appendSamplesPerSec = Math.round(rows / appendSec);
  console.log(
    JSON.stringify({
      rows,
      series: SERIES,
      sqlite: limit.sqlite,
      limitInsertRowsPerSec: limit.insertRowsPerSec,
      appendSamplesPerSec,
      appendRatioToLimit: +(appendSamplesPerSec / limit.insertRowsPerSec).toFixed(3),
      syncCoreAppendSamplesPerSec: Math.round(rows / syncAppendSec),
      asyncContractRatio: +(syncAppendSec / appendSec).toFixed(3),
      bytesPerSample: +bytesPerSample.toFixed(1),
      bytesPerSampleRaw: +(bytesByTable.samples / rows).toFixed(1),
      bytesPerSampleRollups: +((bytesByTable.rollup_1m + bytesByTable.rollup_1h) / rows).toFixed(2),
      limitBytesPerRow: limit.bytesPerRow,
      rollUpSamplesPerSec: Math.round(rows / rollUpSec),
      rollUpBuckets,
      rollUpCalls,
      rollUpLongestCallMs: +rollUpLongestCallMs.toFixed(1),
      steadyRollUpMs: +steadyRollUpMs.toFixed(1),
      query7dAt1m: { points: avg.points, avgMedianMs: avg.ms, p50MedianMs: p50.ms },
      query7dAt1h: { points: avgHour.points, avgMedianMs: avgHour.ms, p50MedianMs: p50Hour.ms },
      tick60k,
    }),
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** On-disk bytes of each table (and its indexes), from SQLite's dbstat. */
function tableBytes(file) {
  const db = new Database(file, { readonly: true });
  try {
    const bytes = { samples: 0, rollup_1m: 0, rollup_1h: 0 };
    for (const { name, size } of db.prepare('SELECT name, SUM(pgsize) AS size FROM dbstat GROUP BY name').all()) {
      if (name in bytes) bytes[name] = size;
    }
    return bytes;
  } finally {
    db.close();
  }
}

/** Reads a rollUp result: `{ buckets, more }`, or a bare bucket count from stores before chunked rollups. */
function countBuckets(result, total) {
  return typeof result === 'number' ? { buckets: total + result, more: false } : { buckets: total + result.buckets, more: result.more };
}

/**
 * TICK_SERIES series with a sample every 10 s and a rollup pass every 10 s (calls of the default budget
 * until `more` is false), as the server runs it. After a warm-up, reports the rollup time per minute of
 * data and the longest single call: the longest the event loop is blocked.
 */
async function steadyTick(file) {
  // One reader thread, as the server opens the file: with it runs the WAL checkpointer, which keeps
  // the writer's own checkpoint (a 60–72 ms commit here) out of the rollup calls.
  const tickStore = await openSqliteStore(file, { readers: 1 });
  const labels = [];
  for (let s = 0; s < TICK_SERIES; s++) labels.push({ env: ['dev', 'staging', 'prod'][s % 3], service: `service-${Math.floor(s / 20)}`, check: `check-${s}` });
  const tickT0 = Math.ceil(T0 / (60 * MINUTE)) * 60 * MINUTE + 50 * MINUTE; // 50 minutes into an hour: hour rows exist
  let totalMs = 0;
  let longestCallMs = 0;
  let calls = 0;
  let buckets = 0;
  const ticksPerMinute = MINUTE / STEP_MS;
  const ticks = (TICK_WARMUP_MINUTES + TICK_MEASURED_MINUTES) * ticksPerMinute;
  for (let tickIndex = 0; tickIndex < ticks; tickIndex++) {
    const ts = tickT0 + tickIndex * STEP_MS;
    for (let from = 0; from < TICK_SERIES; from += BATCH) {
      const batch = [];
      for (let s = from; s < Math.min(TICK_SERIES, from + BATCH); s++) {
        batch.push({ name: 'probe_duration_seconds', labels: labels[s], ts: ts + (s % 1000), value: Math.exp(Math.random() * 3 - 4) });
      }
      await tickStore.samples.append(batch);
    }
    const measured = tickIndex >= TICK_WARMUP_MINUTES * ticksPerMinute;
    for (let more = true; more; ) {
      const begin = process.hrtime.bigint();
      ({ more, buckets } = countBuckets(await tickStore.samples.rollUp(ts + STEP_MS), buckets));
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
    rollUpMsPerMinuteOfData: +(totalMs / TICK_MEASURED_MINUTES).toFixed(1),
    longestRollUpCallMs: +longestCallMs.toFixed(1),
    callsPerMinute: +(calls / TICK_MEASURED_MINUTES).toFixed(1),
  };
}
