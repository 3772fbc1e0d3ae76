import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { startDnsResponder, type DnsAnswer } from './dns.js';
import { selfSignedCertificate } from './self-signed-cert.js';
import { createWebhookSink, newWebhookSecret, type DemoWebhookSnapshot } from './webhook-sink.js';

// The built-in demo target: one small HTTP server that plays an app deployed in dev, staging and prod.
// Its latency, errors, replica lag and queue depth drift with time and fail on a schedule, so that a
// fresh `npm start` shows every state a real system goes through within minutes. It also plays the
// on-call team's webhook consumer at /webhook (demo/webhook-sink.ts), so notifications flow too, its DNS
// zone over UDP (demo/dns.ts), and the same app over HTTPS with a certificate made at start.

export const DEMO_ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
type DemoEnv = (typeof DEMO_ENVIRONMENTS)[number];

/** What the demo app in one environment looks like at one moment. */
export interface DemoState {
  readonly pageLatencyMs: number;
  readonly apiLatencyMs: number;
  /** Probability that an API call answers 500. */
  readonly apiErrorRate: number;
  readonly healthy: boolean;
  readonly components: Readonly<Record<'db' | 'cache' | 'queue', 'UP' | 'DOWN'>>;
  readonly replicaLagSeconds: number;
  readonly replicaLagBytes: number;
  readonly queueDepths: Readonly<Record<'exports' | 'emails', number>>;
}

const MINUTE = 60_000;

/** Position in a repeating cycle: true during the first `activeMs` of every `periodMs` (offset by `phaseMs`). */
function inWindow(at: number, periodMs: number, activeMs: number, phaseMs = 0): boolean {
  return (at + phaseMs) % periodMs < activeMs;
}

/** Staging's database outage: 90 s every 6 minutes, from minute 4 of the cycle. */
function stagingDown(at: number): boolean {
  return inWindow(at, 6 * MINUTE, 90_000, 4 * MINUTE);
}

function wave(at: number, periodMs: number, phaseMs = 0): number {
  return Math.sin(((at + phaseMs) / periodMs) * 2 * Math.PI);
}

/**
 * The schedule, a pure function of time: prod is mostly healthy with a cache outage (degraded) for
 * 2 minutes every 15; staging goes down for 90 s every 6 minutes with its replica falling behind;
 * dev is slow and flaky. Noise comes from `random` so the same instant can differ between calls.
 */
export function demoState(env: DemoEnv, at: number, random: () => number = Math.random): DemoState {
  const noise = (spread: number) => (random() - 0.5) * 2 * spread;
  switch (env) {
    case 'prod': {
      const cacheDown = inWindow(at, 15 * MINUTE, 2 * MINUTE, 11 * MINUTE);
      const backlog = inWindow(at, 20 * MINUTE, 4 * MINUTE, 5 * MINUTE);
      return {
        pageLatencyMs: 90 + 30 * wave(at, 10 * MINUTE) + noise(15) + (cacheDown ? 250 : 0),
        apiLatencyMs: 60 + 20 * wave(at, 7 * MINUTE) + noise(10) + (cacheDown ? 180 : 0),
        apiErrorRate: cacheDown ? 0.05 : 0.002,
        healthy: true,
        components: { db: 'UP', cache: cacheDown ? 'DOWN' : 'UP', queue: 'UP' },
        replicaLagSeconds: Math.max(0, 0.4 + 0.3 * wave(at, 5 * MINUTE) + noise(0.1)),
        replicaLagBytes: Math.max(0, Math.round(40_000 + 25_000 * wave(at, 5 * MINUTE) + noise(5_000))),
        queueDepths: {
          exports: Math.max(0, Math.round(30 + 20 * wave(at, 9 * MINUTE) + noise(5) + (backlog ? 400 : 0))),
          emails: Math.max(0, Math.round(5 + 4 * wave(at, 3 * MINUTE) + noise(2))),
        },
      };
    }
    case 'staging': {
      const outage = stagingDown(at);
      const lagging = inWindow(at, 6 * MINUTE, 150_000, 4 * MINUTE);
      return {
        pageLatencyMs: 140 + 60 * wave(at, 8 * MINUTE) + noise(30),
        apiLatencyMs: 120 + 50 * wave(at, 6 * MINUTE) + noise(25),
        apiErrorRate: outage ? 1 : 0.03,
        healthy: !outage,
        components: { db: outage ? 'DOWN' : 'UP', cache: 'UP', queue: 'UP' },
        replicaLagSeconds: lagging ? 30 + 15 * wave(at, MINUTE) + noise(3) : Math.max(0, 1 + noise(0.5)),
        replicaLagBytes: lagging ? 8_000_000 + Math.round(noise(1_000_000)) : Math.round(200_000 + noise(50_000)),
        queueDepths: {
          exports: Math.max(0, Math.round((outage ? 250 : 15) + noise(10))),
          emails: Math.max(0, Math.round(2 + noise(2))),
        },
      };
    }
    case 'dev': {
      const slow = inWindow(at, 4 * MINUTE, MINUTE, 2 * MINUTE);
      return {
        pageLatencyMs: 350 + 150 * wave(at, 5 * MINUTE) + noise(80) + (slow ? 600 : 0),
        apiLatencyMs: 250 + 100 * wave(at, 4 * MINUTE) + noise(60) + (slow ? 500 : 0),
        apiErrorRate: 0.1,
        healthy: true,
        components: { db: 'UP', cache: 'UP', queue: slow ? 'DOWN' : 'UP' },
        replicaLagSeconds: Math.max(0, 3 + 2 * wave(at, 3 * MINUTE) + noise(1)),
        replicaLagBytes: Math.max(0, Math.round(1_000_000 + noise(300_000))),
        queueDepths: {
          exports: Math.max(0, Math.round(80 + 60 * wave(at, 6 * MINUTE) + noise(10))),
          emails: Math.max(0, Math.round(20 + 15 * wave(at, 2 * MINUTE) + noise(5))),
        },
      };
    }
  }
}

/** What the demo's backup job does in one slot: beats, reports a failure, or does not run at all. */
export type DemoBackupRun = { readonly status: 'ok' | 'fail'; readonly message: string } | null;

/**
 * The backup job's schedule, a pure function of time: prod's always runs; staging's does not run while
 * its database is down (its heartbeat check fails ~15 s into the outage); dev's reports a full disk
 * for 1 minute in 12.
 */
export function demoBackupRun(env: DemoEnv, at: number): DemoBackupRun {
  if (env === 'staging' && stagingDown(at)) return null;
  if (env === 'dev' && inWindow(at, 12 * MINUTE, MINUTE, 7 * MINUTE)) return { status: 'fail', message: 'pg_dump: no space left on /backups' };
  return { status: 'ok', message: `dumped orders_${env} in ${(1.5 + Math.abs(wave(at, 5 * MINUTE))).toFixed(1)}s` };
}

/**
 * The demo's DNS zone, a pure function of time: `api.<env>.demo.internal` is `A 127.0.0.1` in each
 * environment, except that staging's record is gone (NXDOMAIN) while its database is down, as if the
 * service had deregistered itself. Any other name is NXDOMAIN.
 */
export function demoDnsAnswer(name: string, at: number): DnsAnswer {
  const env = /^api\.([a-z]+)\.demo\.internal$/.exec(name)?.[1];
  if (env === undefined || !isDemoEnv(env) || (env === 'staging' && stagingDown(at))) return 'nxdomain';
  return { records: [{ type: 'A', address: '127.0.0.1' }] };
}

/** How long the demo's TLS certificate is valid from its start (the demo config expects 14 days left). */
export const DEMO_CERT_VALIDITY_MS = 365 * 24 * 60 * MINUTE;

/** How often the demo's backup job runs (the demo config's heartbeat check says `every: 10s`). */
export const DEMO_BACKUP_EVERY_MS = 10_000;

export interface DemoTarget {
  /** Base URL, e.g. http://127.0.0.1:41234; each environment lives under `/<env>/`. */
  readonly url: string;
  /** Where the demo's notifications go: `<url>/webhook` (POST to deliver, GET to see what arrived). */
  readonly webhookUrl: string;
  /** Its DNS zone's UDP address, `127.0.0.1:port`, as a dns check's `resolver:` is written. */
  readonly dnsAddress: string;
  /** The port serving the same app over HTTPS, with a self-signed certificate for 127.0.0.1 made at start. */
  readonly tlsPort: number;
  /** The PEM certificate served on `tlsPort`. */
  readonly certPem: string;
  /** The Standard Webhooks secret the sink verifies with, made at each start. */
  readonly webhookSecret: string;
  /** What the sink received so far. */
  webhooks(): DemoWebhookSnapshot;
  /**
   * Starts the app's backup job in each environment: every 10 s it POSTs to its heartbeat URL on
   * Vigil (`vigilUrl` + path, `/fail` with the error as the body), as a cron job would.
   */
  startBackupJobs(vigilUrl: string, heartbeats: ReadonlyArray<{ readonly env: string; readonly path: string }>): void;
  close(): Promise<void>;
}

const ORDERS = JSON.stringify({ orders: [{ id: 'ord_1042', total: 129.5, currency: 'EUR', status: 'paid' }] });

function isDemoEnv(name: string): name is DemoEnv {
  return (DEMO_ENVIRONMENTS as readonly string[]).includes(name);
}

/** Starts the demo target on loopback (port 0 = any free port). */
export async function startDemoTarget(opts: { port?: number; host?: string; clock?: Clock } = {}): Promise<DemoTarget> {
  const clock = opts.clock ?? systemClock;
  const host = opts.host ?? '127.0.0.1';
  const pending = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      pending.delete(timer);
      fn();
    }, Math.max(0, ms));
    pending.add(timer);
  };

  const webhookSecret = newWebhookSecret();
  const sink = createWebhookSink({ secret: webhookSecret, clock: systemClock });
  const handler: http.RequestListener = (req, res) => {
    const [, env, ...rest] = (req.url ?? '/').split('?')[0].split('/');
    const route = '/' + rest.join('/');
    if (env === 'webhook' && route === '/') {
      sink.handle(req, res);
      return;
    }
    if (!isDemoEnv(env)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown environment\n');
      return;
    }
    const state = demoState(env, clock.now());
    if (route === '/') {
      later(state.pageLatencyMs, () =>
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Shop (${env})</title><h1>Shop</h1>`),
      );
    } else if (route === '/api/orders') {
      const failed = Math.random() < state.apiErrorRate;
      later(state.apiLatencyMs, () =>
        failed
          ? res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"upstream timeout"}')
          : res.writeHead(200, { 'content-type': 'application/json' }).end(ORDERS),
      );
    } else if (route === '/health/ready' || route === '/health/live') {
      const body = {
        status: state.healthy ? 'UP' : 'DOWN',
        components: Object.fromEntries(Object.entries(state.components).map(([name, status]) => [name, { status }])),
        replication: { lag_seconds: +state.replicaLagSeconds.toFixed(3), lag_bytes: state.replicaLagBytes },
        queues: { exports: { depth: state.queueDepths.exports }, emails: { depth: state.queueDepths.emails } },
      };
      later(5 + Math.random() * 10, () =>
        res.writeHead(state.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  };
  const server = http.createServer(handler);
  const listening = (listener: http.Server, port: number): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, host, () => resolve((listener.address() as AddressInfo).port));
    });
  const port = await listening(server, opts.port ?? 0);
  const startedAt = new Date(clock.now());
  const certificate = selfSignedCertificate({
    commonName: 'Vigil demo',
    names: ['127.0.0.1', 'localhost', ...DEMO_ENVIRONMENTS.map((env) => `api.${env}.demo.internal`)],
    // An hour back: a client whose clock runs a little behind still sees it valid.
    notBefore: new Date(startedAt.getTime() - 60 * MINUTE),
    notAfter: new Date(startedAt.getTime() + DEMO_CERT_VALIDITY_MS),
  });
  const secureServer = https.createServer({ key: certificate.key, cert: certificate.cert }, handler);
  // Each listener is closed if a later one fails to start, as close() would.
  const tlsPort = await listening(secureServer, 0).catch((error: unknown) => {
    server.close();
    throw error;
  });
  const dns = await startDnsResponder({ host, answer: (name) => demoDnsAnswer(name, clock.now()) }).catch((error: unknown) => {
    server.close();
    secureServer.close();
    throw error;
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const jobs: NodeJS.Timeout[] = [];
  const jobsStopped = new AbortController();
  return {
    url,
    webhookUrl: `${url}/webhook`,
    dnsAddress: dns.address,
    tlsPort,
    certPem: certificate.cert,
    webhookSecret,
    webhooks: sink.snapshot,
    startBackupJobs(vigilUrl, heartbeats) {
      const runOnce = (): void => {
        for (const { env, path } of heartbeats) {
          if (!isDemoEnv(env)) continue;
          const run = demoBackupRun(env, clock.now());
          if (run === null) continue;
          const beatUrl = `${vigilUrl}${path}${run.status === 'fail' ? '/fail' : ''}`;
          // A beat lost while Vigil stops is what a real job would see too: nothing to report.
          fetch(beatUrl, { method: 'POST', body: run.message, signal: jobsStopped.signal }).then((res) => res.body?.cancel(), () => {});
        }
      };
      runOnce();
      jobs.push(setInterval(runOnce, DEMO_BACKUP_EVERY_MS));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const job of jobs) clearInterval(job);
        jobsStopped.abort();
        for (const timer of pending) clearTimeout(timer);
        for (const listener of [server, secureServer]) listener.closeAllConnections();
        void Promise.all([
          new Promise<void>((done) => server.close(() => done())),
          new Promise<void>((done) => secureServer.close(() => done())),
          dns.close(),
        ]).then(() => resolve());
      }),
  };
}
