// Scheduler throughput: N http checks at a 10 s interval (first runs jittered) against a trivial local
// server, with a no-op writer, then the best N again with the real SQLite store. Reports sustained
// checks/s, p50/p99 scheduling lag (startedAt - plannedAt) and the ratio to the machine's limit for
// plain-Node HTTP requests (../shared/bench/http-probe-limit.mjs, measured in the same run), and the
// highest N that keeps p99 lag under 100 ms. Prints one JSON line.
// Run: npx tsc -p tsconfig.build.json && node bench/scheduler.mjs [--seconds 15] [--n 10000,20000,30000]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { Scheduler } = await import(dist('probes/scheduler.js'));
const { IngestWriter } = await import(dist('ingest/writer.js'));
const { LiveView } = await import(dist('ingest/live-view.js'));
const { createProbeContext } = await import(dist('probes/context.js'));
const { builtinProbes } = await import(dist('probes/index.js'));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const MEASURE_SECONDS = Number(arg('seconds', 15));
const WARMUP_SECONDS = 3;
const EVERY_MS = 10_000;
const CONCURRENCY = Number(arg('concurrency', 64));
const N_LIST = arg('n', '20000,40000,60000,80000,100000,120000,140000,160000').split(',').map(Number);
const SQLITE_N_LIST = arg('sqlite-n', '10000,20000,40000,60000,80000').split(',').map(Number);
const log = (line) => process.stderr.write(`${line}\n`);

// The limit, in its own process, before anything else loads the CPU.
const limit = JSON.parse(
  execFileSync(process.execPath, ['../shared/bench/http-probe-limit.mjs', '5', '64'], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop(),
);
log(`limit: ${JSON.stringify(limit)}`);

const body = '{"status":"ok"}';
async function inProcessTarget() {
  const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/health`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}
async function childProcessTarget() {
  const source = `const s=require('node:http').createServer((q,r)=>r.writeHead(200,{'content-type':'application/json'}).end('${body}'));s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  return { url: `http://127.0.0.1:${port}/health`, close: async () => void child.kill() };
}

const quantile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] : null);

async function measure(n, target, makeWriter) {
  const registry = builtinProbes();
  const targetSpec = registry.get('http').schema.parse({ url: target.url });
  const checks = Array.from({ length: n }, (_, i) => ({
    id: `bench/svc/c${i}`,
    env: 'bench',
    service: 'svc',
    name: `c${i}`,
    kind: 'http',
    everyMs: EVERY_MS,
    timeoutMs: 5000,
    target: targetSpec,
    runbook: null,
  }));
  const { writer, done } = await makeWriter();
  const clock = { now: () => Date.now() };
  const context = createProbeContext({ clock });
  let windowStart = Infinity;
  let windowEnd = Infinity;
  const lags = [];
  let finished = 0;
  let failures = 0;
  let firstError = null;
  const scheduler = new Scheduler(checks, {
    registry,
    writer,
    context,
    clock,
    concurrency: CONCURRENCY,
    onRun(run) {
      if (run.startedAt < windowStart || run.finishedAt >= windowEnd) return;
      finished++;
      lags.push(run.startedAt - run.plannedAt);
      if (!run.outcome.success) {
        failures++;
        firstError ??= run.outcome.error;
      }
    },
  });
  const started = Date.now();
  scheduler.start();
  await new Promise((r) => setTimeout(r, WARMUP_SECONDS * 1000));
  const before = scheduler.stats();
  const elu0 = performance.eventLoopUtilization();
  windowStart = Date.now();
  windowEnd = windowStart + MEASURE_SECONDS * 1000;
  await new Promise((r) => setTimeout(r, MEASURE_SECONDS * 1000));
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const after = scheduler.stats();
  await scheduler.stop();
  await done();
  await context.close();
  lags.sort((a, b) => a - b);
  const checksPerSec = Math.round(finished / MEASURE_SECONDS);
  const result = {
    n,
    offeredPerSec: Math.round(n / (EVERY_MS / 1000)),
    checksPerSec,
    p50LagMs: quantile(lags, 0.5),
    p99LagMs: quantile(lags, 0.99),
    maxLagMs: lags.at(-1) ?? null,
    failures,
    overrunsSkipped: after.overrunsSkipped - before.overrunsSkipped,
    eventLoopUtilization: +elu.toFixed(2),
    ratioToLimit: +(checksPerSec / limit.requestsPerSec).toFixed(3),
    ...(firstError ? { firstError } : {}),
  };
  log(`${JSON.stringify(result)} (${Math.round((Date.now() - started) / 1000)}s)`);
  return result;
}

const noopWriter = () => ({ writer: { write() {} }, done: async () => {} });
const ok = (r) => r.p99LagMs !== null && r.p99LagMs < 100 && r.failures === 0 && r.checksPerSec >= r.offeredPerSec * 0.97;

/** Runs the N values in order and stops at the first one that misses p99 lag < 100 ms (or fails checks). */
async function search(nList, target, makeWriter) {
  const runs = [];
  let best = null;
  for (const n of nList) {
    const r = await measure(n, target, makeWriter);
    runs.push(r);
    if (!ok(r)) break;
    best = r;
  }
  return { runs, bestN: best?.n ?? null, best };
}

const target = await inProcessTarget();
const noop = await search(N_LIST, target, noopWriter);

let sqlite = null;
let openSqliteStore = null;
try {
  ({ openSqliteStore } = await import(dist('store/sqlite/sqlite-store.js')));
} catch (error) {
  sqlite = { skipped: `store/sqlite/sqlite-store.js not built: ${error.message}` };
}
if (openSqliteStore) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
  let flushErrors = 0;
  const stores = [];
  sqlite = await search(SQLITE_N_LIST, target, async () => {
    // A fresh database per N so one run's data does not slow the next. The whole ingest path: series
    // limits and the live view, then batched appends.
    const store = await openSqliteStore(path.join(dir, `bench-${stores.length}.db`));
    stores.push(store);
    const writer = new IngestWriter(store, new LiveView(), {
      clock: { now: () => Date.now() },
      log,
      onFlush: (_n, failed) => void (failed && flushErrors++),
    });
    return {
      writer,
      done: async () => {
        await writer.close();
        await store.close();
      },
    };
  });
  sqlite.flushErrors = flushErrors;
  rmSync(dir, { recursive: true, force: true });
}

let childTarget = null;
if (noop.best) {
  const child = await childProcessTarget();
  childTarget = await measure(noop.best.n, child, noopWriter);
  await child.close();
}
await target.close();

console.log(
  JSON.stringify({
    node: process.version,
    cores: os.cpus().length,
    everyMs: EVERY_MS,
    concurrency: CONCURRENCY,
    measureSeconds: MEASURE_SECONDS,
    limit,
    bestN: noop.bestN,
    checksPerSec: noop.best?.checksPerSec ?? null,
    p50LagMs: noop.best?.p50LagMs ?? null,
    p99LagMs: noop.best?.p99LagMs ?? null,
    failures: noop.best?.failures ?? null,
    ratioToLimit: noop.best?.ratioToLimit ?? null,
    noopWriter: noop,
    sqlite,
    childProcessTargetAtBestN: childTarget,
  }),
);
process.exit(0);
