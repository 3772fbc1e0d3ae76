// Processes a benchmark talks to over loopback: a trivial HTTP target in its own process, the built
// Vigil server, and GET requests that count the bytes on the wire without decompressing them.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TARGET_BODY = '{"status":"ok"}';

/** A target answering 200 {"status":"ok"} in its own process (so it does not share the server's event loop). */
export async function childProcessTarget() {
  const source = `const s=require('node:http').createServer((q,r)=>r.writeHead(200,{'content-type':'application/json'}).end('${TARGET_BODY}'));s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/health`, pid: child.pid, close: () => stopChild(child) };
}

/** The node flags `npm start` and the Docker image run Vigil with: the benches start it the same way. */
export const VIGIL_NODE_FLAGS = ['--v8-pool-size=0'];

/**
 * `node --v8-pool-size=0 dist/cli/vigil.js serve` (VIGIL_NODE_FLAGS) on port 0 with `config` and `db`;
 * resolves once it prints its URL. `nodeArgs` go after that flag, before the script (e.g. --cpu-prof; a
 * --v8-pool-size there wins); `env` is added to this process's environment. Its output is kept, the last
 * lines shown on failure; with VIGIL_BENCH_SERVER_OUTPUT=<file> all of it is also appended there (e.g.
 * with --node-args --trace-gc).
 */
export async function startVigil({ root, config, db, nodeArgs = [], env = {}, log }) {
  const child = spawn(
    process.execPath,
    [...VIGIL_NODE_FLAGS, ...nodeArgs, path.join(root, 'dist/cli/vigil.js'), 'serve', '--config', config, '--port', '0', '--host', '127.0.0.1', '--db', db],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const output = [];
  const keep = (d) => {
    for (const line of String(d).split('\n')) if (line) output.push(line);
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  if (process.env.VIGIL_BENCH_SERVER_OUTPUT) {
    const file = process.env.VIGIL_BENCH_SERVER_OUTPUT;
    const append = (d) => appendFileSync(file, d);
    child.stdout.on('data', append);
    child.stderr.on('data', append);
  }
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Vigil did not start in 120 s:\n${output.slice(-20).join('\n')}`)), 120_000);
    const onData = (d) => {
      const m = /Vigil listening on (http:\/\/\S+)/.exec(String(d));
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Vigil exited with ${code}:\n${output.slice(-20).join('\n')}`));
    });
  });
  log?.(`vigil ${child.pid} at ${url}`);
  return { url, pid: child.pid, output, stop: () => stopChild(child, 60_000) };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
function stopChild(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * GET `url` on `agent` with `headers`; resolves { status, ms (to the last byte), ttfbMs, bytes (on the
 * wire, as sent) }; each body chunk goes to `onChunk` (still compressed if the server compressed it).
 */
export function get(url, { agent, headers = {}, onChunk, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(url, { agent, headers, timeout: timeoutMs }, (res) => {
      const ttfbMs = performance.now() - started;
      let bytes = 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
        onChunk?.(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode, encoding: res.headers['content-encoding'] ?? null, etag: res.headers.etag ?? null, ms: performance.now() - started, ttfbMs, bytes }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
