// SLA report at scale: `--checks` checks (default 6,000: 2,000 services × 3 environments) with one
// probe_success and one probe_duration_seconds sample a minute over the last `--days` days (default 1),
// seeded into a SQLite file through the store and folded into rollups; then the report of those days
// read and computed (reports/read.ts buildReport) on the store opened as the server opens it. Measured:
// how long it takes, the longest delay of this process's event loop while it runs (a 1 ms timer: what
// the scheduler's probes would have waited), and the growth of the heap. Baseline in the same run: the
// same store answering one series query of the same data at the step the report reads (minutes, or
// hours for a fleet past reports/read.ts MINUTE_POINTS_BUDGET), as a chart asks for it.
//   npm run build:server && node bench/reports.mjs [--checks 6000] [--days 1] [--runs 3] [--keep file.db]
// --keep: seed into `file.db` once and reuse it on the next run with the same --checks and --days.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { openSqliteStore } = await import(dist('store/sqlite/sqlite-store.js'));
const { buildReport, stepFor } = await import(dist('reports/read.js'));
const { DEFAULT_RETENTION } = await import(dist('store/types.js'));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const CHECKS = arg('checks', 6000);
const DAYS = arg('days', 1);
const RUNS = arg('runs', 3);
const MINUTE = 60_000;
const DAY = 86_400_000;
const round = (x, d = 1) => +x.toFixed(d);

const keepIndex = process.argv.indexOf('--keep');
const kept = keepIndex >= 0 ? path.resolve(process.argv[keepIndex + 1]) : null;
const dir = kept ? null : mkdtempSync(path.join(os.tmpdir(), 'vigil-reports-'));
const file = kept ?? path.join(dir, 'vigil.db');
const envs = ['dev', 'staging', 'prod'];
const checks = Array.from({ length: CHECKS }, (_, i) => {
  const env = envs[i % 3];
  const service = `svc-${String(Math.floor(i / 3)).padStart(4, '0')}`;
  return { id: `${env}/${service}/http`, env, service, name: 'http', kind: 'http', everyMs: 60_000, timeoutMs: 5_000, target: {}, runbook: null };
});

// The period: the last whole `DAYS` days (UTC), ending at today's midnight.
const now = Date.now();
const to = Math.floor(now / DAY) * DAY;
const from = to - DAYS * DAY;

async function seed() {
  const started = performance.now();
  const store = await openSqliteStore(file, { readers: 1 });
  let samples = 0;
  try {
    for (let hour = from; hour < to; hour += 3_600_000) {
      const batch = [];
      for (let ts = hour; ts < hour + 3_600_000; ts += MINUTE) {
        checks.forEach((check, i) => {
          const labels = { env: check.env, service: check.service, check: check.name };
          // Every 97th check fails one minute in 50: availabilities below the target in the report.
          const up = i % 97 === 0 && (ts / MINUTE + i) % 50 === 0 ? 0 : 1;
          const at = ts + ((i * 7) % 60) * 1000;
          batch.push({ name: 'probe_success', labels, ts: at, value: up });
          batch.push({ name: 'probe_duration_seconds', labels, ts: at, value: 0.002 + ((ts / MINUTE + i) % 17) / 1000 });
        });
      }
      samples += batch.length;
      await store.samples.append(batch);
    }
    while ((await store.samples.rollUp(to + 2 * MINUTE)).more);
  } finally {
    await store.close();
  }
  return { samples, seconds: round((performance.now() - started) / 1000) };
}

/** Runs `work` while a 1 ms timer measures how long this event loop is held. */
async function measured(work) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 5);
  delay.enable();
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  // One more turn, so that a stall in the last callback of `work` is recorded too.
  await new Promise((resolve) => setTimeout(resolve, 2));
  delay.disable();
  clearInterval(sampler);
  return { result, ms: round(ms), loopMaxMs: round(delay.max / 1e6), loopP99Ms: round(delay.percentile(99) / 1e6), heapGrowthMiB: round((peakHeap - heapBefore) / 2 ** 20) };
}

const seeded = kept && existsSync(kept) ? { reused: kept } : await seed();
const store = await openSqliteStore(file);
const sources = { store, checks, services: [], alerting: { slos: [], maintenance: [] }, retention: DEFAULT_RETENTION, log: () => {} };
const runs = [];
try {
  for (let run = 0; run < RUNS; run++) {
    // Only its size is kept: the answer's points must not weigh on the report's garbage collections.
    const baseline = await measured(async () => {
      const stepMs = stepFor({ from, to }, now, DEFAULT_RETENTION, CHECKS);
      const answer = await store.samples.query({ metric: 'probe_success', matchers: [], from, to, stepMs, aggregate: 'avg' }, { maxSeries: 100_000, maxPoints: 100_000_000, maxRowsScanned: 1_000_000_000 });
      return { series: answer.series.length, stepMs };
    });
    const report = await measured(() => buildReport(sources, { name: 'bench', from, to, timezone: 'UTC', envs: null, target: 0.999, generatedAt: now }));
    const r = report.result;
    runs.push({
      baselineSeriesQuery: { ms: baseline.ms, loopMaxMs: baseline.loopMaxMs, series: baseline.result.series, stepMs: baseline.result.stepMs },
      report: { resolution: r.resolution, ms: report.ms, loopMaxMs: report.loopMaxMs, loopP99Ms: report.loopP99Ms, heapGrowthMiB: report.heapGrowthMiB, services: r.services.length, fleetAvailability: r.fleet.availability, servicesMissed: r.fleet.servicesMissed },
      ratioToBaseline: round(report.ms / baseline.ms, 2),
    });
  }
} finally {
  await store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'reports', checks: CHECKS, days: DAYS, seeded, loadAverage: os.loadavg().map((x) => round(x, 2)), runs }));
