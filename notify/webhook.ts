// A generic JSON webhook, signed per Standard Webhooks when a secret is set: `{ type, timestamp, data }`
// with the message's alerts as plain incident data and their dashboard links. The `webhook-id` is the
// message's idempotency key, the same on every attempt, so a receiver can drop repeats.
import { z } from 'zod';
import { classifyHttp, secretString, secretUrl, type OutgoingRequest, type ReceiverKind } from './receiver.js';
import { standardWebhookHeaders } from './standard-webhooks.js';
import { incidentUrl, iso, messageStatus } from './text.js';
import type { NotificationMessage } from './types.js';
import type { ReportDigest } from '../reports/digest.js';
import { reportUrl } from './report-text.js';

const schema = z.strictObject({
  url: secretUrl().meta({ description: 'Where to POST: "https://ops.example.com/hook" or "${HOOK_URL}"' }),
  secret: secretString().optional().meta({ description: 'Standard Webhooks signing secret (whsec_…): "${WEBHOOK_SECRET}"' }),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'expected a header name'), secretString()).optional().meta({ description: 'Extra headers (values are secrets)' }),
});

export type WebhookConfig = z.output<typeof schema>;

/** `incident.opened`, … when every alert shares the change; `incident.changed` for a mixed group. */
function eventType(message: NotificationMessage): string {
  if (message.kind !== 'alert') return `notification.${message.kind}`;
  const changes = new Set(message.alerts.map((a) => (message.escalation ? 'escalated' : a.change)));
  return changes.size === 1 ? `incident.${[...changes][0]}` : 'incident.changed';
}

/** The JSON body of a generic webhook (also what `vigil notify test` prints for it). */
export function webhookPayload(message: NotificationMessage, receiver: string, baseUrl: string, at: number): unknown {
  return {
    type: eventType(message),
    timestamp: iso(at),
    data: {
      receiver,
      status: messageStatus(message),
      groupKey: message.groupKey,
      groupLabels: message.groupLabels,
      folded: message.folded,
      escalation: message.escalation,
      alerts: message.alerts.map(({ change, at: changedAt, incident }) => ({
        change,
        at: iso(changedAt),
        incident: {
          id: incident.id,
          fingerprint: incident.fingerprint,
          rule: incident.rule,
          severity: incident.severity,
          state: incident.state,
          labels: incident.labels,
          env: incident.env,
          service: incident.service,
          check: incident.check,
          summary: incident.summary,
          value: incident.lastValue,
          runbook: incident.runbook,
          url: incidentUrl(baseUrl, incident.id),
          openedAt: iso(incident.openedAt),
          acknowledgedAt: incident.acknowledgedAt === null ? null : iso(incident.acknowledgedAt),
          acknowledgedBy: incident.acknowledgedBy,
          resolvedAt: incident.resolvedAt === null ? null : iso(incident.resolvedAt),
          resolvedBy: incident.resolvedBy,
        },
      })),
    },
  };
}

/** The JSON body of a report: `{ type: "report.generated", timestamp, data: { receiver, url, report } }` (times as ISO 8601). */
export function webhookReportPayload(report: ReportDigest, receiver: string, baseUrl: string, at: number): unknown {
  return {
    type: 'report.generated',
    timestamp: iso(at),
    data: { receiver, url: reportUrl(baseUrl, report.id), report: { ...report, from: iso(report.from), to: iso(report.to), generatedAt: iso(report.generatedAt) } },
  };
}

export const webhook: ReceiverKind<WebhookConfig> = {
  kind: 'webhook',
  schema,
  render({ config, message, receiver, baseUrl, key, at }) {
    return signedPost(config, key, at, JSON.stringify(webhookPayload(message, receiver, baseUrl, at)));
  },
  renderReport({ config, report, receiver, baseUrl, key, at }) {
    return signedPost(config, key, at, JSON.stringify(webhookReportPayload(report, receiver, baseUrl, at)));
  },
  classify: (answer) => classifyHttp(answer),
};

/** The POST of a body, signed per Standard Webhooks when a secret is set, with the configured headers. */
function signedPost(config: WebhookConfig, key: string, at: number, body: string): OutgoingRequest {
  const extra = Object.fromEntries(Object.entries(config.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value.reveal()]));
  const signed = config.secret ? standardWebhookHeaders(config.secret.reveal(), key, Math.floor(at / 1000), body) : { 'webhook-id': key, 'webhook-timestamp': String(Math.floor(at / 1000)) };
  return { url: config.url, method: 'POST', headers: { ...extra, 'content-type': 'application/json', ...signed }, body };
}

