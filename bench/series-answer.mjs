// Series answer benchmark: what a 7-day, 1-minute query of 40 series (403,000 points, the old bound's
// case in bench/loop.mjs) and of 24 series (242,000) cost the main thread,
// answered the old way (the result cloned from the reader thread, stringified here) and the new way
// (JSON built in the reader thread, its bytes transferred, gzipped by zlib in the thread pool).
// Main-thread cost: the longest gap between 1 ms ticks of a timer while one answer is made (the longest
// event-loop block), and the answer's wall time. Alternating runs, medians.
//   npm run build:server && node bench/series-answer.mjs [--runs 5]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { seedHistory } from './helpers/seed-history.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { openSqliteStore } = await import(dist('store/sqlite/sqlite-store.js'));
const { poolGzip, JSON_GZIP_LEVEL } = await import(dist('api/encoding.js'));
const gzipStream = promisify(zlib.gzip);

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 5;
const METRIC = 'probe_duration_seconds';
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs `work` while a 1 ms timer ticks; returns its wall ms and the longest gap between ticks. */
async function measured(work) {
  let last = performance.now();
  let longest = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const start = performance.now();
  const bytes = await work();
  const wallMs = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearInterval(tick);
  longest = Math.max(longest, performance.now() - last - 5);
  return { wallMs, longestBlockMs: longest, bytes };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-series-'));
try {
  const file = path.join(dir, 'vigil.db');
  const labelSets = Array.from({ length: 40 }, (_, n) => ({ env: n < 24 ? 'prod' : 'dev', service: 'svc', check: `c${n}` }));
  await seedHistory(file, { days: 7, metric: METRIC, labelSets });
  const store = await openSqliteStore(file, { readers: 1 });
  const to = Math.floor(Date.now() / 60_000) * 60_000;
  const limits = { maxSeries: 1000, maxPoints: 500_000, maxRowsScanned: 2_000_000 };
  const head = (q, resolution) => `${JSON.stringify({ metric: q.metric, from: q.from, to: q.to, stepMs: q.stepMs, aggregate: q.aggregate, resolution }).slice(0, -1)},"series":`;
  const cases = {
    '40 series (403k points)': [],
    '24 series (242k points)': [{ label: 'env', op: '=', value: 'prod' }],
  };
  const out = {};
  for (const [name, matchers] of Object.entries(cases)) {
    const q = { metric: METRIC, matchers, from: to - 7 * 86_400_000, to, stepMs: 60_000, aggregate: 'avg' };
    const paths = {
      // What api/app.ts did: a cloned result, an object, JSON.stringify, CompressionStream-free gzip in the pool.
      before: async () => {
        const result = await store.samples.query(q, limits);
        const text = JSON.stringify({ metric: q.metric, from: q.from, to: q.to, stepMs: q.stepMs, aggregate: q.aggregate, resolution: result.resolution, series: result.series.map((s) => ({ labels: { ...s.labels }, points: s.points })) });
        return (await gzipStream(Buffer.from(text))).byteLength;
      },
      after: async () => {
        const result = await store.samples.queryJson(q, limits);
        const body = Buffer.concat([Buffer.from(head(q, result.resolution)), result.seriesJson, Buffer.from('}')]);
        return (await poolGzip.bytes([body], JSON_GZIP_LEVEL)).byteLength;
      },
    };
    const runs = { before: [], after: [] };
    for (let r = 0; r < RUNS; r++) for (const kind of ['before', 'after']) runs[kind].push(await measured(paths[kind]));
    const summary = (list) => ({ wallMsMedian: +median(list.map((m) => m.wallMs)).toFixed(1), longestBlockMsMedian: +median(list.map((m) => m.longestBlockMs)).toFixed(1), longestBlockMsMax: +Math.max(...list.map((m) => m.longestBlockMs)).toFixed(1), gzipBytes: list[0].bytes });
    const before = summary(runs.before);
    const after = summary(runs.after);
    out[name] = { before, after, longestBlockRatio: +(after.longestBlockMsMedian / before.longestBlockMsMedian).toFixed(3) };
  }
  await store.close();
  console.log(JSON.stringify({ bench: 'series-answer', runs: RUNS, cores: os.availableParallelism(), load: os.loadavg()[0].toFixed(2), cases: out }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
