// PagerDuty Events API v2: one event per incident (trigger, acknowledge, resolve) with a stable dedup
// key, so PagerDuty's incident follows Vigil's: the same key on every attempt and every change.
// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
import { z } from 'zod';
import { classifyHttp, httpUrl, jsonRequest, secretString, type ReceiverKind } from './receiver.js';
import { actorNote, alertSentence, incidentUrl, messageTitle, truncate, whereOf } from './text.js';
import type { NotificationMessage } from './types.js';
import type { Incident } from '../store/types.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
export const PAGERDUTY_LIMITS = { summary: 1024, dedupKey: 255 } as const;

const schema = z.strictObject({
  routing_key: secretString().meta({ description: 'The integration\'s routing key: "${PD_ROUTING_KEY}"' }),
  url: httpUrl().default(PAGERDUTY_EVENTS_URL).meta({ description: `Events API endpoint (default ${PAGERDUTY_EVENTS_URL}; EU: https://events.eu.pagerduty.com/v2/enqueue)` }),
});

export type PagerDutyConfig = z.output<typeof schema>;

const SEVERITY: Record<string, string> = { page: 'critical', ticket: 'warning', info: 'info' };

/** The dedup key of an incident: the same for its trigger, acknowledge and resolve, on every attempt. */
export function pagerDutyDedupKey(incident: Pick<Incident, 'id' | 'fingerprint'>): string {
  return truncate(`vigil-${incident.fingerprint}-${incident.id}`, PAGERDUTY_LIMITS.dedupKey);
}

function eventAction(message: NotificationMessage): 'trigger' | 'acknowledge' | 'resolve' {
  const alert = message.alerts[0];
  if (message.kind !== 'alert' || !alert) return 'trigger';
  if (alert.incident.state === 'resolved' || alert.change === 'resolved') return 'resolve';
  if (alert.change === 'acknowledged') return 'acknowledge';
  return 'trigger';
}

export const pagerduty: ReceiverKind<PagerDutyConfig> = {
  kind: 'pagerduty',
  schema,
  oneIncidentPerMessage: true,
  render({ config, message, baseUrl, key }) {
    const action = eventAction(message);
    const alert = message.alerts[0];
    const base = {
      routing_key: config.routing_key.reveal(),
      event_action: action,
      dedup_key: alert && message.kind === 'alert' ? pagerDutyDedupKey(alert.incident) : truncate(`vigil-${key}`, PAGERDUTY_LIMITS.dedupKey),
    };
    if (action !== 'trigger') return jsonRequest(config.url, base);
    const incident = alert?.incident;
    const links = incident
      ? [{ href: incidentUrl(baseUrl, incident.id), text: `Vigil incident #${incident.id}` }, ...(incident.runbook ? [{ href: incident.runbook, text: 'Runbook' }] : [])]
      : [{ href: `${baseUrl}/#/incidents`, text: 'Vigil incidents' }];
    return jsonRequest(config.url, {
      ...base,
      client: 'Vigil',
      client_url: incident ? incidentUrl(baseUrl, incident.id) : baseUrl,
      links,
      payload: {
        summary: truncate(incident ? `${messageTitle(message)}: ${alertSentence(alert!)}` : messageTitle(message), PAGERDUTY_LIMITS.summary),
        source: incident ? whereOf(incident) || 'vigil' : 'vigil',
        severity: incident ? SEVERITY[incident.severity] : 'info',
        timestamp: new Date(alert?.at ?? 0).toISOString(),
        component: incident?.service ?? undefined,
        group: incident?.env ?? undefined,
        class: incident?.rule,
        custom_details: incident
          ? { labels: incident.labels, value: incident.lastValue, runbook: incident.runbook, note: alert ? actorNote(alert) : null, escalation: message.escalation }
          : { folded: message.folded, incidents: message.alerts.map((a) => a.incident.id) },
      },
    });
  },
  classify: (answer) => classifyHttp(answer),
};
