// The Alertmanager webhook payload (version 4), so tools written for Alertmanager's webhook_config
// (alert bridges, ticket creators, chat relays) take Vigil's notifications unchanged.
// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
import { z } from 'zod';
import type { Incident, Labels } from '../store/types.js';
import { classifyHttp, jsonRequest, secretUrl, type ReceiverKind } from './receiver.js';
import { incidentUrl, iso, messageStatus } from './text.js';
import type { MessageAlert } from './types.js';

/** Alertmanager's zero time: what `endsAt` says while an alert fires. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

const schema = z.strictObject({
  url: secretUrl().meta({ description: 'Where to POST the Alertmanager-format payload: "${AM_HOOK_URL}"' }),
  max_alerts: z.number().int().min(0).default(0).meta({ description: 'At most this many alerts a message (0: all); the rest are counted in truncatedAlerts' }),
});

export type AlertmanagerWebhookConfig = z.output<typeof schema>;

/** An incident's annotations as Alertmanager tools expect them: summary, runbook_url, and the dashboard link. */
export function annotationsOf(alert: MessageAlert, baseUrl: string): Record<string, string> {
  const { incident } = alert;
  return {
    summary: incident.summary,
    ...(incident.runbook ? { runbook_url: incident.runbook } : {}),
    dashboard_url: incidentUrl(baseUrl, incident.id),
    vigil_incident_id: String(incident.id),
    vigil_state: incident.state,
    vigil_change: alert.change,
    ...(incident.lastValue !== null && Number.isFinite(incident.lastValue) ? { value: String(incident.lastValue) } : {}),
  };
}

/** Alertmanager labels: the incident's, with alertname and severity always present. */
export function labelsOf(incident: Incident): Labels {
  return { ...incident.labels, alertname: incident.labels.alertname ?? incident.rule, severity: incident.labels.severity ?? incident.severity };
}

function common(maps: ReadonlyArray<Readonly<Record<string, string>>>): Record<string, string> {
  if (maps.length === 0) return {};
  const [first, ...rest] = maps;
  return Object.fromEntries(Object.entries(first!).filter(([key, value]) => rest.every((map) => map[key] === value)));
}

export const alertmanagerWebhook: ReceiverKind<AlertmanagerWebhookConfig> = {
  kind: 'alertmanager-webhook',
  schema,
  render({ config, message, receiver, baseUrl }) {
    const limit = config.max_alerts === 0 ? message.alerts.length : config.max_alerts;
    const alerts = message.alerts.slice(0, limit).map((alert) => {
      const { incident } = alert;
      return {
        status: incident.state === 'resolved' ? 'resolved' : 'firing',
        labels: labelsOf(incident),
        annotations: annotationsOf(alert, baseUrl),
        startsAt: iso(incident.openedAt),
        endsAt: incident.resolvedAt === null ? ZERO_TIME : iso(incident.resolvedAt),
        generatorURL: incidentUrl(baseUrl, incident.id),
        fingerprint: incident.fingerprint,
      };
    });
    return jsonRequest(config.url, {
      version: '4',
      groupKey: `{}:${message.groupKey}`,
      truncatedAlerts: message.alerts.length - alerts.length,
      status: messageStatus(message),
      receiver,
      groupLabels: message.groupLabels,
      commonLabels: common(alerts.map((a) => a.labels)),
      commonAnnotations: common(alerts.map((a) => a.annotations)),
      externalURL: baseUrl,
      alerts,
    });
  },
  classify: (answer) => classifyHttp(answer),
};
