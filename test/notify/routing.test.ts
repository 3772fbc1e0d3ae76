// Routing as pure functions with the time passed in: first match and continue, groups, Alertmanager's
// group_wait / group_interval / repeat_interval, send_resolved, escalation, the rate-limit summary and mutes.
import { describe, expect, it, onTestFinished } from 'vitest';
import { builtinReceivers } from '../../notify/index.js';
import { enqueueNotifications } from '../../notify/outbox.js';
import { applyMutes, escalationsDue, groupDueAt, matchRoutes, notificationsFor, notifyPlan, repeatGroups, repeatsDue } from '../../notify/routing.js';
import { DEFAULT_DELIVERY, type NotifyConfig, type RouteSpec } from '../../notify/types.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { T0, changeMessage, incident } from '../helpers/notify.js';

const MINUTE = 60_000;
const registry = builtinReceivers();

function route(overrides: Partial<RouteSpec> & { index: number }): RouteSpec {
  return { matchers: [], to: ['chat'], continue: false, groupBy: ['...'], groupWaitMs: 0, groupIntervalMs: MINUTE, repeatIntervalMs: 4 * 60 * MINUTE, sendResolved: true, escalate: [], ...overrides };
}

function plan(routes: RouteSpec[], rateLimit: NotifyConfig['receivers'][number]['rateLimit'] = null) {
  const receivers = [
    { name: 'chat', kind: 'slack', config: {}, rateLimit },
    { name: 'pager', kind: 'pagerduty', config: {}, rateLimit: null },
    { name: 'hook', kind: 'webhook', config: {}, rateLimit: null },
  ];
  return notifyPlan({ receivers, routes, delivery: DEFAULT_DELIVERY }, registry);
}

const PROD_PAGE = [{ label: 'env', op: '=' as const, value: 'prod' }, { label: 'severity', op: '=' as const, value: 'page' }];

describe('matching routes', () => {
  const routes = plan([
    route({ index: 0, matchers: PROD_PAGE, to: ['chat', 'pager'], continue: true }),
    route({ index: 1, matchers: [{ label: 'env', op: '=~', value: 'prod|staging' }], to: ['hook'] }),
    route({ index: 2, to: ['chat'] }),
  ]).routes;
  it.each([
    ['a prod page takes the first route and continues to the second', { env: 'prod', severity: 'page' }, [0, 1]],
    ['a prod ticket takes the second only (first match wins)', { env: 'prod', severity: 'ticket' }, [1]],
    ['a dev alert falls through to the catch-all', { env: 'dev', severity: 'page' }, [2]],
  ])('%s', (_name, labels, expected) => {
    expect(matchRoutes(labels, routes).map((r) => r.index)).toEqual(expected);
  });
});

describe('messages for a change', () => {
  it('goes to every receiver of every matched route, grouped by group_by; one incident a message for PagerDuty', () => {
    const p = plan([route({ index: 0, to: ['chat', 'pager'], groupBy: ['env', 'service'] })]);
    const messages = notificationsFor({ kind: 'opened', incident: incident(), at: T0 }, p);
    expect(messages.map((m) => [m.receiver, m.groupKey])).toEqual([
      ['chat', '0:{env="prod",service="api"}'],
      ['pager', '0:incident=1'],
    ]);
    expect(messages[0]!.message.groupLabels).toEqual({ env: 'prod', service: 'api' });
  });

  it.each([
    [true, 1],
    [false, 0],
  ])('send_resolved: %s → %i messages for a resolution', (sendResolved, count) => {
    const p = plan([route({ index: 0, sendResolved })]);
    expect(notificationsFor({ kind: 'resolved', incident: incident({ state: 'resolved' }), at: T0 }, p)).toHaveLength(count);
  });
});

describe("Alertmanager's group timers", () => {
  it.each([
    ['a new group waits group_wait', null, T0 + 30_000],
    ['a group that sent a minute ago waits out group_interval', T0 - 10_000, T0 + 5 * MINUTE - 10_000],
    ['a group idle longer than group_interval goes at once', T0 - 10 * MINUTE, T0],
  ])('%s', (_name, last, expected) => {
    expect(groupDueAt(T0, last, { groupWaitMs: 30_000, groupIntervalMs: 5 * MINUTE })).toBe(expected);
  });

  it('folds changes of one group into its waiting message, one alert per incident with its newest change', async () => {
    const store = await openSqliteStore(':memory:');
    onTestFinished(() => store.close());
    const p = plan([route({ index: 0, groupBy: ['env'], groupWaitMs: 30_000 })]);
    const send = (kind: 'opened' | 'acknowledged', id: number, at: number) =>
      enqueueNotifications(store.outbox, notificationsFor({ kind, incident: incident({ id, state: kind === 'opened' ? 'open' : 'acknowledged' }), at }, p), p, at);
    await send('opened', 1, T0);
    await send('opened', 2, T0 + 10_000);
    await send('acknowledged', 1, T0 + 20_000);
    const { messages } = await store.outbox.list({ limit: 10 });
    expect(messages).toHaveLength(1);
    expect(messages[0]!.dueAt).toBe(T0 + 30_000);
    expect(messages[0]!.message!.alerts.map((a) => [a.incident.id, a.change])).toEqual([[1, 'acknowledged'], [2, 'opened']]);
    // Claimed and sent: the next change waits for group_interval after it.
    await store.outbox.claim(T0 + 30_000, 10_000, 10);
    await send('opened', 3, T0 + 40_000);
    expect((await store.outbox.list({ limit: 10 })).messages[0]).toMatchObject({ dueAt: T0 + 30_000 + MINUTE, incidentIds: [3] });
  });

  it('folds a storm past the rate limit into one summary, due when the window has room', async () => {
    const store = await openSqliteStore(':memory:');
    onTestFinished(() => store.close());
    const p = plan([route({ index: 0 })], { max: 3, perMs: MINUTE });
    for (let id = 1; id <= 10; id++) await enqueueNotifications(store.outbox, notificationsFor({ kind: 'opened', incident: incident({ id }), at: T0 + id }, p), p, T0 + id);
    const { messages } = await store.outbox.list({ limit: 20 });
    expect(messages).toHaveLength(4);
    const summary = messages.find((m) => m.message?.kind === 'summary')!;
    expect(summary.message!.folded).toBe(7);
    expect(summary.incidentIds).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(summary.dueAt).toBe(T0 + 4 + MINUTE);
  });
});

describe('escalation and repeats', () => {
  const p = plan([route({ index: 0, to: ['chat'], escalate: [{ afterMs: 15 * MINUTE, to: ['pager'] }, { afterMs: 30 * MINUTE, to: ['hook'] }] })]);
  it.each([
    ['nothing before 15 minutes', 'open', 14 * MINUTE, []],
    ['the first step at 15 minutes', 'open', 15 * MINUTE, [['pager', 1]]],
    ['both steps at 30 minutes', 'open', 30 * MINUTE, [['pager', 1], ['hook', 2]]],
    ['nothing once acknowledged', 'acknowledged', 60 * MINUTE, []],
  ] as const)('%s', (_name, state, after, expected) => {
    const due = escalationsDue([incident({ state })], p, T0 + after);
    expect(due.map((m) => [m.receiver, m.message.escalation?.level])).toEqual(expected);
    for (const m of due) expect(m.dedupe).toMatch(/^escalate:1:0:0:\d:/);
  });

  it('repeats an open group after repeat_interval, not while a message waits, not when acknowledged', () => {
    const groups = repeatGroups([incident(), incident({ id: 2, state: 'acknowledged' })], p, T0 + 4 * 60 * MINUTE);
    expect(groups.map((g) => g.group.key)).toEqual(['0:incident=1']);
    expect(repeatsDue(groups, () => ({ lastAt: T0, waiting: false }), T0 + 4 * 60 * MINUTE)).toHaveLength(1);
    expect(repeatsDue(groups, () => ({ lastAt: T0 + 1, waiting: false }), T0 + 4 * 60 * MINUTE)).toHaveLength(0);
    expect(repeatsDue(groups, () => ({ lastAt: T0, waiting: true }), T0 + 4 * 60 * MINUTE)).toHaveLength(0);
  });
});

describe('silences and maintenance', () => {
  const silence = { id: 7, matchers: [{ label: 'service', op: '=' as const, value: 'api' }], startsAt: T0, endsAt: T0 + MINUTE, createdBy: 'a', comment: '', createdAt: T0 };
  const none = (): string | null => null;
  const deploy = (): string | null => 'maintenance[0] (deploy)';
  it.each([
    ['a matching active silence suppresses', [silence], none, T0, 'silenced by silence 7 (service="api")'],
    ['an expired silence does not', [silence], none, T0 + MINUTE, null],
    ['a maintenance window suppresses', [], deploy, T0, 'in maintenance maintenance[0] (deploy)'],
  ] as const)('%s', (_name, silences, maintenance, at, expected) => {
    expect(applyMutes(changeMessage('opened'), silences, maintenance, at).suppressed).toBe(expected);
  });
});
