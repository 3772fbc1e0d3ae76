// Long-task guard: the built server (`vigil serve`, SQLite) running N http checks every 10 s against a
// target in its own process, measured by what the server itself exposes on /metrics: scheduling lag
// (vigil_scheduler_lag_seconds, bucket deltas over the window), skipped ticks, runs/s, and the event-loop
// delay (prom-client's nodejs_eventloop_lag_*: a monitorEventLoopDelay histogram at a 10 ms resolution,
// reset at every scrape, so each scrape covers the time since the one before and the window's max is
// the max over its scrapes; a value includes the 10 ms resolution itself). Each window also reports the
// server's CPU per 1,000 runs on its main thread and on all its other threads (bench/helpers/thread-cpu.mjs):
// figures that, unlike delays, hold on a busy machine; and the machine's busy share and the share of the
// window the main thread waited for a CPU (Linux /proc), which tell whether a delay was the machine's.
// Per N, on one server, windows each started once the scheduler's queue has drained: no readers (S
// seconds, the in-run baseline), each reader alone (S/2 each: which one costs what), then all three (S).
// The readers poll back to back, one request in flight per kind: GET /api/v1/status (gzip; with
// If-None-Match of the last answer's ETag, as a browser's fetch revalidates an answer marked no-cache: a
// 304 until the server builds a new answer, at most every second; --status-reader plain: the whole body
// every time, ~750 KB gzipped, ~100 times a second), GET /metrics (gzip, as Prometheus asks) and a 7-day
// series query of one service (40 series) at 1m steps, whose history is seeded into the database before
// the server starts (--history-days). The HTTP ceiling of this machine is measured in the same run
// (bench/http-ceiling.mjs: plain fetch, node:http keep-alive with the target in its own process, on the
// main thread and in 2 worker threads) and gives the ratio of checks/s. --workers 0,2: each N with each
// `scheduler.workers` (probe worker threads). Then, while the time budget (--budget, seconds) allows, a
// search for the largest N whose p99 lag stays under 100 ms with the readers polling. Prints one JSON line.
//   npm run build:server && node bench/loop.mjs [--n 15000,40000] [--workers 0,2] [--seconds 20] [--no-search] [--no-alone] [--profile] [--promoted] [--concurrency 512] [--node-args --max-semi-space-size=64] [--series-step 1m] [--status-reader conditional|plain]
// --no-alone: skip the each-reader-alone windows (quiet and all-readers only).
// --profile: the server of the last listed N runs under --cpu-prof; each window is summarised (self time,
// Vigil's frames, the longest stretches without an idle sample, and the longest stalls of the event loop
// with what ran in them and how long the thread was off the CPU) and the temp dir with the profile is kept.
// --promoted: the server of the last listed N samples its heap in each window (helpers/promoted-sample.mjs):
// the bytes its allocations left for V8's full GC, and the allocation sites that left the most.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { stallTotals, summariseProfile, summariseStalls } from './helpers/cpu-profile.mjs';
import { measureCeiling } from './http-ceiling.mjs';
import { addBuckets, bucketDelta, bucketsOf, parseSamples, partialGunzip, sumOf, summariseBuckets, valueOf } from './helpers/prom-text.mjs';
import { seedHistory } from './helpers/seed-history.mjs';
import { childProcessTarget, get, startVigil } from './helpers/server.mjs';
import { machineCpu, mainThreadRunQueueMs, threadCpu, threadCpuDelta } from './helpers/thread-cpu.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STALL_TRACE = new URL('./helpers/stall-trace.mjs', import.meta.url).href;
const PROMOTED_SAMPLE = new URL('./helpers/promoted-sample.mjs', import.meta.url).href;
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const flag = (name) => process.argv.includes(`--${name}`);
const SECONDS = Number(arg('seconds', 20));
const WARMUP_SECONDS = Number(arg('warmup', 5));
const HISTORY_DAYS = Number(arg('history-days', 7));
const BUDGET_SECONDS = Number(arg('budget', 330));
const N_LIST = arg('n', '15000,40000').split(',').map(Number);
const WORKERS_LIST = arg('workers', '0').split(',').map(Number);
// scheduler.concurrency (runs in flight at once): a run holds its slot for its whole latency, so N checks
// at 10 s need about N/10 × latency slots: the default 64 holds 40,000 checks while runs take ~10 ms (a
// quiet machine here: 4,010 runs/s, p99 lag 88 ms), not once they take 30 ms (64/0.03 s = ~2,100 runs/s).
// The bench sets what an operator of that many checks would, with room for a loaded machine.
const CONCURRENCY = Number(arg('concurrency', 512));
// Extra node flags for the server (comma-separated), e.g. --node-args --max-semi-space-size=64.
const NODE_ARGS = arg('node-args', '').split(',').filter(Boolean);
const ALONE = !flag('no-alone');
const STATUS_READER = arg('status-reader', 'conditional');
if (!['conditional', 'plain'].includes(STATUS_READER)) throw new Error(`--status-reader: conditional or plain, not ${STATUS_READER}`);
const SEARCH = !flag('no-search') && !flag('profile') && !flag('promoted');
const PROFILE = flag('profile');
const PROMOTED = flag('promoted');
const ENVIRONMENTS = ['dev', 'staging', 'prod', 'prod-eu'];
const CHECKS_PER_SERVICE = 10;
const PER_SERVICE = ENVIRONMENTS.length * CHECKS_PER_SERVICE;
const MAX_N = 2000 * PER_SERVICE; // the config's 2,000 services
const QUERIED_SERVICE = 'svc-0';
const MAX_REQUESTS_PER_KIND = 2000;
const LAG_TARGET_SECONDS = 0.1;
const EVENT_LOOP_TARGET_MS = 50;
const FAMILIES = [
  'process_cpu_seconds_total',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_gc_duration_seconds',
  'vigil_probe_runs_total',
  'vigil_scheduler_lag_seconds',
  'vigil_scheduler_runs_queued',
  'vigil_scheduler_overruns_skipped_total',
  'vigil_scheduler_late_ticks_skipped_total',
  'vigil_store_buffered_samples',
];
const began = Date.now();
const log = (line) => process.stderr.write(`[${Math.round((Date.now() - began) / 1000)}s] ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, digits = 1) => (x === null || x === undefined || !Number.isFinite(x) ? x ?? null : +x.toFixed(digits));
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] : null;
};

const loadAverages = [os.loadavg().map((l) => round(l, 2))];
log(`load average ${loadAverages[0].join(' ')} on ${os.cpus().length} cores`);
// The ways that bound a probe run: plain fetch (the limit this bench quoted before), and node:http
// keep-alive (what the probes use) to a target in its own process (as below), on the main thread and
// spread over 2 worker threads.
const ceiling = await measureCeiling({ seconds: 3, concurrency: 64, ways: ['fetch/same/0', 'http/separate/0', 'http/separate/2'] });
const limit = ceiling.best;
log(`ceiling: ${JSON.stringify(ceiling)}`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-loop-'));
const target = await childProcessTarget();
const templateDb = path.join(dir, 'history.db');
const history = await seedHistory(templateDb, {
  days: HISTORY_DAYS,
  metric: 'probe_duration_seconds',
  labelSets: ENVIRONMENTS.flatMap((env) =>
    Array.from({ length: CHECKS_PER_SERVICE }, (_, c) => ({ env, service: QUERIED_SERVICE, check: c === 0 ? 'http' : `http-${c + 1}` })),
  ),
});
log(`history: ${JSON.stringify(history)}`);

/** vigil.yaml: N/40 services × 4 environments × 10 http checks at 10 s, one shared check list by alias. */
function writeConfig(n, workers, file) {
  const services = n / PER_SERVICE;
  const lines = [
    '# Generated by bench/loop.mjs.',
    `scheduler: { workers: ${workers}, concurrency: ${CONCURRENCY} }`,
    'x-checks: &checks',
    ...Array.from({ length: CHECKS_PER_SERVICE }, () => `  - http: { url: "${target.url}", every: 10s, timeout: 5s }`),
    `environments: [${ENVIRONMENTS.join(', ')}]`,
    'services:',
    ...Array.from({ length: services }, (_, s) => `  svc-${s}: { checks: *checks }`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** GET /metrics (gzip), reading only the server's own families at the start of the text. */
async function scrape(base, agent) {
  const at = performance.now();
  const text = partialGunzip(FAMILIES);
  const response = await get(`${base}/metrics`, { agent, headers: { 'accept-encoding': 'gzip' }, onChunk: text.push });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const samples = parseSamples(await text.end(), FAMILIES);
  return {
    at,
    response,
    samples,
    eventLoopP99Ms: (valueOf(samples, 'nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
    eventLoopMaxMs: (valueOf(samples, 'nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000,
  };
}

/** Seconds from the lag histogram as ms; past its last bound (5 s) only a lower bound is known. */
const lagMs = (seconds) => (seconds === null ? null : seconds === Infinity ? 'over 5000' : round(seconds * 1000));

/** What the server measured between scrape pairs [before, after] (one or more windows taken together). */
function windowFigures(pairs, eventLoopScrapes) {
  let lag = null;
  let seconds = 0;
  const delta = (name) => pairs.reduce((sum, [a, b]) => sum + sumOf(b.samples, name) - sumOf(a.samples, name), 0);
  for (const [a, b] of pairs) {
    const d = bucketDelta(bucketsOf(a.samples, 'vigil_scheduler_lag_seconds'), bucketsOf(b.samples, 'vigil_scheduler_lag_seconds'));
    lag = lag ? addBuckets(lag, d) : d;
    seconds += (b.at - a.at) / 1000;
  }
  const lagSummary = summariseBuckets(lag, { quantiles: [0.5, 0.99], threshold: LAG_TARGET_SECONDS });
  const failed = pairs.reduce((sum, [a, b]) => {
    const bad = (s) => s.samples.filter((x) => x.name === 'vigil_probe_runs_total' && x.labels.result !== 'success').reduce((t, x) => t + x.value, 0);
    return sum + bad(b) - bad(a);
  }, 0);
  return {
    seconds: round(seconds),
    runsPerSec: Math.round(delta('vigil_probe_runs_total') / seconds),
    failedRuns: failed,
    lagRuns: lagSummary.count,
    lagP50Ms: lagMs(lagSummary.p50),
    lagP99Ms: lagMs(lagSummary.p99),
    lagMaxAtMostMs: lagMs(lagSummary.maxAtMost),
    lagShareAtMost100ms: lagSummary.shareAtMostThreshold,
    lateTicksSkipped: delta('vigil_scheduler_late_ticks_skipped_total'),
    overrunsSkipped: delta('vigil_scheduler_overruns_skipped_total'),
    serverCpuCores: round(delta('process_cpu_seconds_total') / seconds, 2),
    gcSeconds: round(delta('nodejs_gc_duration_seconds_sum'), 2),
    eventLoopScrapes: eventLoopScrapes.length,
    // Each scrape's p99 covers the time since the scrape before; the window's p99 is at most their max.
    eventLoopP99MaxOfScrapesMs: round(Math.max(...eventLoopScrapes.map((s) => s.eventLoopP99Ms))),
    // A scrape right after another may cover no 10 ms tick at all (p99 0): left out of the median.
    eventLoopP99MedianOfScrapesMs: round(quantile(eventLoopScrapes.map((s) => s.eventLoopP99Ms).filter((ms) => ms > 0), 0.5)),
    eventLoopMaxMs: round(Math.max(...eventLoopScrapes.map((s) => s.eventLoopMaxMs))),
  };
}

/** One reader: GETs back to back until `deadline`, one in flight, recording times and bytes on the wire. */
async function poll(kind, deadline, request) {
  const times = [];
  const ttfb = [];
  let notModified = 0;
  let bytes = 0;
  let errors = 0;
  let firstError = null;
  while (performance.now() < deadline && times.length + errors < MAX_REQUESTS_PER_KIND) {
    try {
      const r = await request();
      if (r.status !== 200 && r.status !== 304) throw new Error(`${kind} answered ${r.status}`);
      if (r.status === 304) notModified++;
      times.push(r.ms);
      ttfb.push(r.ttfbMs);
      bytes += r.bytes;
    } catch (error) {
      errors++;
      firstError ??= error.message;
      await sleep(100);
    }
  }
  return {
    requests: times.length,
    ...(notModified > 0 ? { notModified } : {}),
    errors,
    ...(firstError ? { firstError } : {}),
    p50Ms: round(quantile(times, 0.5)),
    p99Ms: round(quantile(times, 0.99)),
    maxMs: round(times.length ? Math.max(...times) : null),
    ttfbP50Ms: round(quantile(ttfb, 0.5)),
    bytesOnWireAvg: times.length ? Math.round(bytes / times.length) : null,
  };
}

// 40 series × 7 days at 1 minute = 403,000 points (the answer that held the loop 531 ms when it was
// stringified on the main thread); --series-step to change it.
const SERIES_STEP = arg('series-step', '1m');
const seriesPath = `/api/v1/series?metric=probe_duration_seconds&match=service=${QUERIED_SERVICE}&from=now-7d&step=${SERIES_STEP}`;
const gzipHeaders = { 'accept-encoding': 'gzip' };
// Idle sockets close after 4 s, under the server's 5 s keep-alive: a socket reused after a pause is
// then never one the server is closing (which reset a request between windows on a loaded machine).
const newAgent = () => new http.Agent({ keepAlive: true, maxSockets: 1, timeout: 4_000 });

/** The whole body, decompressed, as JSON (outside the measured windows). */
async function getJson(url, agent) {
  const chunks = [];
  const r = await get(url, { agent, headers: gzipHeaders, onChunk: (c) => chunks.push(c), timeoutMs: 60_000 });
  const raw = Buffer.concat(chunks);
  const text = (r.encoding === 'gzip' ? zlib.gunzipSync(raw) : raw).toString('utf8');
  return { status: r.status, ms: r.ms, bytesOnWire: r.bytes, bytes: Buffer.byteLength(text), body: r.status === 200 ? JSON.parse(text) : text };
}

/** Until every configured check has a lastRunAt in /api/v1/status (or 60 s pass), asking every 5 s (at 40,000 checks an answer is 7.5 MB of JSON). */
async function waitForFirstRuns(base, n, agent) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let body;
    try {
      ({ body } = await getJson(`${base}/api/v1/status`, agent));
    } catch (error) {
      // A keep-alive socket the server closed while this slept: ask again.
      if (Date.now() > deadline) throw error;
      await sleep(500);
      continue;
    }
    const checks = body.cells.flatMap((cell) => cell.checks);
    const notRun = checks.filter((c) => c.lastRunAt === null).length;
    if ((checks.length === n && notRun === 0) || Date.now() > deadline) return { checks: checks.length, notRun };
    await sleep(5000);
  }
}

const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? round(a / b, 2) : null);

/**
 * Until the scheduler's queue is empty (at most 6 s: a server over its capacity never drains), so that
 * a window does not inherit the last one's backlog.
 */
async function drain(base, agent) {
  const deadline = Date.now() + 6_000;
  while (Date.now() < deadline) {
    const s = await scrape(base, agent);
    if ((valueOf(s.samples, 'vigil_scheduler_runs_queued') ?? 0) === 0) return;
    await sleep(500);
  }
}

/**
 * One measured window of `seconds` with the readers named in `kinds` polling back to back (none: the
 * quiet baseline): the server's figures between a scrape before and one after, the readers' times and
 * bytes, and the window in monotonic µs (for the CPU profile).
 */
async function readersWindow(base, pid, agent, kinds, seconds, promotedDir = null) {
  await drain(base, agent);
  const before = await scrape(base, agent);
  const promotedFile = promotedDir && startPromotedSample(pid, promotedDir);
  const cpuBefore = threadCpu(pid);
  const machineBefore = machineCpu();
  const waitBefore = mainThreadRunQueueMs(pid);
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const deadline = performance.now() + seconds * 1000;
  const scrapes = [];
  let statusEtag = null;
  const requests = {
    status: async (a) => {
      const r = await get(`${base}/api/v1/status`, { agent: a, headers: STATUS_READER === 'conditional' && statusEtag ? { ...gzipHeaders, 'if-none-match': statusEtag } : gzipHeaders });
      if (r.status === 200) statusEtag = r.etag;
      return r;
    },
    metrics: async (a) => {
      const s = await scrape(base, a);
      scrapes.push(s);
      return s.response;
    },
    series: (a) => get(`${base}${seriesPath}`, { agent: a, headers: gzipHeaders, timeoutMs: 60_000 }),
  };
  const agents = kinds.map(() => newAgent());
  const readers = kinds.length === 0 ? (await sleep(seconds * 1000), []) : await Promise.all(kinds.map((kind, i) => poll(kind, deadline, () => requests[kind](agents[i]))));
  for (const a of agents) a.destroy();
  const toUs = Number(process.hrtime.bigint() / 1000n);
  if (promotedFile) process.kill(pid, 'SIGUSR2');
  const cpu = threadCpuDelta(pid, cpuBefore, threadCpu(pid));
  const machineAfter = machineCpu();
  const waitAfter = mainThreadRunQueueMs(pid);
  const after = await scrape(base, agent);
  const figures = windowFigures([[before, after]], [...scrapes, after]);
  const runs = figures.runsPerSec * figures.seconds;
  figures.mainThreadCpuShare = round(cpu.mainMs / 1000 / figures.seconds, 3);
  // Whether the window measured Vigil or the machine: the whole machine's busy share (every process,
  // the bench's target and readers included), and the share of the window the server's main thread was
  // ready to run but waited for a CPU. Near 1 and well above 0: the delays are the machine's queue.
  figures.machineCpuBusyShare = machineBefore && machineAfter ? round((machineAfter.busy - machineBefore.busy) / (machineAfter.all - machineBefore.all), 3) : null;
  figures.mainThreadRunQueueShare = waitBefore !== null && waitAfter !== null ? round((waitAfter - waitBefore) / 1000 / figures.seconds, 3) : null;
  figures.mainThreadCpuMsPer1000Runs = runs > 0 ? round((cpu.mainMs * 1000) / runs, 1) : null;
  figures.otherThreadsCpuMsPer1000Runs = runs > 0 ? round((cpu.otherThreadsMs * 1000) / runs, 1) : null;
  if (promotedFile) figures.promoted = await readPromoted(promotedFile);
  return { figures, readers: Object.fromEntries(kinds.map((k, i) => [k, readers[i]])), fromUs, toUs };
}

let promotedSamples = 0;
/** Starts the server's heap sampling (its second SIGUSR2 stops it); returns the file the stop writes. */
function startPromotedSample(pid, dir) {
  process.kill(pid, 'SIGUSR2');
  return path.join(dir, `${++promotedSamples}.json`);
}

/** The summary the server writes once sampling stops (a few seconds at most), or why there is none. */
async function readPromoted(file) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      await sleep(250);
    }
  }
  return { error: `no heap sample written to ${file}` };
}

async function measure(n, workers, { profile = false, promoted = false } = {}) {
  const started = Date.now();
  const config = path.join(dir, `vigil-${n}-${workers}.yaml`);
  const db = path.join(dir, `vigil-${n}-${workers}.db`);
  writeConfig(n, workers, config);
  copyFileSync(templateDb, db);
  const profileDir = path.join(dir, `profile-${n}`);
  const promotedDir = promoted ? path.join(dir, `promoted-${n}`) : null;
  if (promotedDir) mkdirSync(promotedDir, { recursive: true });
  const vigil = await startVigil({
    root,
    config,
    db,
    log,
    nodeArgs: [...NODE_ARGS, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--import=${STALL_TRACE}`] : []), ...(promotedDir ? [`--import=${PROMOTED_SAMPLE}`] : [])],
    env: promotedDir ? { VIGIL_PROMOTED_DIR: promotedDir } : {},
  });
  try {
    const agent = newAgent();
    const firstRuns = await waitForFirstRuns(vigil.url, n, agent);
    log(`N=${n} workers=${workers}: first runs done ${JSON.stringify(firstRuns)} after ${Math.round((Date.now() - started) / 1000)}s; warming up`);
    await sleep(WARMUP_SECONDS * 1000);
    const quiet = await readersWindow(vigil.url, vigil.pid, agent, [], SECONDS, promotedDir);
    // Each reader alone (half a window each), then all three together; each after the backlog drained.
    const alone = {};
    for (const kind of ALONE ? ['status', 'metrics', 'series'] : []) alone[kind] = await readersWindow(vigil.url, vigil.pid, agent, [kind], SECONDS / 2, promotedDir);
    const all = await readersWindow(vigil.url, vigil.pid, agent, ['status', 'metrics', 'series'], SECONDS, promotedDir);

    // The answers' shapes, once, after the windows.
    const statusShape = await getJson(`${vigil.url}/api/v1/status`, agent);
    const seriesShape = await getJson(`${vigil.url}${seriesPath}`, agent);
    const metricsText = await new Promise((resolve, reject) => {
      const chunks = [];
      get(`${vigil.url}/metrics`, { agent, onChunk: (c) => chunks.push(c) }).then(() => resolve(Buffer.concat(chunks)), reject);
    });
    loadAverages.push(os.loadavg().map((l) => round(l, 2)));

    const withoutReaders = quiet.figures;
    const withReaders = all.figures;
    const result = {
      n,
      workers,
      loadAverage: loadAverages.at(-1),
      offeredPerSec: n / 10,
      firstRuns,
      withoutReaders,
      withReaders: { ...withReaders, readers: all.readers },
      lagP99RatioWithToWithout: ratio(withReaders.lagP99Ms, withoutReaders.lagP99Ms),
      eachReaderAlone: Object.fromEntries(
        Object.entries(alone).map(([kind, w]) => [kind, { ...w.figures, reader: w.readers[kind], lagP99RatioToWithout: ratio(w.figures.lagP99Ms, withoutReaders.lagP99Ms) }]),
      ),
      checksPerSecRatioToOffered: round(withReaders.runsPerSec / (n / 10), 3),
      checksPerSecRatioToCeiling: round(withReaders.runsPerSec / limit.requestsPerSec, 3),
      offeredRatioToCeiling: round(n / 10 / limit.requestsPerSec, 3),
      answers: {
        statusBytes: statusShape.bytes,
        statusGzipBytes: statusShape.bytesOnWire,
        metricsBytes: metricsText.length,
        seriesBytes: seriesShape.bytes,
        seriesGzipBytes: seriesShape.bytesOnWire,
        seriesStatus: seriesShape.status,
        seriesResolution: seriesShape.body.resolution ?? null,
        seriesCount: seriesShape.body.series?.length ?? null,
        seriesPoints: seriesShape.body.series?.reduce((sum, s) => sum + s.points.length, 0) ?? null,
        ...(seriesShape.status !== 200 ? { seriesError: String(seriesShape.body).slice(0, 300) } : {}),
      },
    };
    result.meetsLagTarget =
      withReaders.lagShareAtMost100ms !== null && withReaders.lagShareAtMost100ms >= 0.99 && withReaders.runsPerSec >= 0.97 * result.offeredPerSec;
    result.meetsEventLoopTarget = withReaders.eventLoopMaxMs < EVENT_LOOP_TARGET_MS;
    agent.destroy();
    await vigil.stop();
    if (profile) {
      // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the event loop (reader threads write their own).
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0');
      const summary = (w) => ({
        ...summariseProfile(path.join(profileDir, file), { fromUs: w.fromUs, toUs: w.toUs, root }),
        stallTotals: stallTotals(path.join(profileDir, 'stalls.txt'), { fromUs: w.fromUs, toUs: w.toUs }),
        stalls: summariseStalls(path.join(profileDir, file), path.join(profileDir, 'stalls.txt'), { fromUs: w.fromUs, toUs: w.toUs, root }),
      });
      result.profile = file
        ? {
            file: path.join(profileDir, file),
            withoutReaders: summary(quiet),
            ...Object.fromEntries(Object.entries(alone).map(([kind, w]) => [`${kind}Alone`, summary(w)])),
            withReaders: summary(all),
          }
        : { error: 'no .cpuprofile written' };
    }
    result.seconds = Math.round((Date.now() - started) / 1000);
    log(JSON.stringify(result));
    return result;
  } finally {
    await vigil.stop();
  }
}

/**
 * A run whose server stopped answering (an N far past what the machine can do: /metrics unanswered
 * for 30 s) is a finding, not the end of the bench: recorded as a miss with what went wrong.
 */
async function measureOrFailure(n, workers, opts) {
  const started = Date.now();
  try {
    return await measure(n, workers, opts);
  } catch (error) {
    log(`N=${n} workers=${workers}: ${error.message}`);
    const failed = { runsPerSec: null, lagP99Ms: null, eventLoopMaxMs: null };
    return {
      n,
      workers,
      loadAverage: os.loadavg().map((l) => round(l, 2)),
      offeredPerSec: n / 10,
      offeredRatioToCeiling: round(n / 10 / limit.requestsPerSec, 3),
      failed: error.message.split('\n')[0],
      withoutReaders: failed,
      withReaders: failed,
      eachReaderAlone: {},
      meetsLagTarget: false,
      meetsEventLoopTarget: false,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  }
}

const runs = [];
try {
  for (const workers of WORKERS_LIST) {
    for (const [i, n] of N_LIST.entries()) {
      const last = i === N_LIST.length - 1;
      runs.push(await measureOrFailure(Math.round(n / PER_SERVICE) * PER_SERVICE, workers, { profile: PROFILE && last, promoted: PROMOTED && last }));
    }
  }
  // Search: step up by 10,000 while the largest N passes; else halve the gap between the best pass and
  // the smallest miss, down to 5,000; each step only if the budget leaves room for a run as long as the last.
  // The search uses the last listed worker count.
  const searchWorkers = WORKERS_LIST.at(-1);
  while (SEARCH) {
    const mine = runs.filter((r) => r.workers === searchWorkers);
    const passed = mine.filter((r) => r.meetsLagTarget && r.meetsEventLoopTarget).map((r) => r.n);
    const missed = mine.filter((r) => !(r.meetsLagTarget && r.meetsEventLoopTarget)).map((r) => r.n);
    const lo = passed.length ? Math.max(...passed) : 0;
    const hi = missed.length ? Math.min(...missed.filter((n) => n > lo), Infinity) : Infinity;
    let next = hi === Infinity ? lo + 10_000 : Math.round((lo + hi) / 2 / 5000) * 5000;
    if (hi !== Infinity && hi - lo <= 5000) break;
    if (next <= lo || next >= hi || next > MAX_N || next < 5000) break;
    next = Math.round(next / PER_SERVICE) * PER_SERVICE;
    if ((Date.now() - began) / 1000 + runs.at(-1).seconds * 1.1 > BUDGET_SECONDS) {
      log(`search: no time for N=${next}`);
      break;
    }
    runs.push(await measureOrFailure(next, searchWorkers));
  }
} finally {
  await target.close();
  if (!PROFILE) rmSync(dir, { recursive: true, force: true });
}

// Again after the runs: other work on the machine changes what it can do within one run.
const ceilingAfter = await measureCeiling({ seconds: 3, concurrency: 64, ways: ['fetch/same/0', 'http/separate/0', 'http/separate/2'] });
log(`ceiling after: ${JSON.stringify(ceilingAfter)}`);
const passing = runs.filter((r) => r.meetsLagTarget).map((r) => r.n);
const passingBoth = (workers) => runs.filter((r) => r.workers === workers && r.meetsLagTarget && r.meetsEventLoopTarget).map((r) => r.n);
console.log(
  JSON.stringify({
    node: process.version,
    cores: os.cpus().length,
    loadAverages,
    everyMs: 10_000,
    seconds: SECONDS,
    statusReader: STATUS_READER,
    shape: { environments: ENVIRONMENTS.length, checksPerService: CHECKS_PER_SERVICE, queriedService: QUERIED_SERVICE, history },
    ceiling,
    ceilingAfter,
    limit,
    targets: { lagP99Ms: 100, eventLoopMaxMs: EVENT_LOOP_TARGET_MS, n: 40_000 },
    // Pairs in `summary` are [without readers, with readers].
    bestNWithReaders: passing.length ? Math.max(...passing) : null,
    // The highest N meeting both targets (p99 lag < 100 ms and event-loop max < 50 ms), per worker count.
    bestNMeetingBothTargets: Object.fromEntries(WORKERS_LIST.map((w) => [w, passingBoth(w).length ? Math.max(...passingBoth(w)) : null])),
    summary: runs.map((r) => ({
      n: r.n,
      workers: r.workers,
      loadAverage: r.loadAverage,
      offeredRatioToCeiling: r.offeredRatioToCeiling,
      checksPerSecRatioToOffered: r.checksPerSecRatioToOffered ?? null,
      ...(r.failed ? { failed: r.failed } : {}),
      runsPerSec: [r.withoutReaders.runsPerSec, r.withReaders.runsPerSec],
      lagP99Ms: [r.withoutReaders.lagP99Ms, r.withReaders.lagP99Ms],
      eventLoopMaxMs: [r.withoutReaders.eventLoopMaxMs, r.withReaders.eventLoopMaxMs],
      machineCpuBusyShare: [r.withoutReaders.machineCpuBusyShare ?? null, r.withReaders.machineCpuBusyShare ?? null],
      mainThreadRunQueueShare: [r.withoutReaders.mainThreadRunQueueShare ?? null, r.withReaders.mainThreadRunQueueShare ?? null],
      lagP99MsEachReaderAlone: Object.fromEntries(Object.entries(r.eachReaderAlone).map(([k, w]) => [k, w.lagP99Ms])),
    })),
    runs,
    totalSeconds: Math.round((Date.now() - began) / 1000),
  }),
);
process.exit(0);
