// The http and health probes in worker threads (scheduler.workers) find what they find on the main
// thread, word by word: the same probe code runs there, and these tests hold the thread boundary to it.
// The worker script is the built one (npm run build first, as for test/e2e).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../config/types.js';
import { systemClock } from '../../lib/clock.js';
import { parseCidr } from '../../lib/cidr.js';
import type { OutboundPolicy } from '../../lib/outbound-guard.js';
import { SecretValues } from '../../lib/secret.js';
import { createProbeContext } from '../../probes/context.js';
import { healthProbe } from '../../probes/health.js';
import { httpProbe, httpSchema } from '../../probes/http.js';
import { builtinProbes } from '../../probes/index.js';
import type { Probe, ProbeOutcome } from '../../probes/probe.js';
import { ProbeWorkerPool, withProbeWorkers } from '../../probes/probe-workers.js';
import { Scheduler, type CheckRun } from '../../probes/scheduler.js';
import {
  closedPort,
  closeAfterEach,
  deadline,
  probeContextPerTest,
  startEndlessBodyServer,
  startHttpServer,
  startSilentServer,
  type TestServer,
} from '../helpers/servers.js';

const WORKER_URL = pathToFileURL(path.resolve(import.meta.dirname, '..', '..', 'dist', 'probes', 'probe-worker.js'));
const KEY = 'k3y-from-the-environment';
const secrets = new SecretValues([KEY]);

const use = closeAfterEach();
const contexts = probeContextPerTest();
const pools: ProbeWorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

async function pool(workers = 2, outbound?: OutboundPolicy): Promise<ProbeWorkerPool> {
  const created = new ProbeWorkerPool({ workers, secrets, outbound, workerUrl: WORKER_URL });
  pools.push(created);
  await created.ready();
  return created;
}

/** The outcome without its measured duration, which differs from run to run. */
const comparable = ({ durationSeconds, ...rest }: ProbeOutcome) => {
  expect(durationSeconds).toBeGreaterThanOrEqual(0);
  return rest;
};

/** Runs `config` on the main thread and in a worker (each with a signal aborting at `timeoutMs`), as the scheduler would. */
async function both(probe: Probe, config: Record<string, unknown>, timeoutMs = 1000) {
  const target = probe.schema.parse(config);
  const onLoop = await probe.run(target, deadline(timeoutMs), contexts.create({ secrets }));
  const inWorker = await (await pool()).probe(probe).run(target, deadline(timeoutMs), contexts.create({ secrets }));
  return { onLoop: comparable(onLoop), inWorker: comparable(inWorker) };
}

const servers: Record<string, () => Promise<TestServer>> = {
  ok: () => startHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","n":3}')),
  failing: () => startHttpServer((_req, res) => res.writeHead(503).end('down')),
  redirecting: () =>
    startHttpServer((req, res) => {
      if (req.url === '/start') res.writeHead(302, { location: '/end' }).end();
      else res.writeHead(200).end(`arrived; key header ${req.headers['x-api-key'] ?? 'absent'}`);
    }),
  health: () =>
    startHttpServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP","components":{"db":{"status":"UP"},"cache":{"status":"DOWN"}}}'),
    ),
  silent: startSilentServer,
  endless: startEndlessBodyServer,
};

describe('probes in worker threads', () => {
  it.each([
    { name: 'a 200 with its JSON as expected', server: 'ok', config: { expect: { json: [{ path: '$.n', equals: 3 }] } } },
    { name: 'a status and a body not as expected', server: 'failing', config: { expect: { body_contains: 'up' } } },
    { name: 'a redirect followed, a secret header kept on the same origin', server: 'redirecting', path: '/start', config: { follow_redirects: true, headers: { 'x-api-key': KEY } } },
    // Deadlines long enough for a worker to have connected even on a machine shared by many processes.
    { name: 'a timeout while waiting for the response headers', server: 'silent', config: {}, timeoutMs: 1500 },
    { name: 'a timeout while reading the body', server: 'endless', config: {}, timeoutMs: 1500 },
  ])('words $name as the main thread does (http)', async ({ server, path: urlPath = '/', config, timeoutMs }) => {
    const started = await use(servers[server]());
    const { onLoop, inWorker } = await both(httpProbe, { url: `${started.url}${urlPath}`, ...config }, timeoutMs);
    expect(inWorker).toEqual(onLoop);
  });

  it('words a refused connection, with the secret in the URL scrubbed, as the main thread does', async () => {
    const port = await closedPort();
    const { onLoop, inWorker } = await both(httpProbe, { url: `http://user:${KEY}@127.0.0.1:${port}/` });
    expect(onLoop.error).toContain(`127.0.0.1:${port}`);
    expect(inWorker).toEqual(onLoop);
  });

  it('reads a health document with a component down as the main thread does', async () => {
    const started = await use(servers.health());
    const { onLoop, inWorker } = await both(healthProbe, { url: `${started.url}/health` });
    expect(inWorker).toMatchObject({ success: true, degraded: true, detail: 'cache: down' });
    expect(inWorker).toEqual(onLoop);
  });

  it('opens nothing for a run whose signal is already aborted', async () => {
    const started = await use(servers.ok());
    const controller = new AbortController();
    controller.abort(new Error('Vigil is stopping'));
    const target = httpSchema.parse({ url: started.url });
    const outcome = await (await pool()).probe(httpProbe).run(target, controller.signal, contexts.current());
    expect(outcome.error).toBe(`aborted before connecting to 127.0.0.1:${started.port} (Vigil is stopping)`);
    expect(started.accepted).toBe(0);
  });

  // 0.0.0.0 connects to this host on Linux: a loopback server stands in for an address the guard refuses.
  it('refuses what the outbound guard refuses, under the policy the pool was given', async () => {
    const started = await use(servers.ok());
    const target = httpSchema.parse({ url: `http://0.0.0.0:${started.port}/` });
    const refused = await (await pool(1)).probe(httpProbe).run(target, deadline(1500), contexts.current());
    expect(refused.error).toMatch(/^refused by the outbound guard: 0\.0\.0\.0 is in 0\.0\.0\.0\/8/);
    expect(started.accepted).toBe(0);
    const allowing = await pool(1, { enabled: true, allow: [parseCidr('0.0.0.0/8')!] });
    expect(await allowing.probe(httpProbe).run(target, deadline(1500), contexts.current())).toMatchObject({ success: true, error: null });
  });
});

describe('the scheduler with probe workers', () => {
  it('records results and timeouts measured in the workers, and stops cleanly', { timeout: 20_000 }, async () => {
    const ok = await use(servers.ok());
    const silent = await use(servers.silent());
    const registry = builtinProbes();
    const spec = (name: string, kind: string, target: Record<string, unknown>): CheckSpec => ({
      id: `dev/api/${name}`,
      env: 'dev',
      service: 'api',
      name,
      kind,
      everyMs: 2_000,
      timeoutMs: 1_500,
      target: registry.get(kind).schema.parse(target),
      runbook: null,
    });
    const runs: CheckRun[] = [];
    const context = createProbeContext({ clock: systemClock, secrets });
    const workers = await pool(2);
    const scheduler = new Scheduler(
      [spec('http', 'http', { url: ok.url }), spec('health', 'health', { url: ok.url }), spec('silent', 'http', { url: silent.url }), spec('tcp', 'tcp', { host: '127.0.0.1', port: ok.port })],
      {
        registry: withProbeWorkers(registry, workers),
        writer: { write: () => {} },
        context,
        clock: systemClock,
        concurrency: 8,
        onRun: (run) => runs.push(run),
        log: () => {},
      },
    );
    scheduler.start();
    const until = Date.now() + 10_000;
    while (Date.now() < until && !['http', 'health', 'silent', 'tcp'].every((name) => runs.some((r) => r.check.name === name))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await scheduler.stop();
    await context.close();
    const first = (name: string) => runs.find((r) => r.check.name === name)!;
    expect(first('http').outcome).toMatchObject({ success: true, error: null });
    expect(first('health').outcome).toMatchObject({ success: true, error: null });
    expect(first('silent')).toMatchObject({ timedOut: true, outcome: { success: false, error: 'timed out after 1s500ms while waiting for the response headers' } });
    expect(first('tcp').outcome.success).toBe(true);
  });
});

describe('secret values across a thread boundary', () => {
  it('scrub the same after fromForms(forms())', () => {
    const original = new SecretValues(['p@ss/word!', 'short', 'x']);
    const copy = SecretValues.fromForms(original.forms());
    const text = `p@ss/word! and ${encodeURIComponent('p@ss/word!')} and short and x`;
    expect(copy.scrub(text)).toBe(original.scrub(text));
    expect(copy.forms()).toEqual(original.forms());
  });
});
