// Status build cost at 40,000 checks (1,000 services × 4 environments × 10 checks, as bench/loop.mjs
// configures): what one StatusFeed build of the whole answer (and of a dashboard's partial answer after
// its cursor) costs the main thread when 10 % of the checks have a new result since the last build (each
// check runs every 10 s, a build is made at most once a second). Per build: CPU time (process.cpuUsage,
// user + system), bytes allocated on the V8 heap and in ArrayBuffers (used size now minus before, plus
// what each GC in between freed, from v8.GCProfiler: the external figure is approximate, ArrayBuffers
// being freed by a sweeper after the GC that found them dead), and in a second pass without the CPU
// figures, the longest synchronous stretch (the longest gap between turns of a setImmediate ticker).
// Medians over the runs; the recording of the new results is outside the measured part.
//   npm run build:server && node [--expose-gc] bench/status-build.mjs [--runs 20] [--changed 10 (percent of checks)]
import os from 'node:os';
import v8 from 'node:v8';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { statusIndex } = await import(dist('api/status.js'));
const { StatusFeed } = await import(dist('api/status-feed.js'));
const { loadConfigText } = await import(dist('config/load.js'));
const { builtinProbes } = await import(dist('probes/index.js'));
const { LiveView } = await import(dist('ingest/live-view.js'));

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 20;
const c = process.argv.indexOf('--changed');
const CHANGED_PERCENT = c > 0 ? Number(process.argv[c + 1]) : 10;
const WARMUP = 5;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function config() {
  const lines = ['environments: [dev, staging, prod, prod-eu]', 'services:'];
  for (let s = 0; s < 1000; s++) {
    lines.push(`  svc-${s}:`, `    runbook: https://runbooks.example.com/svc-${s}/{{check}}`, '    checks:');
    for (let c = 0; c < 10; c++) lines.push(`      - tcp: {name: c${c}, host: "s${s}.{{env}}", port: ${5000 + c}, every: 10s}`);
  }
  return loadConfigText(lines.join('\n'), { file: 'bench.yaml', env: {}, registry: builtinProbes() });
}

function record(live, check, i, run, at) {
  const failing = (i + run) % 97 === 0;
  live.recordCheck({
    checkId: check.id, env: check.env, service: check.service, check: check.name, kind: check.kind, ts: at - (i % 900),
    success: !failing, degraded: (i + run) % 31 === 0, durationSeconds: 0.001 + ((i + run) % 50) / 1000,
    error: failing ? `connection refused to ${check.target.host}:${check.target.port}` : null, detail: null,
  });
}

/** Heap and ArrayBuffer bytes allocated while `work` runs, and the CPU ms it took. */
async function measured(work) {
  const profiler = new v8.GCProfiler();
  const heapBefore = v8.getHeapStatistics();
  profiler.start();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  const heapAfter = v8.getHeapStatistics();
  const { statistics } = profiler.stop();
  let heap = heapAfter.used_heap_size - heapBefore.used_heap_size;
  let external = heapAfter.external_memory - heapBefore.external_memory;
  for (const gc of statistics) {
    heap += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    external += gc.beforeGC.heapStatistics.externalMemory - gc.afterGC.heapStatistics.externalMemory;
  }
  return { value, cpuMs: (used.user + used.system) / 1000, heapBytes: heap, externalBytes: external, gcs: statistics.length };
}

/** The longest gap between turns of a setImmediate ticker while `work` runs, in ms. */
async function longestStretch(work) {
  let longest = 0;
  let last = performance.now();
  let running = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  running = false;
  return longest;
}

const cfg = config();
const live = new LiveView();
let now = Date.UTC(2026, 10, 23, 12, 0, 0);
cfg.checks.forEach((check, i) => record(live, check, i, 0, now));
const index = statusIndex(cfg);
const feed = new StatusFeed(index, live, { now: () => now }, { runId: 'bench', maxAgeMs: 1_000 });

// Each check runs at its own phase (seeded, the same every run of the bench): CHANGED_PERCENT of the
// checks, spread over the cells, record a new result each second (10: every check runs every 10 s).
let seed = 1;
const phase = cfg.checks.map(() => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), (seed >>> 16) % 100));

/** A second passes and the checks whose phase it is record a new result. */
function nextSecond(run) {
  now += 1_000;
  cfg.checks.forEach((check, i) => (((phase[i] - run * CHANGED_PERCENT) % 100) + 100) % 100 < CHANGED_PERCENT && record(live, check, i, run, now));
}

const whole = [];
const partial = [];
const stretches = { whole: [], partial: [] };
let bytes = 0;
let cursor = null;
for (let run = 1; run <= WARMUP + RUNS; run++) {
  nextSecond(run);
  const w = await measured(() => feed.answer(undefined));
  bytes = w.value.body.byteLength;
  const p = await measured(() => feed.answer(cursor ?? undefined));
  cursor = JSON.parse(Buffer.from(w.value.body.subarray(0, 200)).toString().split('"cursor":')[1].split(',')[0]);
  if (run > WARMUP) {
    whole.push(w);
    partial.push(p);
  }
}
for (let run = 0; run < Math.min(RUNS, 10); run++) {
  nextSecond(run);
  stretches.whole.push(await longestStretch(() => feed.answer(undefined)));
  stretches.partial.push(await longestStretch(() => feed.answer(cursor)));
  cursor = JSON.parse(Buffer.from((await feed.answer(undefined)).body.subarray(0, 200)).toString().split('"cursor":')[1].split(',')[0]);
}
// With --expose-gc: the heap a feed keeps between builds at this size (its kept JSON, the pieces list).
let heldByFeedMB;
if (globalThis.gc) {
  globalThis.gc();
  const before = v8.getHeapStatistics().used_heap_size;
  const held = new StatusFeed(index, live, { now: () => now }, { runId: 'held', maxAgeMs: 1_000 });
  await held.answer(undefined);
  now += 1_000; // the window, and the answer it holds, is dropped at the next poll
  await held.answer('held~0.0');
  globalThis.gc();
  heldByFeedMB = +((v8.getHeapStatistics().used_heap_size - before) / 1e6).toFixed(2);
}
const summary = (list, stretch) => ({
  cpuMsMedian: +median(list.map((m) => m.cpuMs)).toFixed(1),
  heapMBMedian: +(median(list.map((m) => m.heapBytes)) / 1e6).toFixed(2),
  externalMBMedian: +(median(list.map((m) => m.externalBytes)) / 1e6).toFixed(2),
  gcsMedian: median(list.map((m) => m.gcs)),
  longestStretchMsMedian: +median(stretch).toFixed(1),
  longestStretchMsMax: +Math.max(...stretch).toFixed(1),
});
console.log(JSON.stringify({
  bench: 'status-build', checks: cfg.checks.length, cells: index.cells.length, changedPercent: CHANGED_PERCENT, runs: RUNS, bytes,
  cores: os.availableParallelism(), load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  whole: summary(whole, stretches.whole),
  partial: summary(partial, stretches.partial),
  heldByFeedMB,
}));
