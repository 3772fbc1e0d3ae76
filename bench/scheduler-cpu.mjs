// CPU per check run: N http checks at 10 s (first runs jittered) through the real scheduler, http probe
// and ingest writer (live view + batching; the store a no-op), against a target in its own process.
// Reported as process CPU µs per run (user + system, every thread of this process), next to the same
// rate of plain keep-alive `node:http` GETs in the same process (the floor for one HTTP request in Node),
// alternating windows. CPU time, unlike lag, hardly depends on what else the machine runs.
//   npm run build:server && node bench/scheduler-cpu.mjs [--n 10000] [--seconds 10] [--windows 2]
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';

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
const N = Number(arg('n', 10_000));
const SECONDS = Number(arg('seconds', 10));
const WINDOWS = Number(arg('windows', 2));
const EVERY_MS = 10_000;
const RATE = N / (EVERY_MS / 1000);

const source = `const s=require('node:http').createServer((q,r)=>r.writeHead(200,{'content-type':'application/json'}).end('{"status":"ok"}'));s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`;
const target = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => target.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
const url = `http://127.0.0.1:${port}/health`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU µs of this process over `seconds` and the runs counted by `runs()` meanwhile. */
async function window(runs) {
  const runsBefore = runs();
  const cpuBefore = process.cpuUsage();
  await sleep(SECONDS * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const count = runs() - runsBefore;
  return { runs: count, cpuUsPerRun: +((cpu.user + cpu.system) / count).toFixed(1), cores: +((cpu.user + cpu.system) / 1e6 / SECONDS).toFixed(3) };
}

async function vigilWindow() {
  const registry = builtinProbes();
  const checks = Array.from({ length: N }, (_, i) => ({
    id: `prod/svc-${i}/http`, env: 'prod', service: `svc-${i}`, name: 'http', kind: 'http', everyMs: EVERY_MS, timeoutMs: 5_000,
    target: registry.get('http').schema.parse({ url }), runbook: null,
  }));
  const store = { samples: { append: async () => {} }, checks: { record: async () => {} } };
  const clock = { now: () => Date.now() };
  const writer = new IngestWriter(store, new LiveView(), { clock, log: () => {} });
  const context = createProbeContext({ clock });
  let runs = 0;
  const scheduler = new Scheduler(checks, { registry, writer, context, clock, concurrency: 64, onRun: () => runs++, log: () => {} });
  scheduler.start();
  await sleep(EVERY_MS + 1_000);
  const figures = await window(() => runs);
  await scheduler.stop();
  await writer.close();
  await context.close();
  return figures;
}

/** The same rate of plain keep-alive GETs, at most 64 in flight, each body read to the end. */
async function plainWindow() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let runs = 0;
  let running = true;
  const timer = setInterval(() => {
    for (let k = 0; k < RATE / 100; k++) {
      http.get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => runs++);
      });
    }
  }, 10);
  await sleep(2_000);
  const figures = await window(() => runs);
  running = false;
  clearInterval(timer);
  await sleep(500);
  agent.destroy();
  return running ? null : figures;
}

const results = { vigil: [], plainHttp: [] };
for (let w = 0; w < WINDOWS; w++) {
  results.plainHttp.push(await plainWindow());
  results.vigil.push(await vigilWindow());
}
target.kill();
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const vigil = median(results.vigil.map((r) => r.cpuUsPerRun));
const plain = median(results.plainHttp.map((r) => r.cpuUsPerRun));
console.log(JSON.stringify({
  bench: 'scheduler-cpu', n: N, runsPerSecOffered: RATE, seconds: SECONDS, cores: os.availableParallelism(), load: os.loadavg().map((l) => +l.toFixed(2)),
  vigilCpuUsPerRun: vigil, plainHttpCpuUsPerRequest: plain, ratio: +(vigil / plain).toFixed(2), windows: results,
}));
