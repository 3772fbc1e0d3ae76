// Routing: which receivers an incident change goes to, in which group, when, and what a rate limit, a
// silence or a maintenance window does to it. Pure functions of incident changes, the config and the
// time passed in (STYLE.md principle 1); notify/outbox.ts applies them to the store.
import { compileMatchers, formatMatcher, matchAll, type CompiledMatcher } from '../lib/matchers.js';
import type { Incident, Labels, Silence } from '../store/types.js';
import type { ReceiverRegistry } from './receiver.js';
import { GROUP_BY_ALL, SUMMARY_GROUP, type IncidentChange, type MessageAlert, type NewOutboxMessage, type NotificationMessage, type NotifyConfig, type RateLimit, type RouteSpec } from './types.js';

/** The config compiled for routing: matchers built, each receiver's kind and rate limit at hand. */
export interface NotifyPlan {
  readonly config: NotifyConfig;
  readonly routes: ReadonlyArray<RouteSpec & { readonly compiled: readonly CompiledMatcher[] }>;
  /** Receivers whose kind takes one incident a message (PagerDuty). */
  readonly oneIncident: ReadonlySet<string>;
  readonly rateLimits: ReadonlyMap<string, RateLimit>;
}

/** Builds the plan once per config. */
export function notifyPlan(config: NotifyConfig, receivers: ReceiverRegistry): NotifyPlan {
  return {
    config,
    routes: config.routes.map((route) => ({ ...route, compiled: compileMatchers(route.matchers) })),
    oneIncident: new Set(config.receivers.filter((r) => receivers.has(r.kind) && receivers.get(r.kind).oneIncidentPerMessage).map((r) => r.name)),
    rateLimits: new Map(config.receivers.filter((r) => r.rateLimit).map((r) => [r.name, r.rateLimit!])),
  };
}

/** The routes labels take: in order, the first match wins unless it says `continue`. */
export function matchRoutes<R extends NotifyPlan['routes'][number]>(labels: Labels, routes: readonly R[]): R[] {
  const matched: R[] = [];
  for (const route of routes) {
    if (!matchAll(labels, route.compiled)) continue;
    matched.push(route);
    if (!route.continue) break;
  }
  return matched;
}

/** An incident's group in a route: its `group_by` labels (each incident alone for `...` or a one-incident receiver). */
export function groupOf(incident: Incident, route: RouteSpec, oneIncident: boolean): { readonly key: string; readonly labels: Labels } {
  if (oneIncident || route.groupBy.includes(GROUP_BY_ALL)) {
    return { key: `${route.index}:incident=${incident.id}`, labels: { ...incident.labels } };
  }
  const labels: Record<string, string> = {};
  for (const name of route.groupBy) labels[name] = incident.labels[name] ?? '';
  const key = Object.entries(labels)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(',');
  return { key: `${route.index}:{${key}}`, labels };
}

/** A message routed to a receiver, with the timing its route gives it (used once, when it is written). */
export interface RoutedMessage extends NewOutboxMessage {
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
}

function routed(receiver: string, route: RouteSpec, group: { key: string; labels: Labels }, message: NotificationMessage, at: number, dedupe: string | null = null): RoutedMessage {
  return {
    receiver,
    groupKey: group.key,
    dueAt: at,
    createdAt: at,
    dedupe,
    incidentIds: message.alerts.map((a) => a.incident.id),
    message,
    groupWaitMs: route.groupWaitMs,
    groupIntervalMs: route.groupIntervalMs,
  };
}

/**
 * The messages one incident change causes: one per receiver of every route it takes (a resolution only
 * where `send_resolved`). Escalations are not routed here: `escalationsDue` sends them to their step's receivers.
 */
export function notificationsFor(change: IncidentChange, plan: NotifyPlan): RoutedMessage[] {
  if (change.kind === 'escalated') return [];
  const out: RoutedMessage[] = [];
  for (const route of matchRoutes(change.incident.labels, plan.routes)) {
    if (change.kind === 'resolved' && !route.sendResolved) continue;
    for (const receiver of route.to) {
      const group = groupOf(change.incident, route, plan.oneIncident.has(receiver));
      const message: NotificationMessage = { kind: 'alert', groupKey: group.key, groupLabels: group.labels, alerts: [{ change: change.kind, at: change.at, incident: change.incident }], folded: 0, escalation: null };
      out.push(routed(receiver, route, group, message, change.at));
    }
  }
  return out;
}

/**
 * When a new message of a group is due (Alertmanager's timers): a new group waits `group_wait` for more
 * changes; a group that has sent waits until `group_interval` after its last message.
 */
export function groupDueAt(at: number, lastInGroupAt: number | null, timing: { readonly groupWaitMs: number; readonly groupIntervalMs: number }): number {
  if (lastInGroupAt === null) return at + timing.groupWaitMs;
  return Math.max(at, lastInGroupAt + timing.groupIntervalMs);
}

/** A waiting message with another change folded in: one alert per incident, the newest change of each. */
export function foldInto(waiting: NotificationMessage, added: NotificationMessage): NotificationMessage {
  const byIncident = new Map<number, MessageAlert>(waiting.alerts.map((a) => [a.incident.id, a]));
  for (const alert of added.alerts) {
    const before = byIncident.get(alert.incident.id);
    if (!before || before.at <= alert.at) byIncident.set(alert.incident.id, alert);
  }
  return {
    ...waiting,
    alerts: [...byIncident.values()],
    folded: waiting.kind === 'summary' ? waiting.folded + Math.max(1, added.folded) : waiting.folded,
    escalation: waiting.escalation ?? added.escalation,
  };
}

/** True when a receiver has sent `recentCount` messages in its window and must fold the next into its summary. */
export function overRateLimit(limit: RateLimit | undefined, recentCount: number): boolean {
  return limit !== undefined && recentCount >= limit.max;
}

/** The summary that folds a held-back message: due when the window has room again. */
export function summaryOf(message: RoutedMessage, limit: RateLimit, at: number): RoutedMessage {
  return {
    ...message,
    groupKey: SUMMARY_GROUP,
    dueAt: at + limit.perMs,
    message: { kind: 'summary', groupKey: SUMMARY_GROUP, groupLabels: {}, alerts: message.message.alerts, folded: 1, escalation: null },
    groupWaitMs: limit.perMs,
    groupIntervalMs: limit.perMs,
  };
}

/** Whether an alert is muted now: by a silence matching its labels, or by a maintenance window. */
export type MaintenanceCheck = (target: { readonly env: string | null; readonly service: string | null }, at: number) => string | null;

/**
 * The alerts of a message that may be sent now, and why the others may not. A message whose alerts are
 * all muted is recorded as suppressed with the reasons, never dropped silently. Summaries and tests are never muted.
 */
export function applyMutes(
  message: NotificationMessage,
  silences: readonly Silence[],
  maintenance: MaintenanceCheck,
  at: number,
): { readonly message: NotificationMessage; readonly suppressed: string | null } {
  if (message.kind !== 'alert') return { message, suppressed: null };
  const active = silences.filter((s) => s.startsAt <= at && at < s.endsAt).map((s) => ({ silence: s, matchers: compileMatchers(s.matchers) }));
  const kept: MessageAlert[] = [];
  const reasons = new Set<string>();
  for (const alert of message.alerts) {
    const silence = active.find((s) => matchAll(alert.incident.labels, s.matchers));
    const window = silence ? null : maintenance({ env: alert.incident.env, service: alert.incident.service }, at);
    if (silence) reasons.add(`silenced by silence ${silence.silence.id} (${silence.silence.matchers.map(formatMatcher).join(', ')})`);
    else if (window) reasons.add(`in maintenance ${window}`);
    else kept.push(alert);
  }
  if (kept.length === message.alerts.length) return { message, suppressed: null };
  if (kept.length === 0) return { message, suppressed: [...reasons].join('; ') };
  return { message: { ...message, alerts: kept }, suppressed: null };
}

/** Nothing is in maintenance: the default until the engine's maintenance windows are wired in. */
export const NO_MAINTENANCE: MaintenanceCheck = () => null;

/** The dedupe of an escalation step: each step of each opening of an incident is sent once. */
export function escalationDedupe(incident: Incident, route: RouteSpec, step: number): string {
  return `escalate:${incident.id}:${incident.reopenCount}:${route.index}:${step}`;
}

/**
 * Escalations due at `at`: for each open (unacknowledged) incident, each step of each route it takes
 * whose `after` has passed since it opened. Each carries a dedupe, so the outbox writes it once however
 * often this runs.
 */
export function escalationsDue(active: readonly Incident[], plan: NotifyPlan, at: number): RoutedMessage[] {
  const out: RoutedMessage[] = [];
  for (const incident of active) {
    if (incident.state !== 'open') continue;
    for (const route of matchRoutes(incident.labels, plan.routes)) {
      route.escalate.forEach((step, index) => {
        if (at < incident.openedAt + step.afterMs) return;
        for (const receiver of step.to) {
          const group = { key: `${route.index}:escalate:${incident.id}:${index}`, labels: { ...incident.labels } };
          const message: NotificationMessage = {
            kind: 'alert',
            groupKey: group.key,
            groupLabels: group.labels,
            alerts: [{ change: 'escalated', at, incident }],
            folded: 0,
            escalation: { level: index + 1, afterMs: step.afterMs },
          };
          out.push({ ...routed(receiver, route, group, message, at, `${escalationDedupe(incident, route, index)}:${receiver}`), groupWaitMs: 0 });
        }
      });
    }
  }
  return out;
}

/** A group of unacknowledged open incidents as a repeat would send it. */
export interface RepeatGroup {
  readonly receiver: string;
  readonly route: RouteSpec;
  readonly group: { readonly key: string; readonly labels: Labels };
  readonly alerts: readonly MessageAlert[];
}

/** The groups the active incidents form on every route and receiver (only open ones: an acknowledged incident is being handled). */
export function repeatGroups(active: readonly Incident[], plan: NotifyPlan, at: number): RepeatGroup[] {
  const groups = new Map<string, { receiver: string; route: RouteSpec; group: { key: string; labels: Labels }; alerts: MessageAlert[] }>();
  for (const incident of active) {
    if (incident.state !== 'open') continue;
    for (const route of matchRoutes(incident.labels, plan.routes)) {
      for (const receiver of route.to) {
        const group = groupOf(incident, route, plan.oneIncident.has(receiver));
        const id = `${receiver}\u0000${group.key}`;
        const entry = groups.get(id) ?? { receiver, route, group, alerts: [] as MessageAlert[] };
        entry.alerts.push({ change: 'repeat', at, incident });
        groups.set(id, entry);
      }
    }
  }
  return [...groups.values()];
}

/**
 * Repeats due at `at` (Alertmanager's repeat_interval): a group whose last message was due `repeat`
 * ago, with nothing waiting, is sent again with all its open incidents. `state` is what the outbox
 * holds for each group: when its newest message was due, and whether one still waits.
 */
export function repeatsDue(
  groups: readonly RepeatGroup[],
  state: (group: RepeatGroup) => { readonly lastAt: number | null; readonly waiting: boolean },
  at: number,
): RoutedMessage[] {
  const out: RoutedMessage[] = [];
  for (const entry of groups) {
    const { lastAt, waiting } = state(entry);
    if (waiting || lastAt === null || at < lastAt + entry.route.repeatIntervalMs) continue;
    const message: NotificationMessage = { kind: 'alert', groupKey: entry.group.key, groupLabels: entry.group.labels, alerts: entry.alerts, folded: 0, escalation: null };
    out.push(routed(entry.receiver, entry.route, entry.group, message, at));
  }
  return out;
}
