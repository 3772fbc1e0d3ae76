// The dispatcher against real loopback receivers: signed delivery, retry timing with an injected clock
// (Retry-After, backoff), failure, a receiver gone (410), timeouts, the circuit breaker, dead letters and
// replay, a crash between send and record, silences, and secrets kept out of what is recorded.
import { createHmac, timingSafeEqual } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Dispatcher, type DeliveryResult } from '../../notify/dispatcher.js';
import { builtinReceivers } from '../../notify/index.js';
import { enqueueNotifications } from '../../notify/outbox.js';
import { notificationsFor, notifyPlan } from '../../notify/routing.js';
import { DEFAULT_DELIVERY, type ChangeKind, type DeliverySettings, type NotifyConfig } from '../../notify/types.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Incident, Store } from '../../store/types.js';
import { T0 } from '../helpers/notify.js';
import { startReceiverSink, type ReceiverSink } from '../helpers/receiver-sink.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { onTestFinished } from 'vitest';
import { waitFor } from '../helpers/wait-for.js';

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const registry = builtinReceivers();

/**
 * Standard Webhooks verification, written from the spec text independently of the signer: the signed
 * content is `${webhook-id}.${webhook-timestamp}.${body}`; the key is the base64 part of the secret after
 * the `whsec_` prefix; the header holds space-separated `v1,<base64 HMAC-SHA256>` signatures; compare in
 * constant time, and refuse a timestamp more than 5 minutes from now.
 */
function verifyStandardWebhook(secret: string, headers: Record<string, string | string[] | undefined>, body: string, nowSeconds: number): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.split('_')[1]!, 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, signature] = entry.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

interface Harness {
  readonly store: Store;
  /** The store's SQLite file (a test damages a row in it directly). */
  readonly file: string;
  readonly sink: ReceiverSink;
  readonly clock: { now(): number; set(at: number): void; advance(ms: number): void };
  readonly dispatcher: Dispatcher;
  readonly results: Array<[string, DeliveryResult]>;
  readonly logs: string[];
  incident(): Promise<Incident>;
  change(kind: ChangeKind, incident: Incident): Promise<void>;
  row(id?: number): Promise<Awaited<ReturnType<Store['outbox']['list']>>['messages'][number]>;
}

async function harness(delivery: Partial<DeliverySettings> = {}, timing: { pollMs?: number; batch?: number } = {}): Promise<Harness> {
  const file = tempDbPath();
  const store = await openSqliteStore(file, { readers: 0 });
  onTestFinished(() => store.close());
  const sink = await startReceiverSink();
  let now = T0;
  const clock = { now: () => now, set: (at: number) => void (now = at), advance: (ms: number) => void (now += ms) };
  const config: NotifyConfig = {
    receivers: [{ name: 'hook', kind: 'webhook', config: registry.get('webhook').schema.parse({ url: `${sink.url}/hook`, secret: SECRET }), rateLimit: null }],
    routes: [{ index: 0, matchers: [], to: ['hook'], continue: false, groupBy: ['...'], groupWaitMs: 0, groupIntervalMs: 60_000, repeatIntervalMs: 4 * 3_600_000, sendResolved: true, escalate: [] }],
    delivery: { ...DEFAULT_DELIVERY, timeoutMs: 300, ...delivery },
  };
  const results: Array<[string, DeliveryResult]> = [];
  const logs: string[] = [];
  const dispatcher = new Dispatcher({
    store, clock, receivers: registry, config, baseUrl: 'https://vigil.example.com', random: () => 0.5,
    onResult: (receiver, result) => results.push([receiver, result]), log: (line) => logs.push(line), ...timing,
  });
  const plan = notifyPlan(config, registry);
  return {
    store, file, sink, clock, dispatcher, results, logs,
    incident: () =>
      store.incidents.create(
        { fingerprint: 'fp1', rule: 'CheckDown', severity: 'page', labels: { alertname: 'CheckDown', env: 'prod', service: 'api' }, env: 'prod', service: 'api', check: 'http', summary: 'api is down', runbook: 'https://runbooks.example.com/api', openedAt: clock.now(), lastValue: 1 },
        { at: clock.now(), kind: 'opened', actor: null, text: null, value: 1 },
      ),
    change: async (kind, incident) => {
      await store.transaction((tx) => enqueueNotifications(tx.outbox, notificationsFor({ kind, incident, at: clock.now() }, plan), plan, clock.now()));
    },
    row: async (id) => {
      const { messages } = await store.outbox.list({ limit: 100 });
      return id === undefined ? messages[0]! : messages.find((m) => m.id === id)!;
    },
  };
}

describe('the dispatcher', () => {
  it('delivers a signed webhook an independent verifier accepts, and notes it on the incident\'s timeline', async () => {
    const h = await harness();
    const incident = await h.incident();
    await h.change('opened', incident);
    const report = await h.dispatcher.tick();
    expect(report.results.map((r) => r.result)).toEqual(['delivered']);
    expect(h.sink.received).toHaveLength(1);
    const [request] = h.sink.received;
    expect(request!.path).toBe('/hook');
    expect(verifyStandardWebhook(SECRET, request!.headers, request!.body, Math.floor(T0 / 1000))).toBe(true);
    expect(verifyStandardWebhook(SECRET, request!.headers, `${request!.body} `, Math.floor(T0 / 1000))).toBe(false);
    const body = JSON.parse(request!.body);
    expect(body).toMatchObject({ type: 'incident.opened', data: { alerts: [{ incident: { id: incident.id, url: `https://vigil.example.com/#/incidents/${incident.id}`, runbook: 'https://runbooks.example.com/api' } }] } });
    expect(await h.row()).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200, key: request!.headers['webhook-id'] });
    expect((await h.store.incidents.events(incident.id)).map((e) => [e.kind, e.text])).toContainEqual(['notified', 'notified hook ✓']);
  });

  it('retries a 429 no sooner than its Retry-After, with the same webhook-id, then delivers', async () => {
    const h = await harness();
    await h.change('opened', await h.incident());
    h.sink.answer({ status: 429, headers: { 'retry-after': '7' }, body: 'slow down' });
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('retry');
    expect(await h.row()).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 429, lastError: 'HTTP 429: slow down', dueAt: T0 + 7000 });
    h.clock.advance(6999);
    expect((await h.dispatcher.tick()).claimed).toBe(0);
    h.clock.advance(1);
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('delivered');
    expect(h.sink.received.map((r) => r.headers['webhook-id'])).toEqual([h.sink.received[0]!.headers['webhook-id'], h.sink.received[0]!.headers['webhook-id']]);
  });

  it('backs off exponentially with jitter on 500s and timeouts', async () => {
    const h = await harness({ backoffInitialMs: 1000, backoffMaxMs: 60_000, breakerFailures: 100 });
    await h.change('opened', await h.incident());
    h.sink.answer({ status: 500 }, { status: 503 }, 'hang');
    const dueTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { results } = await h.dispatcher.tick();
      expect(results[0]!.result).toBe('retry');
      const row = await h.row();
      dueTimes.push(row.dueAt - h.clock.now());
      h.clock.set(row.dueAt);
    }
    // random() = 0.5: three quarters of 1 s, 2 s, 4 s.
    expect(dueTimes).toEqual([750, 1500, 3000]);
    expect((await h.row()).lastError).toMatch(/^timeout: no answer within 300 ms/);
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('delivered');
  });

  it('fails on a 400 without retrying, and disables a receiver that answers 410', async () => {
    const h = await harness();
    const incident = await h.incident();
    await h.change('opened', incident);
    h.sink.answer({ status: 400, body: `bad payload for ${h.sink.url}/hook` });
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('failed');
    const failed = await h.row();
    expect(failed).toMatchObject({ state: 'failed', lastStatus: 400 });
    // The receiver's URL is a secret: the recorded error quotes it as ***.
    expect(failed.lastError).toBe('HTTP 400: bad payload for ***');
    // Alertmanager's group_interval: the group's next message waits a minute after the last.
    h.clock.advance(60_000);
    await h.change('acknowledged', { ...incident, state: 'acknowledged' });
    h.sink.answer({ status: 410, body: 'gone' });
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('disabled');
    expect(h.dispatcher.receiverStates()[0]!.disabled).toMatch(/410/);
    h.clock.advance(60_000);
    await h.change('resolved', { ...incident, state: 'resolved' });
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('dead');
    expect(h.sink.received).toHaveLength(2);
  });

  it('opens the circuit after repeated failures, holds messages, then sends one half-open trial', async () => {
    const h = await harness({ breakerFailures: 2, breakerCooldownMs: 30_000, backoffInitialMs: 100, backoffMaxMs: 100 });
    const incident = await h.incident();
    h.sink.setFallback({ status: 500 });
    await h.change('opened', incident);
    await h.dispatcher.tick();
    h.clock.advance(100);
    await h.dispatcher.tick();
    expect(h.dispatcher.receiverStates()[0]!.circuit).toBe('open');
    h.clock.advance(100);
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('postponed');
    expect(h.sink.received).toHaveLength(2);
    expect((await h.row()).dueAt).toBe(T0 + 100 + 30_000);
    h.sink.setFallback({ status: 200 });
    h.clock.set(T0 + 100 + 30_000);
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('delivered');
    expect(h.dispatcher.receiverStates()[0]!.circuit).toBe('closed');
  });

  it('turns a message still failing past the max age into a dead letter, which a replay delivers', async () => {
    const h = await harness({ maxAgeMs: 60_000, backoffInitialMs: 50_000, backoffMaxMs: 50_000, breakerFailures: 100 });
    await h.change('opened', await h.incident());
    h.sink.setFallback({ status: 503 });
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('retry');
    h.clock.set((await h.row()).dueAt);
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('dead');
    const dead = await h.row();
    expect(dead).toMatchObject({ state: 'dead', attempts: 2 });
    expect(dead.lastError).toMatch(/^not delivered within 1m: HTTP 503/);
    h.sink.setFallback({ status: 200 });
    await h.store.outbox.replay(dead.id, h.clock.now());
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('delivered');
    expect(new Set(h.sink.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('re-sends, with the same key, a message whose sender crashed between sending and recording', async () => {
    const h = await harness();
    await h.change('opened', await h.incident());
    // A dispatcher claimed it and died: its claim is a lease that runs out.
    const [claimed] = await h.store.outbox.claim(h.clock.now(), 10_000, 10);
    expect((await h.dispatcher.tick()).claimed).toBe(0);
    h.clock.advance(10_000);
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('delivered');
    expect(h.sink.received[0]!.headers['webhook-id']).toBe(claimed!.key);
  });

  it('records a silenced message as suppressed, with the silence, and sends nothing', async () => {
    const h = await harness();
    const silence = await h.store.silences.create({ matchers: [{ label: 'service', op: '=', value: 'api' }], startsAt: T0 - 1, endsAt: T0 + 3_600_000, createdBy: 'alice', comment: 'deploy', createdAt: T0 - 1 });
    await h.change('opened', await h.incident());
    expect((await h.dispatcher.tick()).results[0]!.result).toBe('suppressed');
    expect(await h.row()).toMatchObject({ state: 'suppressed', lastError: `silenced by silence ${silence.id} (service="api")` });
    expect(h.sink.received).toHaveLength(0);
  });
});

describe('a message the dispatcher cannot read', () => {
  it('is recorded failed with the reason, and the messages beside it are delivered', async () => {
    const h = await harness();
    const incident = await h.incident();
    const message = (groupKey: string) => ({
      receiver: 'hook', groupKey, dueAt: T0, createdAt: T0, dedupe: null, incidentIds: [incident.id],
      message: { kind: 'alert' as const, groupKey, groupLabels: {}, alerts: [{ change: 'opened' as const, at: T0, incident }], folded: 0, escalation: null },
    });
    const [first, newer, damaged, last] = await h.store.outbox.enqueue(['g1', 'g2', 'g3', 'g4'].map(message));
    // As a newer Vigil (a kind this one does not know) and a broken disk would leave them.
    const db = new Database(h.file);
    db.prepare('UPDATE notifications SET message = ? WHERE id = ?').run(JSON.stringify({ ...newer!.message, kind: 'page' }), newer!.id);
    db.prepare('UPDATE notifications SET message = ? WHERE id = ?').run('{"kind":"alert","alerts":[', damaged!.id);
    db.close();

    const { results } = await h.dispatcher.tick();
    expect(results.map((r) => [r.id, r.result])).toEqual([[first!.id, 'delivered'], [newer!.id, 'failed'], [damaged!.id, 'failed'], [last!.id, 'delivered']]);
    expect(h.sink.received.map((r) => r.headers['webhook-id'])).toEqual([first!.key, last!.key]);
    const newerReason = `outbox row ${newer!.id}: message.kind is "page", a kind this Vigil does not know (alert, summary, test, report); written by a newer Vigil?`;
    expect(await h.row(newer!.id)).toMatchObject({ state: 'failed', attempts: 0, lastError: newerReason, unreadable: newerReason });
    expect(await h.row(damaged!.id)).toMatchObject({ state: 'failed', attempts: 0, lastError: `outbox row ${damaged!.id}: message is not valid JSON` });
    expect(await h.row(first!.id)).toMatchObject({ state: 'delivered', attempts: 1, message: first!.message, incidentIds: [incident.id] });
    expect(h.results.filter(([, result]) => result === 'failed')).toEqual([['hook', 'failed'], ['hook', 'failed']]);
    expect(h.logs).toContain(`notifications: message ${newer!.id} to hook not sent: ${newerReason}`);
    // Nothing is left claimed or pending to wedge the next ticks; a replay (after an upgrade) is judged again.
    h.clock.advance(60_000);
    expect((await h.dispatcher.tick()).claimed).toBe(0);
    await h.store.outbox.replay(newer!.id, h.clock.now());
    expect((await h.dispatcher.tick()).results).toEqual([{ id: newer!.id, receiver: 'hook', result: 'failed' }]);
    expect(h.sink.received).toHaveLength(2);
  });

  it('takes no more changes of its group: they go in a new message, which is delivered', async () => {
    const h = await harness();
    const incident = await h.incident();
    await h.change('opened', incident);
    const waiting = await h.row();
    const db = new Database(h.file);
    db.prepare('UPDATE notifications SET message = ? WHERE id = ?').run('{"kind":', waiting.id);
    db.close();
    await h.change('acknowledged', { ...incident, state: 'acknowledged' });
    const { messages } = await h.store.outbox.list({ limit: 10 });
    expect(messages.map((m) => [m.id, m.message?.alerts.map((a) => a.change) ?? null])).toEqual([[waiting.id + 1, ['acknowledged']], [waiting.id, null]]);
    expect((await h.dispatcher.tick()).results.map((r) => r.result)).toEqual(['failed']);
    h.clock.advance(60_000);
    expect((await h.dispatcher.tick()).results.map((r) => r.result)).toEqual(['delivered']);
    expect(JSON.parse(h.sink.received[0]!.body)).toMatchObject({ type: 'incident.acknowledged' });
  });
});

describe('the running dispatcher', () => {
  const started = (h: Harness) => {
    h.dispatcher.start();
    onTestFinished(() => h.dispatcher.stop());
  };
  /** `count` messages due now for one incident, each its own group (nothing folds them together). */
  const due = async (h: Harness, count: number) => {
    const incident = await h.incident();
    await h.store.transaction((tx) =>
      tx.outbox.enqueue(
        Array.from({ length: count }, (_, i) => ({
          receiver: 'hook', groupKey: `g${i}`, dueAt: T0, createdAt: T0, dedupe: null, incidentIds: [incident.id],
          message: { kind: 'alert' as const, groupKey: `g${i}`, groupLabels: {}, alerts: [{ change: 'opened' as const, at: T0, incident }], folded: 0, escalation: null },
        })),
      ),
    );
  };

  it('sends a new message as soon as it is woken, not at the next poll', async () => {
    const h = await harness({}, { pollMs: 60_000 });
    started(h);
    await h.change('opened', await h.incident());
    h.dispatcher.wake();
    await waitFor(async () => h.sink.received.length, (n) => n === 1, 5_000, 'the woken delivery');
    expect(await h.row()).toMatchObject({ state: 'delivered' });
  });

  it('keeps ticking while a tick claims a full batch, so a storm drains at the receiver\'s pace', async () => {
    const h = await harness({}, { pollMs: 60_000, batch: 2 });
    started(h);
    await due(h, 5);
    h.dispatcher.wake();
    await waitFor(async () => h.sink.received.length, (n) => n === 5, 5_000, 'all five delivered without a poll');
    expect(new Set(h.sink.received.map((r) => r.headers['webhook-id'])).size).toBe(5);
  });

  it('ignores a wake-up before start and after stop', async () => {
    const h = await harness({}, { pollMs: 60_000 });
    await due(h, 1);
    h.dispatcher.wake();
    h.dispatcher.start();
    await h.dispatcher.stop();
    h.dispatcher.wake();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.sink.received).toHaveLength(0);
  });
});
