// The crash loop ([X1] "Crash safety"): the real `vigil serve` under probe, OTLP and notification load,
// killed with SIGKILL at a random moment, restarted on the same store, again and again; then the
// invariants a user relies on are checked. Used by test/e2e/crash-loop.test.ts (a few kills) and by
// bench/crash-loop.mjs (50 per engine, figures as JSON). No vitest here: the bench imports it via tsx.
//
// Load: 8 checks (4 http, 4 tcp, every 1s) against loopback servers, the http targets flapping (down
// 2 s of every 4 s, out of phase) so CheckDown opens and resolves incidents whose messages go to a
// loopback webhook sink; an OTLP sender keeping 4 batches of 20 points in flight on /v1/metrics.
// Invariants, per kill and at the end:
//   - SQLite: `PRAGMA integrity_check` answers ok after every kill (before the restart recovers the WAL);
//   - every OTLP batch answered 200 has all its points stored (the 200 means committed);
//   - every outbox message is delivered once Vigil runs on after the last kill, and the sink saw each
//     one's webhook-id at least once (at-least-once: repeats are counted, never treated as a failure);
//     the sink saw no webhook-id the outbox does not hold (a message sent, then lost from the store);
//   - probe samples lost per kill, measured as the kill time minus the last stored run's planned time
//     minus `every` (the newest run that should have been stored had flushing been instant), per check,
//     the worst check counted: with the writer flushing every 250 ms, about that plus a run's duration.
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { openStore } from '../../store/open.js';
import { sqliteIntegrityProblems } from '../../store/sqlite/backup.js';
import type { Store } from '../../store/types.js';
import { startHttpServer, startTcpServer, type TestServer } from './servers.js';
import { startVigil, type VigilProcess } from './vigil-server.js';

/** The writer's flush interval (ingest/writer.ts default): the bound on probe samples a kill loses. */
export const FLUSH_INTERVAL_MS = 250;
const CHECK_EVERY_MS = 1_000;
const FLAP_PERIOD_MS = 4_000;
const OTLP_POINTS_PER_BATCH = 20;
const OTLP_IN_FLIGHT = 4;
const OTLP_METRIC = 'crash_loop_acked';

export interface CrashLoopOptions {
  readonly engine: 'sqlite' | 'postgres';
  /** A SQLite file path (its directory must exist) or a postgres:// URL of an empty database. */
  readonly db: string;
  /** Where the config file goes. */
  readonly dir: string;
  readonly kills: number;
  /** The kill comes this long after Vigil says it listens: uniform in [min, max] ms. */
  readonly upMs: readonly [min: number, max: number];
  /** How long to wait, after the last restart, for every message to be delivered. */
  readonly drainTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** What a crash loop found: the figures the bench prints and the test asserts on. */
export interface CrashLoopFigures {
  readonly engine: 'sqlite' | 'postgres';
  readonly kills: number;
  /** Restarts that came up listening on the store the kill left. */
  readonly killsSurvived: number;
  /** SQLite: integrity_check answers other than ok (each problem line counted once per kill). */
  readonly integrityFailures: number;
  readonly integrityProblems: readonly string[];
  readonly otlpBatchesSent: number;
  /** What the sends were answered: HTTP status, or "no answer" when the connection died with the process. */
  readonly otlpAnswers: Readonly<Record<string, number>>;
  readonly otlpBatchesAcknowledged: number;
  /** Acknowledged batches with a point missing from the store. */
  readonly otlpBatchesLost: number;
  /** Outbox messages written (each should reach the sink). */
  readonly notificationsExpected: number;
  /** Outbox messages whose webhook-id reached the sink. */
  readonly notificationsReceived: number;
  /** Outbox messages not delivered, or never seen by the sink, after the drain. */
  readonly notificationsLost: number;
  /** Requests past the first per webhook-id (at-least-once repeats after a kill mid-send). */
  readonly notificationsDuplicated: number;
  /** webhook-ids the sink saw that no outbox message holds. */
  readonly notificationsUnknown: number;
  readonly flushIntervalMs: number;
  readonly checkEveryMs: number;
  /** The worst kill's probe-sample loss window (ms), and the mean over kills. */
  readonly samplesLostMaxMs: number;
  readonly samplesLostMeanMs: number;
}

interface Cycle {
  readonly listenAt: number;
  readonly killAt: number;
}

/** Runs the loop; throws only when Vigil cannot be started at all (a restart failure is a figure). */
export async function runCrashLoop(opts: CrashLoopOptions): Promise<CrashLoopFigures> {
  const log = opts.log ?? (() => {});
  const targets = await startTargets();
  const sink = await startWebhookSink();
  const configFile = path.join(opts.dir, 'crash-loop.yaml');
  fs.writeFileSync(configFile, crashLoopConfig(targets.httpPort, targets.tcpPort, sink.server.port));
  const otlp = new OtlpSender(Date.now() - 30 * 60_000);
  const integrityProblems: string[] = [];
  let integrityFailures = 0;
  let killsSurvived = 0;
  const lossWindows: number[] = [];
  let vigil: VigilProcess | null = null;
  const start = async () => {
    const began = Date.now();
    // Generous: on a machine shared with other work a start has taken 20 s.
    const started = await startVigil({ args: ['--config', configFile], db: opts.db, startTimeoutMs: 90_000 });
    log(`started in ${Date.now() - began} ms`);
    return started;
  };
  try {
    vigil = await start();
    for (let kill = 1; kill <= opts.kills; kill++) {
      const listenAt = Date.now();
      otlp.start(vigil.url);
      await sleep(randomInt(opts.upMs[0], opts.upMs[1] + 1));
      const cycle: Cycle = { listenAt, killAt: Date.now() };
      await vigil.kill();
      await otlp.stop();
      await vigil.stop();
      vigil = null;
      if (opts.engine === 'sqlite') {
        const problems = sqliteIntegrityProblems(opts.db);
        if (problems.length > 0) {
          integrityFailures++;
          integrityProblems.push(...problems.map((p) => `kill ${kill}: ${p}`));
        }
      }
      log(`killed; integrity checked at +${Date.now() - cycle.killAt} ms`);
      lossWindows.push(await withStore(opts.db, (store) => probeLossWindow(store, cycle)));
      try {
        vigil = await start();
        killsSurvived++;
      } catch (error) {
        log(`kill ${kill}: restart failed: ${(error as Error).message.slice(0, 2000)}`);
        break;
      }
      log(`kill ${kill}/${opts.kills}: loss window ${lossWindows.at(-1)} ms, ${otlp.acknowledged.length} OTLP batches acknowledged so far`);
    }
    // Vigil runs on until every message is out: a message whose send a kill cut short is sent again
    // once its claim's lease (2 × timeout + 5 s) runs out.
    // The targets stop flapping first, so that the last incidents resolve and no new message follows.
    targets.steady();
    if (vigil) await waitForDrain(vigil.url, opts.drainTimeoutMs ?? 30_000);
    await vigil?.stop();
    vigil = null;
    return await withStore(opts.db, async (store) => {
      const lostBatches = await otlp.lostBatches(store);
      const outbox = await allOutboxMessages(store);
      const keys = new Set(outbox.map((m) => m.key));
      const seen = sink.counts;
      // Suppressed messages (a maintenance window, a rate limit's summary) are not meant to be sent.
      const expected = outbox.filter((m) => m.state !== 'suppressed');
      const received = expected.filter((m) => seen.has(m.key)).length;
      const lost = expected.filter((m) => m.state !== 'delivered' || !seen.has(m.key)).length;
      for (const m of expected) if (m.state !== 'delivered' || !seen.has(m.key)) log(`not delivered: ${JSON.stringify(m)}`);
      const duplicated = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
      const unknown = [...seen.keys()].filter((key) => !keys.has(key)).length;
      return {
        engine: opts.engine,
        kills: opts.kills,
        killsSurvived,
        integrityFailures,
        integrityProblems: integrityProblems.slice(0, 20),
        otlpBatchesSent: otlp.sent,
        otlpAnswers: Object.fromEntries(otlp.answers),
        otlpBatchesAcknowledged: otlp.acknowledged.length,
        otlpBatchesLost: lostBatches,
        notificationsExpected: expected.length,
        notificationsReceived: received,
        notificationsLost: lost,
        notificationsDuplicated: duplicated,
        notificationsUnknown: unknown,
        flushIntervalMs: FLUSH_INTERVAL_MS,
        checkEveryMs: CHECK_EVERY_MS,
        samplesLostMaxMs: Math.max(0, ...lossWindows),
        samplesLostMeanMs: lossWindows.length ? Math.round(lossWindows.reduce((a, b) => a + b, 0) / lossWindows.length) : 0,
      };
    });
  } finally {
    await otlp.stop();
    if (vigil) {
      await vigil.kill();
      await vigil.stop();
    }
    await sink.server.close();
    await targets.close();
  }
}

function crashLoopConfig(httpPort: number, tcpPort: number, sinkPort: number): string {
  const http = (name: string) => `      - http: { name: ${name}, url: "http://127.0.0.1:${httpPort}/${name}", every: 1s, timeout: 1s }`;
  const tcp = (name: string) => `      - tcp: { name: ${name}, host: 127.0.0.1, port: ${tcpPort}, every: 1s, timeout: 1s }`;
  return [
    'environments: [prod]',
    'alerting: { evaluation_interval: 1s }',
    // One failed run opens an incident: the flapping targets open and resolve one every few seconds.
    'defaults: { down: { after: 1 } }',
    'notify:',
    '  receivers:',
    `    hook: { webhook: { url: "http://127.0.0.1:${sinkPort}/hook" } }`,
    '  routes:',
    // group_interval 1s: an incident's resolution follows its opening within a second, not a minute.
    '    - { to: hook, group_interval: 1s }',
    // Quick retries, a breaker that stays closed: a killed send is re-sent after its 7 s lease.
    '  delivery: { timeout: 1s, backoff: { initial: 200ms, max: 1s }, breaker: { failures: 1000, cooldown: 1s } }',
    'services:',
    '  shop:',
    '    checks:',
    http('flap-a'),
    http('flap-b'),
    http('flap-c'),
    http('flap-d'),
    tcp('tcp-a'),
    tcp('tcp-b'),
    tcp('tcp-c'),
    tcp('tcp-d'),
    '',
  ].join('\n');
}

async function startTargets(): Promise<{ httpPort: number; tcpPort: number; steady(): void; close(): Promise<void> }> {
  let flapping = true;
  const httpServer = await startHttpServer((req, res) => {
    // Each flap-x is down half of each period, a quarter period after the one before: incidents open and resolve all the time.
    const offset = { '/flap-a': 0, '/flap-b': 1, '/flap-c': 2, '/flap-d': 3 }[req.url ?? ''];
    const quarter = Math.floor(Date.now() / (FLAP_PERIOD_MS / 4));
    const down = flapping && offset !== undefined && (quarter + offset) % 4 < 2;
    res.writeHead(down ? 503 : 200, { 'content-type': 'text/plain' }).end(down ? 'down' : 'ok');
  });
  const tcpServer = await startTcpServer((socket) => socket.end());
  return {
    httpPort: httpServer.port,
    tcpPort: tcpServer.port,
    steady: () => void (flapping = false),
    close: async () => void (await Promise.all([httpServer.close(), tcpServer.close()])) };
}

async function startWebhookSink(): Promise<{ server: TestServer; counts: Map<string, number> }> {
  const counts = new Map<string, number>();
  const server = await startHttpServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  return { server, counts };
}

/** Keeps OTLP_IN_FLIGHT batches in flight; each batch's points have their own times, so a batch is found by its points. */
class OtlpSender {
  readonly acknowledged: number[] = [];
  readonly answers = new Map<string, number>();
  sent = 0;
  #next = 0;
  #running: Promise<void> | null = null;
  #stop = false;
  readonly #base: number;

  constructor(base: number) {
    this.#base = base;
  }

  start(url: string): void {
    this.#stop = false;
    this.#running = Promise.all(Array.from({ length: OTLP_IN_FLIGHT }, () => this.#loop(url))).then(() => {});
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#running;
    this.#running = null;
  }

  async #loop(url: string): Promise<void> {
    while (!this.#stop) {
      const batch = this.#next++;
      this.sent++;
      try {
        const response = await fetch(`${url}/v1/metrics`, { method: 'POST', body: this.#body(batch), headers: { 'content-type': 'application/json' } });
        await response.arrayBuffer();
        this.#count(String(response.status));
        if (response.status === 200) this.acknowledged.push(batch);
        else await sleep(50);
      } catch {
        this.#count('no answer');
        // The connection died with the process: not acknowledged. Wait for the restart.
        await sleep(50);
      }
    }
  }

  #count(answer: string): void {
    this.answers.set(answer, (this.answers.get(answer) ?? 0) + 1);
  }

  #pointTime(batch: number, i: number): number {
    return this.#base + batch * OTLP_POINTS_PER_BATCH + i;
  }

  #body(batch: number): string {
    const dataPoints = Array.from({ length: OTLP_POINTS_PER_BATCH }, (_, i) => ({
      timeUnixNano: `${this.#pointTime(batch, i)}000000`,
      asDouble: batch * OTLP_POINTS_PER_BATCH + i,
    }));
    return JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'crash-loop' } }] },
          scopeMetrics: [{ metrics: [{ name: OTLP_METRIC, gauge: { dataPoints } }] }],
        },
      ],
    });
  }

  /** Acknowledged batches with at least one point not in the store. */
  async lostBatches(store: Store): Promise<number> {
    if (this.acknowledged.length === 0) return 0;
    const from = this.#base;
    const to = this.#pointTime(this.#next, 0);
    const result = await store.samples.query(
      { metric: OTLP_METRIC, matchers: [], from, to, stepMs: 1, aggregate: 'last' },
      { maxSeries: 10, maxPoints: 10_000_000, maxRowsScanned: 10_000_000 },
    );
    const stored = new Set((result.series[0]?.points ?? []).map((point) => point[1]));
    return this.acknowledged.filter((batch) => {
      for (let i = 0; i < OTLP_POINTS_PER_BATCH; i++) if (!stored.has(batch * OTLP_POINTS_PER_BATCH + i)) return true;
      return false;
    }).length;
  }
}

/**
 * The worst check's probe-sample loss for one kill: kill time − (last stored run's time + every), at
 * least 0. A check with no run stored since the start counts from one period before the listen.
 */
async function probeLossWindow(store: Store, cycle: Cycle): Promise<number> {
  const result = await store.samples.query(
    { metric: 'probe_success', matchers: [], from: cycle.listenAt - 10 * CHECK_EVERY_MS, to: cycle.killAt, stepMs: 1, aggregate: 'last' },
    { maxSeries: 100, maxPoints: 1_000_000, maxRowsScanned: 1_000_000 },
  );
  let worst = 0;
  for (const series of result.series) {
    const lastRun = Math.max(cycle.listenAt - CHECK_EVERY_MS, ...series.points.map((point) => point[0]));
    worst = Math.max(worst, cycle.killAt - lastRun - CHECK_EVERY_MS);
  }
  return worst;
}

async function allOutboxMessages(store: Store) {
  const messages = [];
  let before: number | undefined;
  for (;;) {
    const page = await store.outbox.list({ limit: 500, before });
    messages.push(...page.messages);
    if (page.nextCursor === null) return messages;
    before = page.nextCursor;
  }
}

/** Waits until no message is pending on three polls in a row, a second apart (the last resolutions included). */
async function waitForDrain(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (Date.now() < deadline && quiet < 3) {
    await sleep(1_000);
    const response = await fetch(`${url}/api/v1/notifications?state=pending&limit=1`);
    const page = (await response.json()) as { notifications: unknown[] };
    quiet = response.ok && page.notifications.length === 0 ? quiet + 1 : 0;
  }
}

async function withStore<T>(location: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(location, { sqlite: { readers: 0 } });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
