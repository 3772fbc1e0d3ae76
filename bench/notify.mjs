// Notifications benchmark, on loopback only.
// 1. Rule firing → webhook received: a running rules engine (1 s evaluation interval, SQLite store)
//    with 1,000 threshold rules, its incident changes writing outbox rows in their transaction as
//    cli/serve.ts wires it (waking the dispatcher), and the Dispatcher as `vigil serve` starts it (1 s poll, 50 a tick) sending
//    signed Standard Webhooks to a sink; breaches arrive 25 every 500 ms until 1,000 incidents opened.
//    Latency = the sink's arrival time − the incident's openedAt (the moment `for` elapsed).
// 2. Delivery throughput against the same sink: 2,000 messages already due, drained by the Dispatcher
//    as started by serve (woken, then draining a full batch after another) and by back-to-back ticks
//    (its capacity), next to the in-run
//    baseline: plain fetch POSTs of the same bodies, 50 in flight (the dispatcher's batch).
//   node bench/notify.mjs        (after `npm run build:server`; prints one JSON line)
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { AlertingEngine } = await import(dist('rules/engine.js'));
const { openSqliteStore } = await import(dist('store/sqlite/sqlite-store.js'));
const { Dispatcher } = await import(dist('notify/dispatcher.js'));
const { builtinReceivers } = await import(dist('notify/index.js'));
const { enqueueNotifications } = await import(dist('notify/outbox.js'));
const { notificationsFor } = await import(dist('notify/routing.js'));
const { compileNotify } = await import(dist('config/notify.js'));

const INCIDENTS = 1_000;
const BREACHES_PER_STEP = 25;
const STEP_MS = 500;
const THROUGHPUT_MESSAGES = 2_000;
const IN_FLIGHT = 50;
const METRIC = 'queue_depth';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => process.stderr.write(`${line}\n`);

// The sink: records when each incident's opening arrived; answers 204.
const arrivals = new Map();
let received = 0;
const sink = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const at = Date.now();
    received += 1;
    if (req.url === '/hook') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const alert of body.data?.alerts ?? []) {
        if (alert.change === 'opened' && !arrivals.has(alert.incident.id)) arrivals.set(alert.incident.id, at - Date.parse(alert.incident.openedAt));
      }
    }
    res.writeHead(204).end();
  });
});
sink.keepAliveTimeout = 60_000;
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${sink.address().port}`;

const receivers = builtinReceivers();
const compiled = compileNotify(
  { receivers: { hook: { webhook: { url: `${sinkUrl}/hook`, secret: SECRET } } }, routes: [{ to: 'hook' }] },
  { env: {}, receivers },
);
if (compiled.problems.length) throw new Error(JSON.stringify(compiled.problems));
const notify = compiled.notify;

class Feed {
  listeners = new Set();
  onSamples(listener) { this.listeners.add(listener); return () => this.listeners.delete(listener); }
  writeSamples() { return { refused: 0, refusal: null }; }
  push(samples) { for (const listener of this.listeners) listener(samples); }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-notify-'));
const store = await openSqliteStore(path.join(dir, 'vigil.db'));
const clock = { now: () => Date.now() };
const labelsOf = (i) => Object.freeze({ env: 'prod', service: `svc-${Math.floor(i / 10)}`, queue: `q-${i}` });
const rules = Array.from({ length: INCIDENTS }, (_, i) => ({
  kind: 'threshold', name: 'QueueBacklog', severity: 'page', forMs: 0, keepFiringForMs: 0, summary: null, runbook: null, labels: {}, origin: 'config',
  metric: METRIC, matchers: [{ label: 'queue', op: '=', value: `q-${i}` }], aggregate: 'last', overMs: 60_000, op: 'above', threshold: 100, recover: null,
}));
const alerting = { evaluationIntervalMs: 1_000, reopenWindowMs: 30 * 60_000, rules, slos: [], inhibit: [], maintenance: [] };
const dispatcher = new Dispatcher({ store, clock, receivers, config: notify, baseUrl: 'http://127.0.0.1:8080', log });
const feed = new Feed();
const engine = new AlertingEngine({
  alerting, checks: [], store, clock, feed, log,
  onIncidentChanges: async (tx, changes) => {
    const messages = changes.flatMap((change) => notificationsFor(change, dispatcher.plan));
    if (messages.length === 0) return;
    await enqueueNotifications(tx.outbox, messages, dispatcher.plan, changes[0].at);
    dispatcher.wake();
  },
});

// ---- 1. Rule firing → webhook received ----
feed.push(Array.from({ length: INCIDENTS }, (_, i) => ({ name: METRIC, labels: labelsOf(i), ts: Date.now(), value: 1 })));
await engine.start();
dispatcher.start();
const firingStartedAt = Date.now();
for (let next = 0; next < INCIDENTS; next += BREACHES_PER_STEP) {
  const ts = Date.now();
  feed.push(Array.from({ length: BREACHES_PER_STEP }, (_, k) => ({ name: METRIC, labels: labelsOf(next + k), ts, value: 500 })));
  await sleep(STEP_MS);
}
while (arrivals.size < INCIDENTS && Date.now() - firingStartedAt < 120_000) await sleep(20);
const latencies = [...arrivals.values()];
const latencyRunMs = Date.now() - firingStartedAt;
await engine.stop();
await dispatcher.stop();
log(`latency: ${latencies.length} incidents in ${latencyRunMs} ms`);

// ---- 2. Throughput: the dispatcher draining due messages, vs plain fetch ----
const incidents = await store.incidents.active();
const messagesFor = (round) =>
  Array.from({ length: THROUGHPUT_MESSAGES }, (_, i) => {
    const incident = incidents[i % incidents.length];
    const groupKey = `bench:${round}:${i}`;
    return {
      receiver: 'hook', groupKey, dueAt: Date.now(), createdAt: Date.now(), dedupe: null, incidentIds: [incident.id],
      message: { kind: 'alert', groupKey, groupLabels: {}, alerts: [{ change: 'repeat', at: Date.now(), incident }], folded: 0, escalation: null },
    };
  });
async function fill(round) {
  const all = messagesFor(round);
  for (let i = 0; i < all.length; i += 500) await store.transaction((tx) => tx.outbox.enqueue(all.slice(i, i + 500)));
  return all;
}
async function drain(run) {
  const before = received;
  const startedAt = performance.now();
  await run(() => received - before >= THROUGHPUT_MESSAGES);
  return THROUGHPUT_MESSAGES / ((performance.now() - startedAt) / 1000);
}
// Dispatchers with no routes: what is measured is delivery, not escalation and repeat scans of the
// 1,000 incidents left open by part 1 (those run on every tick of a real one; see `tickWithOpenMs`).
const sender = () => new Dispatcher({ store, clock, receivers, config: { ...notify, routes: [] }, baseUrl: 'http://127.0.0.1:8080', log });

await fill('timer');
const timed = sender();
const timerRate = await drain(async (done) => {
  // Woken at once, as the engine does when it writes messages (a started dispatcher's first poll is 1 s away).
  timed.start();
  timed.wake();
  while (!done()) await sleep(5);
  await timed.stop();
});

await fill('ticks');
const ticking = sender();
const tickRate = await drain(async (done) => {
  while (!done()) await ticking.tick();
});

// A tick of a dispatcher with routes and 1,000 open incidents, nothing due: the escalation and repeat scan.
const scans = [];
for (let i = 0; i < 10; i++) {
  const startedAt = performance.now();
  await dispatcher.tick();
  scans.push(performance.now() - startedAt);
}

// The baseline: the same rendered bodies POSTed with plain fetch, 50 in flight.
const bodies = messagesFor('baseline').map((m, i) => receivers.get('webhook').render({ config: notify.receivers[0].config, receiver: 'hook', message: m.message, key: `msg_${i}`, at: Date.now(), baseUrl: 'http://127.0.0.1:8080' }));
const baselineRate = await drain(async () => {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const request = bodies[next++];
      const res = await fetch(`${sinkUrl}/baseline`, { method: 'POST', headers: request.headers, body: request.body });
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
});

await store.close();
await new Promise((resolve) => sink.close(resolve));
rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({
  incidents: INCIDENTS,
  delivered: latencies.length,
  openedToReceivedP50Ms: quantile(latencies, 0.5),
  openedToReceivedP99Ms: quantile(latencies, 0.99),
  openedToReceivedMaxMs: Math.max(...latencies),
  targetP99Ms: 1_000,
  dispatcherPollMs: 1_000,
  throughputMessages: THROUGHPUT_MESSAGES,
  dispatcherStartedPerSecond: Math.round(timerRate),
  dispatcherTicksPerSecond: Math.round(tickRate),
  baselineFetchPerSecond: Math.round(baselineRate),
  ratioStartedToBaseline: +(timerRate / baselineRate).toFixed(3),
  ratioTicksToBaseline: +(tickRate / baselineRate).toFixed(3),
  tickWithOpenMs: +quantile(scans, 0.5).toFixed(1),
  openIncidents: incidents.length,
}));
