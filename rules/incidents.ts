// Incident decisions as pure functions: an alert's identity (fingerprint) and labels, its summary and
// runbook rendered from templates, and what firing, resolving and a manual resolve do to the incident of
// a fingerprint. The engine runs them inside one store transaction with the rule-state change.
import { createHash } from 'node:crypto';
import type { CheckSpec } from '../probes/probe.js';
import { labelsKey } from '../store/labels.js';
import type { Incident, IncidentChanges, Labels, NewIncident, NewIncidentEvent } from '../store/types.js';
import type { RuleSpec } from './types.js';

/** A stable identity of an alert: sha256 of its canonical labels (which hold alertname), 16 hex digits. */
export function alertFingerprint(labels: Labels): string {
  // Hex of the first 8 bytes, not a slice of the whole digest's hex: a slice is a view that keeps the
  // 64-character string alive beside it, for as long as the alert's instance is kept.
  return createHash('sha256').update(labelsKey(labels)).digest().toString('hex', 0, 8);
}

/** An alert's labels: the series' own, then the rule's (which win, as in Prometheus), then alertname and severity. */
export function alertLabels(rule: Pick<RuleSpec, 'name' | 'severity' | 'labels'>, seriesLabels: Labels): Labels {
  const labels: Record<string, string> = { ...seriesLabels, ...rule.labels, alertname: rule.name, severity: rule.severity };
  // Kept for as long as the alert's instance (one per check for check_down): JSON.parse makes an object
  // with room for exactly its labels inside it, where one filled key by key (or Object.fromEntries) keeps
  // a fifth label and on in a separate property array, one more object per alert.
  const fields = Object.keys(labels)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${JSON.stringify(labels[key])}`);
  return JSON.parse(`{${fields.join(',')}}`) as Labels;
}

/** A value as an on-call engineer reads it: integers as they are, others to at most 3 decimals. */
export function formatValue(value: number | null): string {
  if (value === null) return '';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toFixed(Math.abs(value) >= 1 ? 3 : 6)));
}

/**
 * Renders `{{value}}`, `{{labels.NAME}}` and the shorthands `{{env}}`, `{{service}}`, `{{check}}`;
 * an unknown name renders empty (the config compiler refuses templates naming nothing it knows).
 */
export function renderTemplate(template: string, value: number | null, labels: Labels): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
    if (name === 'value') return formatValue(value);
    const label = name.startsWith('labels.') ? name.slice('labels.'.length) : name;
    return Object.hasOwn(labels, label) ? labels[label]! : '';
  });
}

/** Where the alert sits: env/service/check when its labels say so. */
export function alertPlace(labels: Labels): string {
  return [labels.env, labels.service, labels.check].filter((part) => part !== undefined && part !== '').join('/');
}

/** A check's error in a summary: one line, short enough for a chat message's title. */
const MAX_REASON_CHARS = 200;

/**
 * The incident's summary: the rule's template, or a default sentence naming the alert, its place and
 * value; a check that is down says why (`reason`: its last error, as the status page shows it).
 */
export function renderSummary(rule: RuleSpec, labels: Labels, value: number | null, reason: string | null = null): string {
  if (rule.summary !== null) return renderTemplate(rule.summary, value, labels);
  const place = alertPlace(labels);
  const where = place === '' ? '' : ` on ${place}`;
  if (rule.kind === 'check_down') {
    const runs = `${formatValue(value)} failed runs in a row`;
    if (reason === null || reason.trim() === '') return `${place || rule.checkId} is down: ${runs}`;
    const line = reason.replace(/\s+/g, ' ').trim();
    return `${place || rule.checkId} is down: ${line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS - 1)}…` : line} (${runs})`;
  }
  if (rule.kind === 'nodata') return `${rule.name}${where}: no ${rule.metric} samples`;
  if (rule.kind === 'burn_rate') return `${rule.name}${where}: error budget burning ${formatValue(value)}× (alerting above ${rule.windows.map((w) => `${w.factor}×`).join(' or ')})`;
  return `${rule.name}${where}: ${rule.aggregate}(${rule.metric}) = ${formatValue(value)}, ${rule.op} ${formatValue(rule.threshold)}`;
}

/** The runbook link: the rule's template, else the runbook of the alert's check (when its labels name one). */
export function renderRunbook(rule: RuleSpec, labels: Labels, value: number | null, checks: ReadonlyMap<string, CheckSpec>): string | null {
  if (rule.runbook !== null) return renderTemplate(rule.runbook, value, labels);
  const { env, service, check } = labels;
  if (env === undefined || service === undefined || check === undefined) return null;
  return checks.get(`${env}/${service}/${check}`)?.runbook ?? null;
}

/** A new incident for a firing alert, with its `opened` event carrying the value. */
export function newIncident(
  rule: RuleSpec,
  labels: Labels,
  fingerprint: string,
  value: number | null,
  at: number,
  checks: ReadonlyMap<string, CheckSpec>,
  reason: string | null = null,
): { incident: NewIncident; event: NewIncidentEvent } {
  const summary = renderSummary(rule, labels, value, reason);
  return {
    incident: {
      fingerprint,
      rule: rule.name,
      severity: rule.severity,
      labels,
      env: labels.env ?? null,
      service: labels.service ?? null,
      check: labels.check ?? null,
      summary,
      runbook: renderRunbook(rule, labels, value, checks),
      openedAt: at,
      lastValue: value,
    },
    event: { at, kind: 'opened', actor: null, text: summary, value },
  };
}

/** What an alert that starts firing does to its fingerprint's newest incident. */
export type FiringDecision =
  | { readonly kind: 'open' }
  /** Still open or acknowledged (the rule state was lost, or fired again meanwhile): carry on with it. */
  | { readonly kind: 'attach'; readonly incident: Incident }
  | { readonly kind: 'reopen'; readonly incident: Incident; readonly changes: IncidentChanges; readonly event: NewIncidentEvent };

/** Open, attach to the incident still active, or reopen one resolved within `reopenWindowMs`. */
export function decideFiring(latest: Incident | null, value: number | null, at: number, reopenWindowMs: number): FiringDecision {
  if (latest === null) return { kind: 'open' };
  if (latest.state !== 'resolved') return { kind: 'attach', incident: latest };
  if (latest.resolvedAt === null || at - latest.resolvedAt > reopenWindowMs) return { kind: 'open' };
  return {
    kind: 'reopen',
    incident: latest,
    // Back to open: whoever acknowledged the first time has not seen this one.
    changes: { state: 'open', resolvedAt: null, resolvedBy: null, acknowledgedAt: null, acknowledgedBy: null, lastValue: value, reopenCount: latest.reopenCount + 1 },
    event: { at, kind: 'reopened', actor: null, text: `firing again ${formatAgo(at - latest.resolvedAt)} after it resolved`, value },
  };
}

/** The rule stopped firing: resolve the incident unless someone already did. */
export function decideRecovery(incident: Incident | null, value: number | null, at: number): { changes: IncidentChanges; event: NewIncidentEvent } | null {
  if (incident === null || incident.state === 'resolved') return null;
  return {
    changes: { state: 'resolved', resolvedAt: at, resolvedBy: null, lastValue: value ?? incident.lastValue },
    event: { at, kind: 'resolved', actor: null, text: 'the alert stopped firing', value },
  };
}

/** The rule that opened it is no longer in the config (removed, renamed): resolve, saying why. */
export function decideRuleGone(incident: Incident, at: number): { changes: IncidentChanges; event: NewIncidentEvent } | null {
  if (incident.state === 'resolved') return null;
  return {
    changes: { state: 'resolved', resolvedAt: at, resolvedBy: null },
    event: { at, kind: 'resolved', actor: null, text: `rule ${incident.rule} is no longer configured`, value: null },
  };
}

function formatAgo(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  return `${Math.round(ms / 60_000)}m`;
}
