// Email over SMTP: a multipart message with a plain-text and an HTML part (severity, env/service/check,
// summary, value, status so far, runbook and dashboard links). Its Message-ID is the outbox message's
// idempotency key, the same on every attempt, so a re-send after a crash is recognisable; References and
// In-Reply-To name each incident's thread, so a mail client shows an incident's messages together.
// `render` is pure and writes the message as JSON; the SMTP transport (smtp.ts) sends it.
import { z } from 'zod';
import { Secret } from '../lib/secret.js';
import { escapeHtml } from '../lib/html.js';
import type { Incident } from '../store/types.js';
import { classifyHttp, type ReceiverKind } from './receiver.js';
import { parseSmtpUrl, smtpTransport } from './smtp.js';
import { changeWord, extraLabels, formatValue, incidentUrl, iso, messageTitle, truncate, whereOf } from './text.js';
import type { MessageAlert, NotificationMessage } from './types.js';
import type { ReportDigest } from '../reports/digest.js';
import { reportLines, reportTitle, reportUrl } from './report-text.js';

/** Alerts shown in one email (the rest are counted, with a link), and characters of one summary. */
export const EMAIL_LIMITS = { alerts: 50, summary: 1000, subject: 200 } as const;

/** `vigil@example.com` or `Vigil <vigil@example.com>`; the address is group 2 (or 1). */
const ADDRESS = /^(?:([^<>\p{Cc}]*)<([^\s<>@]+@[^\s<>@]+)>|([^\s<>@]+@[^\s<>@]+))$/u;

function address() {
  return z
    .string({ error: 'expected an email address' })
    .trim()
    .refine((value) => ADDRESS.test(value), 'expected an email address: sre@example.com or "Vigil <vigil@example.com>"');
}

/** The bare address of `Name <addr>` or `addr`. */
export function bareAddress(value: string): string {
  const match = ADDRESS.exec(value.trim());
  return match ? (match[2] ?? match[3] ?? value) : value;
}

const schema = z.strictObject({
  smtp: z
    .string({ error: 'expected an smtp:// or smtps:// URL' })
    .refine((value) => parseSmtpUrl(value) !== null, 'expected an smtp:// or smtps:// URL: smtp://user:password@host:587 (percent-encode @ : / in the user)')
    .transform((value) => new Secret(value))
    .meta({ type: 'string', description: 'The SMTP server, a secret: "smtp://vigil:${SMTP_PASSWORD}@mail.internal:587" (STARTTLS), smtps://…:465 (implicit TLS)' }),
  from: address().meta({ description: 'Sender: vigil@example.com or "Vigil <vigil@example.com>"' }),
  to: z
    .union([address(), z.array(address()).min(1, 'expected at least one address')])
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .meta({ description: 'Recipients: an address or a list of them' }),
  starttls: z
    .enum(['required', 'opportunistic'])
    .default('required')
    .meta({ description: 'smtp:// only: required (default) refuses to send without STARTTLS; opportunistic uses it when the server offers it, else sends in plain text' }),
  subject_prefix: z.string().max(100).default('[Vigil]').meta({ description: 'Put before every subject (default "[Vigil]"; "" for none)' }),
});

export type EmailConfig = z.output<typeof schema>;

/** The message as rendered: what the SMTP transport sends (JSON in the request's body). */
export interface RenderedEmail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  /** `<vigil.msg_…@example.com>`: from the idempotency key, so the same on every attempt. */
  readonly messageId: string;
  /** The thread of the message's first incident; null for a test message. */
  readonly inReplyTo: string | null;
  /** The threads of every incident in the message. */
  readonly references: readonly string[];
  readonly text: string;
  readonly html: string;
}

const SEVERITY_ORDER = ['page', 'ticket', 'info'] as const;
const SEVERITY_COLOR: Record<string, string> = { page: '#d1242f', ticket: '#bf8700', info: '#0969da' };
const RESOLVED_COLOR = '#1a7f37';

/** The domain the Message-IDs are made in: the sender's. */
function idDomain(from: string): string {
  const address = bareAddress(from);
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase() || 'vigil.invalid';
}

/** The thread of one incident: a Message-ID every message about it refers to. */
export function incidentThreadId(incident: Incident, domain: string): string {
  return `<vigil.incident.${incident.id}.${incident.openedAt}@${domain}>`;
}

/** The Message-ID of an outbox message: from its idempotency key. */
export function emailMessageId(key: string, domain: string): string {
  return `<vigil.${key.replace(/[^A-Za-z0-9._-]/g, '_')}@${domain}>`;
}

/** The highest severity of the message's alerts. */
function messageSeverity(message: NotificationMessage): string {
  const severities = new Set(message.alerts.map((a) => a.incident.severity));
  return SEVERITY_ORDER.find((s) => severities.has(s)) ?? 'info';
}

/** One line, no control characters: what a header may hold. */
function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\s]+/gu, ' ').trim();
}

/** `[Vigil] PAGE [FIRING] ReplicaLagHigh prod/api/pg: replica lag is 42s`. */
export function emailSubject(message: NotificationMessage, prefix: string): string {
  const head = message.kind === 'alert' ? `${messageSeverity(message).toUpperCase()} ${messageTitle(message)}` : messageTitle(message);
  const first = message.alerts[0];
  const more = message.alerts.length > 1 ? ` (and ${message.alerts.length - 1} more)` : '';
  const summary = message.kind === 'alert' && first ? `: ${first.incident.summary}${more}` : '';
  return truncate(oneLine(`${prefix ? `${prefix} ` : ''}${head}${summary}`), EMAIL_LIMITS.subject);
}

export { escapeHtml };

/** Only http(s) links become links: a `javascript:` runbook stays text. */
function isWebLink(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** When it opened, was acknowledged and resolved (and by whom): the incident's timeline so far. */
export function statusLine(incident: Incident): string {
  const steps = [`opened ${when(incident.openedAt)}`];
  if (incident.reopenCount > 0) steps.push(`reopened ${incident.reopenCount}×`);
  if (incident.acknowledgedAt !== null) steps.push(`acknowledged ${when(incident.acknowledgedAt)}${incident.acknowledgedBy ? ` by ${incident.acknowledgedBy}` : ''}`);
  if (incident.resolvedAt !== null) steps.push(`resolved ${when(incident.resolvedAt)}${incident.resolvedBy ? ` by ${incident.resolvedBy}` : ''}`);
  return `${incident.state} — ${steps.join(' · ')}`;
}

function when(at: number): string {
  return iso(at).replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** The facts of one alert, as label/value rows shared by both parts. */
function alertRows(alert: MessageAlert): Array<[string, string]> {
  const { incident } = alert;
  const value = formatValue(incident.lastValue);
  const rows: Array<[string, string]> = [['Severity', incident.severity]];
  const where = whereOf(incident);
  if (where) rows.push(['env/service/check', where]);
  rows.push(['Summary', truncate(incident.summary, EMAIL_LIMITS.summary)]);
  if (value !== null) rows.push(['Value', value]);
  // Who acknowledged or resolved it is in the status line.
  rows.push(['Status', statusLine(incident)]);
  const labels = extraLabels(incident.labels);
  if (labels.length) rows.push(['Labels', labels.map(([k, v]) => `${k}=${v}`).join(', ')]);
  return rows;
}

function intro(message: NotificationMessage): string | null {
  if (message.kind === 'test') return 'This is a test message from Vigil.';
  if (message.kind === 'summary') return `${message.folded} notifications were held back by the rate limit; each incident's latest state:`;
  if (message.escalation) return `Escalated (level ${message.escalation.level}): not acknowledged in time.`;
  return null;
}

function textPart(message: NotificationMessage, shown: readonly MessageAlert[], baseUrl: string, subject: string): string {
  const lines = [subject, ''];
  const lead = intro(message);
  if (lead) lines.push(lead, '');
  for (const alert of shown) {
    lines.push(`${changeWord(alert)} · ${alert.incident.rule}`);
    for (const [label, value] of alertRows(alert)) lines.push(`  ${label}: ${value}`);
    if (alert.incident.runbook) lines.push(`  Runbook: ${alert.incident.runbook}`);
    lines.push(`  Dashboard: ${incidentUrl(baseUrl, alert.incident.id)}`, '');
  }
  const hidden = message.alerts.length - shown.length;
  const all = `${baseUrl.replace(/\/+$/, '')}/#/incidents`;
  if (hidden > 0) lines.push(`and ${hidden} more: ${all}`, '');
  lines.push('-- ', `Vigil · ${all}`);
  return lines.join('\n');
}

function htmlPart(message: NotificationMessage, shown: readonly MessageAlert[], baseUrl: string, subject: string): string {
  const link = (url: string, label: string) => (isWebLink(url) ? `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>` : escapeHtml(url));
  const parts = [`<h2 style="margin:0 0 12px">${escapeHtml(subject)}</h2>`];
  const lead = intro(message);
  if (lead) parts.push(`<p>${escapeHtml(lead)}</p>`);
  for (const alert of shown) {
    const { incident } = alert;
    const color = incident.state === 'resolved' ? RESOLVED_COLOR : (SEVERITY_COLOR[incident.severity] ?? SEVERITY_COLOR.info);
    const rows = alertRows(alert).map(([label, value]) => `<tr><td style="padding:2px 12px 2px 0;color:#57606a;vertical-align:top">${escapeHtml(label)}</td><td>${escapeHtml(value)}</td></tr>`);
    const links = [link(incidentUrl(baseUrl, incident.id), 'Open in the dashboard'), ...(incident.runbook ? [link(incident.runbook, 'Runbook')] : [])];
    parts.push(
      `<div style="border-left:4px solid ${color};padding:4px 12px;margin:0 0 16px">`,
      `<p style="margin:0 0 6px"><strong>${escapeHtml(changeWord(alert))}</strong> · ${escapeHtml(incident.rule)}</p>`,
      `<table style="border-collapse:collapse">${rows.join('')}</table>`,
      `<p style="margin:6px 0 0">${links.join(' · ')}</p>`,
      '</div>',
    );
  }
  const hidden = message.alerts.length - shown.length;
  const all = `${baseUrl.replace(/\/+$/, '')}/#/incidents`;
  if (hidden > 0) parts.push(`<p>and ${hidden} more: ${link(all, 'see the dashboard')}</p>`);
  parts.push(`<p style="color:#57606a;font-size:12px">Vigil · ${link(all, all)}</p>`);
  return `<!doctype html><html><body style="font-family:sans-serif;font-size:14px">${parts.join('\n')}</body></html>`;
}

/** The email of a message: subject, both parts, and the ids that make it one attempt's and an incident thread's. */
export function renderEmail(config: EmailConfig, message: NotificationMessage, key: string, baseUrl: string): RenderedEmail {
  const domain = idDomain(config.from);
  const shown = message.alerts.slice(0, EMAIL_LIMITS.alerts);
  const subject = emailSubject(message, config.subject_prefix);
  const threads = message.kind === 'test' ? [] : [...new Set(message.alerts.map((a) => incidentThreadId(a.incident, domain)))];
  return {
    from: config.from,
    to: config.to,
    subject,
    messageId: emailMessageId(key, domain),
    inReplyTo: threads[0] ?? null,
    references: threads,
    text: textPart(message, shown, baseUrl, subject),
    html: htmlPart(message, shown, baseUrl, subject),
  };
}

/** The email of a report: its title as the subject, the summary lines and the link, in both parts. */
export function renderReportEmail(config: EmailConfig, report: ReportDigest, key: string, baseUrl: string): RenderedEmail {
  const subject = truncate(oneLine(`${config.subject_prefix ? `${config.subject_prefix} ` : ''}${reportTitle(report)}`), EMAIL_LIMITS.subject);
  const lines = reportLines(report);
  const url = reportUrl(baseUrl, report.id);
  return {
    from: config.from,
    to: config.to,
    subject,
    messageId: emailMessageId(key, idDomain(config.from)),
    inReplyTo: null,
    references: [],
    text: [subject, '', ...lines, '', `Full report: ${url}`, ''].join('\n'),
    html:
      `<!doctype html><html><body style="font-family:sans-serif"><h2>${escapeHtml(reportTitle(report))}</h2>` +
      `<pre style="font-family:inherit;white-space:pre-wrap">${escapeHtml(lines.join('\n'))}</pre>` +
      `<p><a href="${escapeHtml(url)}">Full report</a></p></body></html>`,
  };
}

export const email: ReceiverKind<EmailConfig> = {
  kind: 'email',
  schema,
  render({ config, message, key, baseUrl }) {
    return { url: config.smtp, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(renderEmail(config, message, key, baseUrl)) };
  },
  renderReport({ config, report, key, baseUrl }) {
    return { url: config.smtp, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(renderReportEmail(config, report, key, baseUrl)) };
  },
  // Not asked: an email goes through its transport, which judges SMTP replies (classifySmtp).
  classify: (answer) => classifyHttp(answer),
  transport: (config, options) => smtpTransport(config, options),
};
