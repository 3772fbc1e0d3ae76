// OTLP ingest, end to end: data points/s from an HTTP client over loopback into the store, protobuf and
// JSON, as a ratio to the plain-SQLite append limit (../shared/bench/sqlite-limit.mjs) measured in the
// same run, the server's peak RSS, and the server's CPU time per 1,000 points (user + system, over the
// load only): on a shared machine the wall-clock rate moves with the neighbours' load, the CPU cost less.
//
// The server (Vigil's collector, ingest writer and SQLite store, nothing else) runs in a child process;
// this process is the client. A 200 is sent only once a request's samples are committed, so the time
// from the first request to the last 200 covers decoding, mapping and the store.
// Load: REQUESTS requests of 1,000 points each (10 gauges and 10 cumulative counters × 50 label sets of
// one service), every request a new time, CONCURRENCY requests in flight.
//   node bench/otlp.mjs            → one JSON line
import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REQUESTS = Number(process.env.OTLP_BENCH_REQUESTS ?? 300);
const CONCURRENCY = 4;
const LABEL_SETS = 50;
const METRICS = 10;
const POINTS_PER_REQUEST = LABEL_SETS * METRICS * 2;

if (process.argv[2] === '--server') await server();
else await client();

async function server() {
  const { serve } = await import('@hono/node-server');
  const { Hono } = await import('hono');
  const { Registry } = await import('prom-client');
  const { openSqliteStore } = await import('../dist/store/sqlite/sqlite-store.js');
  const { LiveView } = await import('../dist/ingest/live-view.js');
  const { IngestWriter } = await import('../dist/ingest/writer.js');
  const { createCollector } = await import('../dist/collector/index.js');
  const { DEFAULT_OTLP_CONFIG } = await import('../dist/config/types.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-otlp-bench-'));
  const store = await openSqliteStore(path.join(dir, 'otlp.db'), { readers: 0 });
  const clock = { now: () => Date.now() };
  const writer = new IngestWriter(store, new LiveView(), { clock, log: () => {} });
  const collector = createCollector({ config: DEFAULT_OTLP_CONFIG, writer, clock, registry: new Registry() });
  const app = new Hono().route('/v1', collector.routes);
  const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.send({ port: info.port, cpuMicros: cpuMicros() }));
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    const cpuAtStop = cpuMicros();
    http.close();
    await writer.close();
    const stored = (await store.samples.query({ metric: 'bench_gauge_0', matchers: [], from: 0, to: Date.now() + 3_600_000, stepMs: 3_600_000_000, aggregate: 'count' })).series
      .reduce((n, s) => n + s.points.reduce((m, p) => m + p[1], 0), 0);
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    process.send({ peakRssBytes: process.resourceUsage().maxRSS * 1024, storedGaugeZeroSamples: stored, cpuMicros: cpuAtStop }, () => process.exit(0));
  });
}

function cpuMicros() {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function request(i, t0) {
  const timeUnixNano = `${t0 + i * 1000}000000`;
  const startTimeUnixNano = `${t0 - 60_000}000000`;
  const metrics = [];
  for (let m = 0; m < METRICS; m++) {
    const points = (value) =>
      Array.from({ length: LABEL_SETS }, (_, l) => ({
        attributes: [
          { key: 'queue', value: { stringValue: `queue-${l}` } },
          { key: 'region', value: { stringValue: l % 2 ? 'eu' : 'us' } },
        ],
        startTimeUnixNano,
        timeUnixNano,
        asDouble: value(l),
      }));
    metrics.push({ name: `bench.gauge.${m}`, gauge: { dataPoints: points((l) => (i * l) % 97) } });
    metrics.push({ name: `bench.count.${m}`, sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: points((l) => i * (l + 1)) } });
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }, { key: 'deployment.environment.name', value: { stringValue: 'prod' } }] },
        scopeMetrics: [{ metrics }],
      },
    ],
  };
}

async function measure(encoding, encodeRequest) {
  const child = fork(fileURLToPath(import.meta.url), ['--server'], { cwd: projectRoot, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = () => new Promise((resolve) => child.once('message', resolve));
  const { port, cpuMicros: cpuAtStart } = await next();
  const url = `http://127.0.0.1:${port}/v1/metrics`;
  const t0 = Math.floor(Date.now() / 1000) * 1000 - REQUESTS * 1000;
  const contentType = encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
  const bodies = [];
  let bytes = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const body = encoding === 'protobuf' ? encodeRequest('metrics', request(i, t0)) : Buffer.from(JSON.stringify(request(i, t0)));
    bytes += body.length;
    bodies.push(body);
  }
  let nextIndex = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (nextIndex < REQUESTS) {
        const body = bodies[nextIndex++];
        const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType } });
        await response.arrayBuffer();
        if (response.status !== 200) failures++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stopped = next();
  child.send('stop');
  const { peakRssBytes, storedGaugeZeroSamples, cpuMicros: cpuAtStop } = await stopped;
  return {
    points: REQUESTS * POINTS_PER_REQUEST,
    requestBytes: Math.round(bytes / REQUESTS),
    seconds: +seconds.toFixed(2),
    pointsPerSec: Math.round((REQUESTS * POINTS_PER_REQUEST) / seconds),
    failures,
    storedCheck: storedGaugeZeroSamples === REQUESTS * LABEL_SETS,
    peakRssMiB: Math.round(peakRssBytes / 1024 / 1024),
    serverCpuMsPer1000Points: +((cpuAtStop - cpuAtStart) / 1000 / (REQUESTS * POINTS_PER_REQUEST / 1000)).toFixed(2),
  };
}

async function client() {
  const { encodeRequest } = await import('../dist/collector/otlp/proto.js');
  const limit = JSON.parse(execFileSync(process.execPath, ['../shared/bench/sqlite-limit.mjs', '1000000'], { cwd: projectRoot, encoding: 'utf8' }).trim());
  const protobuf = await measure('protobuf', encodeRequest);
  const json = await measure('json', encodeRequest);
  console.log(
    JSON.stringify({
      sqliteLimitRowsPerSec: limit.insertRowsPerSec,
      pointsPerRequest: POINTS_PER_REQUEST,
      concurrency: CONCURRENCY,
      protobuf: { ...protobuf, ratioToSqliteLimit: +(protobuf.pointsPerSec / limit.insertRowsPerSec).toFixed(3) },
      json: { ...json, ratioToSqliteLimit: +(json.pointsPerSec / limit.insertRowsPerSec).toFixed(3) },
    }),
  );
}
