// The ceiling for HTTP checks on this machine: complete GET requests per second against a trivial
// target, measured one way at a time so the ways compare in the same run:
//   client:  global fetch (undici as bundled in Node) | node:http with a keep-alive Agent
//            (undici's own `request`/Pool needs the `undici` package, which is not installed: left out)
//   target:  in the same process (on the main thread) | in a separate process
//   threads: the client loop on the main thread (0) | in 1 | in 2 worker threads (the concurrency split between them)
// Every way runs `concurrency` requests in flight for `seconds`, on fresh agents. Prints one JSON line:
// requests/s and latency p50/p99 per way, ratios to the plain-fetch way (the limit bench/loop.mjs used to
// quote), and the best way; exported as measureCeiling() for bench/loop.mjs.
//   node bench/http-ceiling.mjs [--seconds 3] [--concurrency 64] [--ways fetch/same/0,http/separate/2]
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const TARGET_BODY = '{"status":"ok"}';

/** The client loop: `concurrency` requests in flight until `seconds` pass; requests/s and latencies (ms). */
async function clientLoop({ url, client, concurrency, seconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const viaHttp = () =>
    new Promise((resolve, reject) => {
      const req = http.get(url, { agent }, (res) => {
        res.on('data', () => {});
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  const viaFetch = async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await res.text();
  };
  const once = client === 'fetch' ? viaFetch : viaHttp;
  const latencies = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        try {
          await once();
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { done: latencies.length, errors, elapsed, latencies };
}

if (!isMainThread && workerData?.httpCeilingClient) {
  parentPort.postMessage(await clientLoop(workerData.httpCeilingClient));
}

function sameProcessTarget() {
  const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(TARGET_BODY));
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}/health`, close: () => new Promise((r) => server.close(r)) }),
    ),
  );
}

async function separateProcessTarget() {
  const source = `const s=require('node:http').createServer((q,r)=>r.writeHead(200,{'content-type':'application/json'}).end('${TARGET_BODY}'));s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/health`,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

function inWorker(params) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { httpCeilingClient: params } });
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

const round = (x, digits = 1) => +x.toFixed(digits);

/** One way: client × target × threads. */
async function measureWay({ client, target: where, threads }, { seconds, concurrency }) {
  const target = where === 'same' ? await sameProcessTarget() : await separateProcessTarget();
  try {
    const params = { url: target.url, client, seconds };
    const parts =
      threads === 0
        ? [await clientLoop({ ...params, concurrency })]
        : await Promise.all(Array.from({ length: threads }, () => inWorker({ ...params, concurrency: Math.ceil(concurrency / threads) })));
    const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
    const elapsed = Math.max(...parts.map((p) => p.elapsed));
    const q = (p) => (latencies.length ? round(latencies[Math.floor(p * (latencies.length - 1))], 2) : null);
    return {
      way: `${client}/${where}/${threads}`,
      requestsPerSec: Math.round(latencies.length / elapsed),
      errors: parts.reduce((s, p) => s + p.errors, 0),
      p50Ms: q(0.5),
      p99Ms: q(0.99),
    };
  } finally {
    await target.close();
  }
}

export const ALL_WAYS = ['fetch', 'http'].flatMap((client) =>
  ['same', 'separate'].flatMap((target) => [0, 1, 2].map((threads) => ({ client, target, threads }))),
);

/** Measures each way in turn; `ways` as strings like 'http/separate/2'. */
export async function measureCeiling({ seconds = 3, concurrency = 64, ways = ALL_WAYS } = {}) {
  const results = [];
  for (const way of ways) results.push(await measureWay(typeof way === 'string' ? parseWay(way) : way, { seconds, concurrency }));
  const base = results.find((r) => r.way === 'fetch/same/0') ?? results[0];
  for (const r of results) r.ratioToFetchSameProcess = round(r.requestsPerSec / base.requestsPerSec, 2);
  const best = results.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
  return { seconds, concurrency, loadAverage: os.loadavg().map((l) => round(l, 2)), results, best: { way: best.way, requestsPerSec: best.requestsPerSec } };
}

function parseWay(text) {
  const [client, target, threads] = text.split('/');
  if (!['fetch', 'http'].includes(client) || !['same', 'separate'].includes(target) || !(Number(threads) >= 0)) {
    throw new Error(`way "${text}": expected client/target/threads like http/separate/2`);
  }
  return { client, target, threads: Number(threads) };
}

if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const ways = arg('ways', null)?.split(',') ?? ALL_WAYS;
  const result = await measureCeiling({ seconds: Number(arg('seconds', 3)), concurrency: Number(arg('concurrency', 64)), ways });
  console.log(JSON.stringify({ node: process.version, cores: os.cpus().length, ...result }));
}
