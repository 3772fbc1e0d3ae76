// Rows of the alerting tables (incidents, their events, rule state, silences, postmortems) as both
// engines read and write them: the same column names and JS types on SQLite and PostgreSQL (bigint is
// parsed to a number there), so one typed mapper serves both.
import { epochMs, oneOf, optionalEpochMs, parseActionItems, parseCounters, parseLabels, parseMatchers } from './column-values.js';
import { labelsKey } from './labels.js';
import {
  INCIDENT_STATES,
  SEVERITIES,
  type ActionItem,
  type Incident,
  type IncidentEvent,
  type IncidentEventKind,
  type NewIncident,
  type NewIncidentEvent,
  type NewPostmortem,
  type NewSilence,
  type Postmortem,
  type PostmortemStatus,
  type RuleInstanceRecord,
  type Silence,
} from './types.js';

const EVENT_KINDS: readonly IncidentEventKind[] = ['opened', 'acknowledged', 'note', 'escalated', 'resolved', 'reopened', 'notified'];
const RULE_STATES: readonly RuleInstanceRecord['state'][] = ['inactive', 'pending', 'firing'];
const POSTMORTEM_STATUSES: readonly PostmortemStatus[] = ['draft', 'published'];

// ---- incidents ----

/** The columns of an incident but its id, in table order. */
export const INCIDENT_VALUE_KEYS = [
  'fingerprint', 'rule', 'severity', 'labels', 'env', 'service', 'check_name', 'summary', 'runbook', 'state', 'opened_at',
  'acknowledged_at', 'acknowledged_by', 'resolved_at', 'resolved_by', 'last_value', 'reopen_count', 'updated_at',
] as const satisfies readonly (keyof IncidentRow)[];
export const INCIDENT_COLUMNS = ['id', ...INCIDENT_VALUE_KEYS].join(', ');

export interface IncidentRow {
  id: number;
  fingerprint: string;
  rule: string;
  severity: string;
  labels: string;
  env: string | null;
  service: string | null;
  check_name: string | null;
  summary: string;
  runbook: string | null;
  state: string;
  opened_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  last_value: number | null;
  reopen_count: number;
  updated_at: number;
}

/** The row of an incident (every column but `id`, which the database assigns). */
export type IncidentValues = Omit<IncidentRow, 'id'>;

/** A new incident's row: open, never acknowledged or resolved, updated when opened. */
export function newIncidentValues(incident: NewIncident): IncidentValues {
  return {
    fingerprint: incident.fingerprint,
    rule: incident.rule,
    severity: incident.severity,
    labels: labelsKey(incident.labels),
    env: incident.env,
    service: incident.service,
    check_name: incident.check,
    summary: incident.summary,
    runbook: incident.runbook,
    state: 'open',
    opened_at: epochMs(incident.openedAt, 'openedAt'),
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    last_value: incident.lastValue,
    reopen_count: 0,
    updated_at: epochMs(incident.openedAt, 'openedAt'),
  };
}

/** The row of `incident` with `changes` applied, updated at `at`. */
export function changedIncidentValues(incident: Incident, changes: Partial<Incident>, at: number): IncidentValues {
  const next = { ...incident };
  // Only the keys given: `acknowledgedBy: null` clears, an absent key keeps.
  for (const [key, value] of Object.entries(changes) as [keyof Incident, unknown][]) {
    if (value !== undefined) (next as Record<keyof Incident, unknown>)[key] = value;
  }
  return {
    ...newIncidentValues(next),
    state: next.state,
    acknowledged_at: optionalEpochMs(next.acknowledgedAt, 'acknowledgedAt'),
    acknowledged_by: next.acknowledgedBy,
    resolved_at: optionalEpochMs(next.resolvedAt, 'resolvedAt'),
    resolved_by: next.resolvedBy,
    reopen_count: next.reopenCount,
    updated_at: epochMs(at, 'at'),
  };
}

export function incidentFromRow(row: IncidentRow): Incident {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    rule: row.rule,
    severity: oneOf(row.severity, SEVERITIES, 'incident severity'),
    labels: parseLabels(row.labels),
    env: row.env,
    service: row.service,
    check: row.check_name,
    summary: row.summary,
    runbook: row.runbook,
    state: oneOf(row.state, INCIDENT_STATES, 'incident state'),
    openedAt: row.opened_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    lastValue: row.last_value,
    reopenCount: row.reopen_count,
    updatedAt: row.updated_at,
  };
}

export const EVENT_VALUE_KEYS = ['incident_id', 'at', 'kind', 'actor', 'text', 'value'] as const satisfies readonly (keyof IncidentEventRow)[];
export const EVENT_COLUMNS = ['id', ...EVENT_VALUE_KEYS].join(', ');

export interface IncidentEventRow {
  id: number;
  incident_id: number;
  at: number;
  kind: string;
  actor: string | null;
  text: string | null;
  value: number | null;
}

export type IncidentEventValues = Omit<IncidentEventRow, 'id'>;

export function eventValues(incidentId: number, event: NewIncidentEvent): IncidentEventValues {
  return {
    incident_id: incidentId,
    at: epochMs(event.at, 'event at'),
    kind: event.kind,
    actor: event.actor,
    text: event.text,
    value: event.value,
  };
}

export function eventFromRow(row: IncidentEventRow): IncidentEvent {
  return {
    id: row.id,
    incidentId: row.incident_id,
    at: row.at,
    kind: oneOf(row.kind, EVENT_KINDS, 'incident event kind'),
    actor: row.actor,
    text: row.text,
    value: row.value,
  };
}

// ---- rule state ----

export const RULE_STATE_KEYS = [
  'fingerprint', 'rule', 'labels', 'state', 'active_since', 'firing_since', 'last_breach_at', 'value', 'counters', 'incident_id', 'updated_at',
] as const satisfies readonly (keyof RuleStateRow)[];
export const RULE_STATE_COLUMNS = RULE_STATE_KEYS.join(', ');

export interface RuleStateRow {
  fingerprint: string;
  rule: string;
  labels: string;
  state: string;
  active_since: number | null;
  firing_since: number | null;
  last_breach_at: number | null;
  value: number | null;
  counters: string;
  incident_id: number | null;
  updated_at: number;
}

export function ruleStateToRow(record: RuleInstanceRecord): RuleStateRow {
  for (const [name, count] of Object.entries(record.counters)) {
    // JSON would turn NaN or Infinity into null, and the next read would refuse the row.
    if (!Number.isFinite(count)) throw new RangeError(`rule state ${record.fingerprint}: counter "${name}" is ${count}, not a finite number`);
  }
  return {
    fingerprint: record.fingerprint,
    rule: record.rule,
    labels: labelsKey(record.labels),
    state: record.state,
    active_since: optionalEpochMs(record.activeSince, 'activeSince'),
    firing_since: optionalEpochMs(record.firingSince, 'firingSince'),
    last_breach_at: optionalEpochMs(record.lastBreachAt, 'lastBreachAt'),
    value: record.value,
    counters: JSON.stringify(record.counters),
    incident_id: record.incidentId,
    updated_at: epochMs(record.updatedAt, 'updatedAt'),
  };
}

export function ruleStateFromRow(row: RuleStateRow): RuleInstanceRecord {
  return {
    fingerprint: row.fingerprint,
    rule: row.rule,
    labels: parseLabels(row.labels),
    state: oneOf(row.state, RULE_STATES, 'rule state'),
    activeSince: row.active_since,
    firingSince: row.firing_since,
    lastBreachAt: row.last_breach_at,
    value: row.value,
    counters: parseCounters(row.counters),
    incidentId: row.incident_id,
    updatedAt: row.updated_at,
  };
}

// ---- silences ----

export const SILENCE_VALUE_KEYS = ['matchers', 'starts_at', 'ends_at', 'created_by', 'comment', 'created_at'] as const satisfies readonly (keyof SilenceRow)[];
export const SILENCE_COLUMNS = ['id', ...SILENCE_VALUE_KEYS].join(', ');

export interface SilenceRow {
  id: number;
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
}

export type SilenceValues = Omit<SilenceRow, 'id'>;

export function silenceValues(silence: NewSilence): SilenceValues {
  return {
    matchers: JSON.stringify(silence.matchers.map(({ label, op, value }) => ({ label, op, value }))),
    starts_at: epochMs(silence.startsAt, 'startsAt'),
    ends_at: epochMs(silence.endsAt, 'endsAt'),
    created_by: silence.createdBy,
    comment: silence.comment,
    created_at: epochMs(silence.createdAt, 'createdAt'),
  };
}

export function silenceFromRow(row: SilenceRow): Silence {
  return {
    id: row.id,
    matchers: parseMatchers(row.matchers),
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdBy: row.created_by,
    comment: row.comment,
    createdAt: row.created_at,
  };
}

// ---- postmortems ----

export const POSTMORTEM_VALUE_KEYS = [
  'incident_id', 'title', 'status', 'markdown', 'action_items', 'author', 'created_at', 'updated_at', 'published_at',
] as const satisfies readonly (keyof PostmortemRow)[];
export const POSTMORTEM_COLUMNS = ['id', ...POSTMORTEM_VALUE_KEYS].join(', ');

export interface PostmortemRow {
  id: number;
  incident_id: number;
  title: string;
  status: string;
  markdown: string;
  action_items: string;
  author: string | null;
  created_at: number;
  updated_at: number;
  published_at: number | null;
}

export type PostmortemValues = Omit<PostmortemRow, 'id'>;

/** A new postmortem's row: updated when created, and published then if it is created published. */
export function newPostmortemValues(postmortem: NewPostmortem): PostmortemValues {
  const createdAt = epochMs(postmortem.createdAt, 'createdAt');
  return {
    incident_id: postmortem.incidentId,
    title: postmortem.title,
    status: postmortem.status,
    markdown: postmortem.markdown,
    action_items: actionItemsJson(postmortem.actionItems),
    author: postmortem.author,
    created_at: createdAt,
    updated_at: createdAt,
    published_at: postmortem.status === 'published' ? createdAt : null,
  };
}

/** The row of `postmortem` with `changes` applied (each given key; an absent one keeps), updated at `at`. */
export function changedPostmortemValues(postmortem: Postmortem, changes: Partial<Postmortem>, at: number): PostmortemValues {
  const next = { ...postmortem };
  for (const [key, value] of Object.entries(changes) as [keyof Postmortem, unknown][]) {
    if (value !== undefined) (next as Record<keyof Postmortem, unknown>)[key] = value;
  }
  return {
    ...newPostmortemValues(next),
    created_at: postmortem.createdAt,
    updated_at: epochMs(at, 'at'),
    published_at: optionalEpochMs(next.publishedAt, 'publishedAt'),
  };
}

export function postmortemFromRow(row: PostmortemRow): Postmortem {
  return {
    id: row.id,
    incidentId: row.incident_id,
    title: row.title,
    status: oneOf(row.status, POSTMORTEM_STATUSES, 'postmortem status'),
    markdown: row.markdown,
    actionItems: parseActionItems(row.action_items),
    author: row.author,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    publishedAt: row.published_at,
  };
}

function actionItemsJson(items: readonly ActionItem[]): string {
  return JSON.stringify(items.map(({ title, owner, status }) => ({ title, owner, status })));
}
