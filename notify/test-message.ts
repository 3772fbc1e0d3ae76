// `vigil notify test <receiver>`: one test message to one receiver, and what it answered.
import { randomUUID } from 'node:crypto';
import type { SecretValues } from '../lib/secret.js';
import type { ReceiverRegistry } from './receiver.js';
import { DeliveryHttp, sendOnce } from './send.js';
import type { OutboundGuard } from '../lib/outbound-guard.js';
import type { Incident } from '../store/types.js';
import type { NotificationMessage, NotifyConfig } from './types.js';

/** A made-up incident for the test message, so every part of a real message is shown. */
export function testMessage(at: number): NotificationMessage {
  const incident: Incident = {
    id: 0, fingerprint: 'test', rule: 'VigilTest', severity: 'info', labels: { alertname: 'VigilTest', severity: 'info' }, env: null, service: null, check: null,
    summary: 'This is a test notification from Vigil; nothing is wrong.', runbook: null, state: 'open', openedAt: at, acknowledgedAt: null,
    acknowledgedBy: null, resolvedAt: null, resolvedBy: null, lastValue: null, reopenCount: 0, updatedAt: at,
  };
  return { kind: 'test', groupKey: 'test', groupLabels: {}, alerts: [{ change: 'opened', at, incident }], folded: 0, escalation: null };
}

/** Sends the test message to `name` and describes the answer in one line each, secrets scrubbed. */
export async function sendTestMessage(
  name: string,
  opts: { config: NotifyConfig; receivers: ReceiverRegistry; baseUrl: string; secrets: SecretValues; at: number; outbound?: OutboundGuard },
): Promise<{ ok: boolean; lines: string[] }> {
  const spec = opts.config.receivers.find((r) => r.name === name);
  if (!spec) {
    const known = opts.config.receivers.map((r) => r.name);
    return { ok: false, lines: [`no receiver "${name}" in notify.receivers${known.length ? ` (receivers: ${known.join(', ')})` : ''}`] };
  }
  const kind = opts.receivers.get(spec.kind);
  const key = `msg_test_${randomUUID().replaceAll('-', '')}`;
  const request = kind.render({ config: spec.config, receiver: name, message: testMessage(opts.at), key, at: opts.at, baseUrl: opts.baseUrl });
  const timeoutMs = opts.config.delivery.timeoutMs;
  const transport = kind.transport?.(spec.config, { receiver: name, timeoutMs, outbound: opts.outbound }) ?? null;
  const delivery = new DeliveryHttp(opts.outbound);
  const { verdict, answer } = await sendOnce(kind, request, transport, timeoutMs, delivery).finally(() => {
    delivery.close();
    return transport?.close();
  });
  const lines = [`${name} (${spec.kind}): ${verdict.result}${'reason' in verdict ? ` — ${verdict.reason}` : ''}`];
  if (answer && 'status' in answer) lines.push(`HTTP ${answer.status}${answer.body ? `: ${answer.body.slice(0, 500)}` : ''}`);
  return { ok: verdict.result === 'ok', lines: lines.map((line) => opts.secrets.scrub(line)) };
}
