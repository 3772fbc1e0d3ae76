// The outbound guard on deliveries: a webhook or SMTP server at a metadata address (or a name resolving
// to one) is a failed delivery with the guard's reason, recorded once and not retried; an allow-listed
// range is delivered to. Real loopback receivers, a real SQLite outbox.
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseCidr } from '../../lib/cidr.js';
import { OutboundGuard } from '../../lib/outbound-guard.js';
import { SecretValues } from '../../lib/secret.js';
import { Dispatcher, type DeliveryResult } from '../../notify/dispatcher.js';
import { builtinReceivers } from '../../notify/index.js';
import { enqueueNotifications } from '../../notify/outbox.js';
import { notificationsFor, notifyPlan } from '../../notify/routing.js';
import { sendTestMessage } from '../../notify/test-message.js';
import { DEFAULT_DELIVERY, type NotifyConfig } from '../../notify/types.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { tableLookup } from '../helpers/guard-resolver.js';
import { T0 } from '../helpers/notify.js';
import { startReceiverSink } from '../helpers/receiver-sink.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { waitFor } from '../helpers/wait-for.js';

const registry = builtinReceivers();
const guardLookup = tableLookup({ 'metadata.test': ['169.254.169.254'], 'internal.test': ['127.0.0.1'] });

function notifyConfig(kind: 'webhook' | 'email', fields: Record<string, unknown>): NotifyConfig {
  return {
    receivers: [{ name: 'hook', kind, config: registry.get(kind).schema.parse(fields), rateLimit: null }],
    routes: [{ index: 0, matchers: [], to: ['hook'], continue: false, groupBy: ['...'], groupWaitMs: 0, groupIntervalMs: 60_000, repeatIntervalMs: 4 * 3_600_000, sendResolved: true, escalate: [] }],
    delivery: { ...DEFAULT_DELIVERY, timeoutMs: 2000 },
  };
}

/** Sends one opened incident to the receiver through a dispatcher with `guard`; the outbox row after one tick. */
async function deliverOnce(config: NotifyConfig, guard: OutboundGuard) {
  const store = await openSqliteStore(tempDbPath(), { readers: 0 });
  onTestFinished(() => store.close());
  const results: DeliveryResult[] = [];
  const dispatcher = new Dispatcher({ store, clock: { now: () => T0 }, receivers: registry, config, baseUrl: 'https://vigil.example.com', outbound: guard, random: () => 0.5, onResult: (_r, result) => results.push(result) });
  onTestFinished(() => dispatcher.stop());
  const incident = await store.incidents.create(
    { fingerprint: 'fp1', rule: 'CheckDown', severity: 'page', labels: { alertname: 'CheckDown' }, env: 'prod', service: 'api', check: 'http', summary: 'api is down', runbook: null, openedAt: T0, lastValue: 1 },
    { at: T0, kind: 'opened', actor: null, text: null, value: 1 },
  );
  const plan = notifyPlan(config, registry);
  await store.transaction((tx) => enqueueNotifications(tx.outbox, notificationsFor({ kind: 'opened', incident, at: T0 }, plan), plan, T0));
  await dispatcher.tick();
  const { messages } = await store.outbox.list({ limit: 10 });
  return { row: messages[0]!, results, dispatcher };
}

describe('outbound guard on deliveries', () => {
  it.each([
    ['the metadata address', 'http://169.254.169.254/hook', 'refused by the outbound guard: 169.254.169.254 is a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]'],
    ['its mapped IPv6 form', 'http://[::ffff:169.254.169.254]/hook', 'refused by the outbound guard: 169.254.169.254 is a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]'],
    ['a name resolving to it', 'http://metadata.test/hook', 'refused by the outbound guard: metadata.test resolves to 169.254.169.254, a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]'],
  ])('records a webhook to %s as a failed delivery with the reason, not retried', async (_name, url, reason) => {
    const { row, results } = await deliverOnce(notifyConfig('webhook', { url }), new OutboundGuard(undefined, { lookup: guardLookup }));
    expect(results).toEqual(['failed']);
    expect(row).toMatchObject({ state: 'failed', attempts: 1, lastStatus: null, lastError: reason });
  });

  it('delivers to an allow-listed range, and refuses it without the allow-list, connecting to nothing', async () => {
    const sink = await startReceiverSink();
    onTestFinished(() => sink.close());
    const url = `http://0.0.0.0:${sink.port}/hook`;
    const refused = await deliverOnce(notifyConfig('webhook', { url }), new OutboundGuard());
    expect(refused.row).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/^refused by the outbound guard: 0\.0\.0\.0 is in 0\.0\.0\.0\/8/) });
    expect(sink.accepted).toBe(0);
    const allowed = await deliverOnce(notifyConfig('webhook', { url }), new OutboundGuard({ enabled: true, allow: [parseCidr('0.0.0.0/8')!] }));
    expect(allowed.row).toMatchObject({ state: 'delivered', lastStatus: 200 });
    expect(sink.received).toHaveLength(1);
  });

  it('delivers a webhook to a loopback name (loopback stays allowed)', async () => {
    const sink = await startReceiverSink();
    onTestFinished(() => sink.close());
    const { row } = await deliverOnce(notifyConfig('webhook', { url: `http://internal.test:${sink.port}/hook` }), new OutboundGuard(undefined, { lookup: guardLookup }));
    expect(row).toMatchObject({ state: 'delivered', lastStatus: 200 });
  });

  it('keeps a webhook connection alive between deliveries and closes it when the dispatcher stops', async () => {
    const sink = await startReceiverSink();
    onTestFinished(() => sink.close());
    const { row, dispatcher } = await deliverOnce(notifyConfig('webhook', { url: `${sink.url}/hook` }), new OutboundGuard());
    expect(row).toMatchObject({ state: 'delivered' });
    expect(sink.open).toBe(1);
    await dispatcher.stop();
    expect(await waitFor(async () => sink.open, (open) => open === 0, 5000, 'the kept-alive connection to close')).toBe(0);
  });

  it('fails an email whose SMTP server is a metadata address, with the reason, not retried', async () => {
    const config = notifyConfig('email', { smtp: 'smtp://metadata.test:25', from: 'vigil@example.com', to: 'sre@example.com' });
    const { row, results } = await deliverOnce(config, new OutboundGuard(undefined, { lookup: guardLookup }));
    expect(results).toEqual(['failed']);
    expect(row).toMatchObject({
      state: 'failed',
      lastError: 'refused by the outbound guard: metadata.test resolves to 169.254.169.254, a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]',
    });
  });

  it('says why in vigil notify test', async () => {
    const result = await sendTestMessage('hook', { config: notifyConfig('webhook', { url: 'http://169.254.169.254/hook' }), receivers: registry, baseUrl: 'https://vigil.example.com', secrets: SecretValues.none, at: T0 });
    expect(result).toEqual({
      ok: false,
      lines: ['hook (webhook): fail — refused by the outbound guard: 169.254.169.254 is a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]'],
    });
  });
});
