// Status poll benchmark at 40,000 checks (2,000 services × 3 environments × 7 checks): what one poll
// costs the main thread, through the real app (createApp, app.request), the old route (buildStatus,
// c.json, CompressionStream gzip; kept here as the in-run baseline) against the new one (StatusFeed:
// built in slices, gzipped by zlib in the thread pool, shared for a second; a dashboard's poll with its
// cursor after 1% of the checks have a new result). Main-thread cost: the longest gap between the ticks
// of a 1 ms timer while a poll is answered (the longest event-loop block), and its wall time. Medians.
//   npm run build:server && node bench/status-feed.mjs [--runs 5]
import os from 'node:os';
import { Hono } from 'hono';
import { compress } from 'hono/compress';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { buildStatus, statusIndex } = await import(dist('api/status.js'));
const { StatusFeed } = await import(dist('api/status-feed.js'));
const { jsonBytes } = await import(dist('api/encoding.js'));
const { loadConfigText } = await import(dist('config/load.js'));
const { builtinProbes } = await import(dist('probes/index.js'));
const { LiveView } = await import(dist('ingest/live-view.js'));

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 5;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function config() {
  const lines = ['environments: [dev, staging, prod]', 'services:'];
  for (let s = 0; s < 2000; s++) {
    // Short lines: 14,000 of them must fit in the 1 MiB a config may hold.
    lines.push(`  svc-${s}:`, '    checks:');
    for (let c = 0; c < 7; c++) lines.push(`      - tcp: {name: c${c}, host: "s${s}.{{env}}", port: ${5000 + c}, every: 10s}`);
  }
  return loadConfigText(lines.join('\n'), { file: 'bench.yaml', env: {}, registry: builtinProbes() });
}

function record(live, check, i, at) {
  const failing = i % 97 === 0;
  live.recordCheck({
    checkId: check.id, env: check.env, service: check.service, check: check.name, kind: check.kind, ts: at - (i % 9_000),
    success: !failing, degraded: i % 31 === 0, durationSeconds: 0.001 + (i % 50) / 1000,
    error: failing ? `connection refused to ${check.target.host}:${check.target.port}` : null, detail: null,
  });
}

/** Answers `request` while a 1 ms timer ticks; returns its wall ms, the longest gap between ticks and the bytes. */
async function measured(request) {
  let last = performance.now();
  let longest = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const start = performance.now();
  const res = await request();
  const bytes = (await res.arrayBuffer()).byteLength;
  const wallMs = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearInterval(tick);
  return { wallMs, longestBlockMs: longest, bytes };
}

const cfg = config();
const live = new LiveView();
let now = Date.UTC(2026, 10, 23, 12, 0, 0);
cfg.checks.forEach((check, i) => record(live, check, i, now));
const index = statusIndex(cfg);
const clock = { now: () => now };

const before = new Hono();
before.use('*', compress());
before.get('/api/v1/status', (c) => c.json(buildStatus(index, live.checkResultsById(), clock.now())));

const feed = new StatusFeed(index, live, clock, { runId: 'bench', maxAgeMs: 1_000 });
const after = new Hono();
after.use('*', compress());
after.get('/api/v1/status', async (c) => {
  const answer = await feed.answer(c.req.query('since'));
  return jsonBytes(c, answer.body, { etag: answer.etag }, answer.gzipped);
});

const gzip = { headers: { 'accept-encoding': 'gzip' } };
const runs = { before: [], afterWhole: [], afterSameWindow: [], afterPartial: [] };
for (let r = 0; r < RUNS; r++) {
  now += 1_000;
  runs.before.push(await measured(() => before.request('/api/v1/status', gzip)));
  const whole = await measured(() => after.request('/api/v1/status', gzip));
  runs.afterWhole.push(whole);
  runs.afterSameWindow.push(await measured(() => after.request('/api/v1/status', gzip)));
  const { cursor } = await (await after.request('/api/v1/status')).json();
  now += 1_000;
  cfg.checks.forEach((check, i) => i % 100 === r && record(live, check, i + 1, now));
  runs.afterPartial.push(await measured(() => after.request(`/api/v1/status?since=${cursor}`, gzip)));
}
const summary = (list) => ({
  wallMsMedian: +median(list.map((m) => m.wallMs)).toFixed(1),
  longestBlockMsMedian: +median(list.map((m) => m.longestBlockMs)).toFixed(1),
  longestBlockMsMax: +Math.max(...list.map((m) => m.longestBlockMs)).toFixed(1),
  bytesOnWire: list[0].bytes,
});
const out = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, summary(v)]));
const ratio = (k) => +(out[k].longestBlockMsMedian / out.before.longestBlockMsMedian).toFixed(3);
console.log(JSON.stringify({
  bench: 'status-feed', checks: cfg.checks.length, cells: index.cells.length, runs: RUNS, cores: os.availableParallelism(), load: os.loadavg()[0].toFixed(2),
  ...out,
  longestBlockRatio: { whole: ratio('afterWhole'), sameWindow: ratio('afterSameWindow'), partial: ratio('afterPartial') },
}));
