// Words and links every receiver shares: titles, the incident's dashboard link, labels shown, limits.
import type { Incident, Labels } from '../store/types.js';
import type { MessageAlert, NotificationMessage } from './types.js';
import { reportTitle } from './report-text.js';

/** The dashboard link of an incident: `<baseUrl>/#/incidents/<id>`. */
export function incidentUrl(baseUrl: string, id: number): string {
  return `${baseUrl.replace(/\/+$/, '')}/#/incidents/${id}`;
}

/** `firing` while any alert of the message is unresolved, else `resolved`. */
export function messageStatus(message: NotificationMessage): 'firing' | 'resolved' {
  return message.alerts.some((a) => a.incident.state !== 'resolved') ? 'firing' : 'resolved';
}

const CHANGE_WORDS: Record<MessageAlert['change'], string> = {
  opened: 'FIRING',
  reopened: 'REOPENED',
  repeat: 'STILL FIRING',
  acknowledged: 'ACKNOWLEDGED',
  escalated: 'ESCALATED',
  resolved: 'RESOLVED',
};

/** `FIRING`, `RESOLVED`, …: what happened to one alert, in one word for a title. */
export function changeWord(alert: MessageAlert): string {
  return CHANGE_WORDS[alert.change];
}

/** `prod/api/http` — where an incident is, from its env, service and check. */
export function whereOf(incident: Incident): string {
  return [incident.env, incident.service, incident.check].filter((part) => part !== null && part !== '').join('/');
}

/** `[FIRING] ReplicaLagHigh prod/api`, `[RESOLVED:3] prod`, `[TEST] Vigil`: a message's one-line title. */
export function messageTitle(message: NotificationMessage): string {
  if (message.kind === 'test') return '[TEST] Vigil notification test';
  if (message.kind === 'summary') return `[SUMMARY] ${message.folded} notifications held back by the rate limit`;
  if (message.kind === 'report') return message.report ? reportTitle(message.report) : '[REPORT]';
  const first = message.alerts[0];
  if (!first) return '[EMPTY]';
  const count = message.alerts.length;
  const word = message.escalation ? 'ESCALATED' : changeWord(first);
  if (count === 1) {
    const where = whereOf(first.incident);
    return `[${word}] ${first.incident.rule}${where ? ` ${where}` : ''}`;
  }
  const group = Object.values(message.groupLabels).join('/');
  return `[${word}:${count}] ${group || first.incident.rule}`;
}

/** The value as shown: up to 4 significant decimals. */
export function formatValue(value: number | null): string | null {
  if (value === null || !Number.isFinite(value)) return null;
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** One line about an alert: summary, value. */
export function alertSentence(alert: MessageAlert): string {
  const value = formatValue(alert.incident.lastValue);
  return `${alert.incident.summary}${value === null ? '' : ` (value ${value})`}`;
}

/** Who acknowledged or resolved it, when a person did. */
export function actorNote(alert: MessageAlert): string | null {
  const { incident } = alert;
  if (alert.change === 'acknowledged' && incident.acknowledgedBy) return `acknowledged by ${incident.acknowledgedBy}`;
  if (alert.change === 'resolved' && incident.resolvedBy) return `resolved by ${incident.resolvedBy}`;
  return null;
}

/** Text cut to `max` characters (code units), with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, max);
  // Never split a surrogate pair: an unpaired half is invalid JSON text for some services.
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** The labels worth showing beside the summary (alertname, env, service, check are shown otherwise). */
export function extraLabels(labels: Labels): Array<[string, string]> {
  const shown = new Set(['alertname', 'env', 'service', 'check', 'severity']);
  return Object.entries(labels).filter(([key]) => !shown.has(key));
}

/** ISO 8601 of epoch ms. */
export function iso(at: number): string {
  return new Date(at).toISOString();
}
