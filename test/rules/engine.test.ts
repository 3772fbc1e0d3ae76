import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createVigilMetrics } from '../../api/metrics.js';
import { LiveView } from '../../ingest/live-view.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { matchersFromMap } from '../../lib/matchers.js';
import { MemoryAlertingStore } from '../helpers/memory-alerting-store.js';
import { alerting, CHECKS, checkDownRule, Harness, MINUTE, noDataRule, SECOND, T0, thresholdRule } from './harness.js';

const lag = (values: string, env = 'prod') => ({ lag: { name: 'replica_lag_seconds', labels: { env, service: 'db' }, values } });
const probe = (values: string) => ({ probe: { name: 'probe_success', labels: { check: 'http', env: 'prod', service: 'api' }, values } });

describe('rules engine: threshold rules and incidents', () => {
  it('opens an incident within `for` + one interval of the breach, with summary, runbook and value, and resolves it on recovery', async () => {
    const rule = thresholdRule({ forMs: 2 * MINUTE, summary: 'Replica lag {{value}}s on {{labels.env}}/{{service}}', runbook: 'https://runbooks.example.com/{{env}}/replica-lag' });
    const h = await new Harness(alerting([rule])).begin();
    const states = await h.run(lag('10 45 45 45.5 45 5'));
    expect(states).toEqual([[], ['pending'], ['pending'], ['firing'], ['firing'], []]);
    const [incident] = h.store.allIncidents();
    expect(incident).toMatchObject({
      rule: 'ReplicaLagHigh', severity: 'page', env: 'prod', service: 'db', check: null, state: 'resolved', resolvedBy: null,
      summary: 'Replica lag 45.5s on prod/db', runbook: 'https://runbooks.example.com/prod/replica-lag',
      openedAt: T0 + 3 * MINUTE, resolvedAt: T0 + 5 * MINUTE,
      labels: { alertname: 'ReplicaLagHigh', env: 'prod', service: 'db', severity: 'page' },
    });
    expect((await h.store.incidents.events(incident!.id)).map((e) => [e.kind, e.value])).toEqual([['opened', 45.5], ['resolved', 5]]);
    expect(h.engine.activeIncidents()).toEqual([]);
    expect(h.store.ruleRecords()).toEqual([]);
  });

  it('opens one incident for a flapping series held by keep_firing_for', async () => {
    const h = await new Harness(alerting([thresholdRule({ keepFiringForMs: 2 * MINUTE })])).begin();
    await h.run(lag('40 0 40 0 40 0 40 0 0 0 0'));
    expect(h.store.allIncidents()).toHaveLength(1);
    expect(h.store.allIncidents()[0]!.state).toBe('resolved');
  });

  it('does not resolve a firing alert until the value is back past the recovery threshold', async () => {
    const h = await new Harness(alerting([thresholdRule({ recover: 10 })])).begin();
    const states = await h.run(lag('40 20 25 20 9 20'));
    expect(states.map((s) => s[0] ?? 'inactive')).toEqual(['firing', 'firing', 'firing', 'firing', 'inactive', 'inactive']);
    expect(h.store.allIncidents()).toHaveLength(1);
  });

  it.each([
    { name: 'reopens the incident when firing again within the reopen window', gapMinutes: 10, incidents: 1, reopenCount: 1 },
    { name: 'opens a new incident when firing again after the reopen window', gapMinutes: 40, incidents: 2, reopenCount: 0 },
  ])('$name', async ({ gapMinutes, incidents, reopenCount }) => {
    const h = await new Harness(alerting([thresholdRule()])).begin();
    await h.run(lag(`40 0x${gapMinutes} 40`));
    const all = h.store.allIncidents();
    expect(all).toHaveLength(incidents);
    expect(all.at(-1)).toMatchObject({ state: 'open', reopenCount });
    if (reopenCount) expect((await h.store.incidents.events(all[0]!.id)).map((e) => e.kind)).toEqual(['opened', 'resolved', 'reopened']);
  });

  it('keeps one instance per series, each with its own incident', async () => {
    const h = await new Harness(alerting([thresholdRule()])).begin();
    await h.run({ ...lag('40 40', 'prod'), ...{ b: lag('40 40', 'staging').lag }, ...{ c: lag('1 1', 'dev').lag } });
    expect(h.engine.activeIncidents().map((i) => i.env)).toEqual(['prod', 'staging']);
  });

  it('resolves the incident of a series that stopped reporting (its `over` window emptied)', async () => {
    const h = await new Harness(alerting([thresholdRule({ overMs: 2 * MINUTE })])).begin();
    await h.run(lag('40 40 _ _ _'));
    expect(h.store.allIncidents()[0]).toMatchObject({ state: 'resolved', resolvedAt: T0 + 3 * MINUTE });
  });

  it('aggregates over the window: avg over 3m', async () => {
    const h = await new Harness(alerting([thresholdRule({ aggregate: 'avg', overMs: 3 * MINUTE })])).begin();
    const states = await h.run(lag('0 0 90 0 0'));
    // avg of (0 0 90) = 30 is not above 30; (0 90 0) neither… the window holds 3 samples: (t−3m, t].
    expect(states.map((s) => s.length)).toEqual([0, 0, 0, 0, 0]);
    const h2 = await new Harness(alerting([thresholdRule({ aggregate: 'avg', overMs: 3 * MINUTE })])).begin();
    expect((await h2.run(lag('0 0 93 0 0'))).map((s) => s[0] ?? '-')).toEqual(['-', '-', 'firing', 'firing', 'firing']);
  });
});

describe('rules engine: restarts', () => {
  it('keeps the pending timer across a restart mid-pending and opens one incident', async () => {
    const h = await new Harness(alerting([thresholdRule({ forMs: 3 * MINUTE })])).begin();
    await h.run(lag('40 40'));
    expect(h.store.ruleRecords()).toMatchObject([{ state: 'pending', activeSince: T0 }]);
    await h.restart();
    await h.run(lag('40 40 40'));
    // Pending since T0: fires at T0 + 3m, the restart's second step, not 3 minutes after the restart.
    expect(h.store.allIncidents()).toMatchObject([{ openedAt: T0 + 3 * MINUTE }]);
  });

  it('opens no second incident when restarted while firing, and resolves the first on recovery', async () => {
    const h = await new Harness(alerting([thresholdRule()])).begin();
    await h.run(lag('40 40'));
    await h.restart();
    expect(h.engine.activeIncidents()).toHaveLength(1);
    await h.run(lag('40 40 0'));
    expect(h.store.allIncidents()).toMatchObject([{ state: 'resolved', reopenCount: 0 }]);
  });

  it('fills the `over` window from the store at start, so a restart does not reset it', async () => {
    const h = new Harness(alerting([thresholdRule({ aggregate: 'min', overMs: 5 * MINUTE, forMs: 0 })]));
    // Four minutes of lag above 30 already stored; min over 5m is above 30 only with the stored samples.
    await h.store.samples.append([0, 1, 2, 3].map((m) => ({ name: 'replica_lag_seconds', labels: { env: 'prod', service: 'db' }, ts: T0 + m * MINUTE, value: 50 })));
    h.clock.advance(4 * MINUTE + 30 * SECOND);
    await h.engine.start();
    await h.engine.evaluate();
    await h.engine.stop();
    const restarted = h.engine.rules()[0]!.alerts;
    expect(restarted.map((a) => [a.state, a.value])).toEqual([['firing', 50]]);
  });

  it('resolves the incident of a rule removed from the config', async () => {
    const h = await new Harness(alerting([thresholdRule()])).begin();
    await h.run(lag('40'));
    const other = new Harness(alerting([thresholdRule({ name: 'Other' })]), h.store);
    other.clock.at = h.clock.at + MINUTE;
    await other.begin();
    await other.engine.evaluate();
    expect(h.store.allIncidents()).toMatchObject([{ state: 'resolved' }]);
    expect((await h.store.incidents.events(1)).at(-1)!.text).toBe('rule ReplicaLagHigh is no longer configured');
    expect(h.store.ruleRecords()).toEqual([]);
  });
});

describe('rules engine: nodata', () => {
  it('fires per series that went silent, and resolves when it reports again', async () => {
    const h = await new Harness(alerting([noDataRule({ nodataMs: 3 * MINUTE })])).begin();
    const queue = (values: string, queueName: string) => ({ name: 'queue_depth', labels: { env: 'prod', queue: queueName, service: 'jobs' }, values });
    const states = await h.run({ a: queue('1 1 1 1 1 1 1 1', 'exports'), b: queue('1 _ _ _ _ _ 1 1', 'imports') });
    expect(states.map((s) => s.join())).toEqual(['', '', '', 'firing', 'firing', 'firing', '', '']);
    expect(h.store.allIncidents()).toMatchObject([{ labels: { queue: 'imports', alertname: 'ExportsStalled' }, state: 'resolved' }]);
  });

  it('fires once when no series matched at all, after watching for `nodata`, and keeps it across a restart', async () => {
    const h = await new Harness(alerting([noDataRule({ nodataMs: 3 * MINUTE, matchers: matchersFromMap({ queue: 'exports' }) })])).begin();
    const states = await h.run({ other: { name: 'queue_depth', labels: { queue: 'imports' }, values: '1 1 1 1 1' } });
    expect(states.map((s) => s.join())).toEqual(['', '', '', 'firing', 'firing']);
    expect(h.store.allIncidents()).toMatchObject([{ labels: { alertname: 'ExportsStalled', severity: 'ticket' }, summary: 'ExportsStalled: no queue_depth samples' }]);
    await h.restart();
    h.clock.advance(MINUTE);
    await h.engine.evaluate();
    expect(h.store.allIncidents()).toMatchObject([{ state: 'open' }]);
    h.clock.advance(MINUTE);
    h.feed.push([{ name: 'queue_depth', labels: { queue: 'exports' }, ts: h.clock.at, value: 0 }]);
    await h.engine.evaluate();
    expect(h.store.allIncidents()).toMatchObject([{ state: 'resolved' }]);
  });
});

describe('rules engine: check_down', () => {
  it.each([
    { name: 'after 2 failures in a row', after: 2, orAfterM: 10, series: '1 0 0 0 1', firing: 'f-f-f-f-i', opensAt: 2 },
    { name: 'after failing for 2 minutes (before 5 failures)', after: 5, orAfterM: 2, series: '1 0 0 0 1', firing: 'f-f-f-f-i', opensAt: 3 },
    { name: 'not for one failure', after: 2, orAfterM: 10, series: '1 0 1 0 1', firing: 'f-f-f-f-f', opensAt: null },
  ])('fires $name, with the failure count as value, and resolves on the first success', async ({ after, orAfterM, series, opensAt }) => {
    const h = await new Harness(alerting([checkDownRule({ afterFailures: after, orAfterMs: orAfterM * MINUTE })])).begin();
    await h.run(probe(series));
    const incidents = h.store.allIncidents();
    if (opensAt === null) return expect(incidents).toEqual([]);
    expect(incidents).toMatchObject([
      { openedAt: T0 + opensAt * MINUTE, resolvedAt: T0 + 4 * MINUTE, check: 'http', runbook: 'https://runbooks.example.com/api/http', summary: `prod/api/http is down: ${opensAt} failed runs in a row` },
    ]);
  });

  it("says in the summary why the check is down: its last error, on one line", async () => {
    const h = await new Harness(alerting([checkDownRule({ afterFailures: 2, orAfterMs: 10 * MINUTE })])).begin();
    h.checkErrors.set('prod/api/http', 'expected status 200, got 503;\n  body: "maintenance"');
    await h.run(probe('0 0'));
    expect(h.store.allIncidents()[0]!.summary).toBe('prod/api/http is down: expected status 200, got 503; body: "maintenance" (2 failed runs in a row)');
  });

  it('counts a streak longer than the window holds samples, and starts it again after a success', async () => {
    // One run a minute: the window keeps probe_success 5 minutes, so the first failures have left it when the 8th comes.
    const h = await new Harness(alerting([checkDownRule({ afterFailures: 8, orAfterMs: 60 * MINUTE })])).begin();
    const states = await h.run(probe('0 0 1 0 0 0 0 0 0 0 0 0'));
    expect(states.map((s) => s[0] ?? 'inactive')).toEqual([...Array(10).fill('inactive'), 'firing', 'firing']);
    expect(h.store.allIncidents()).toMatchObject([{ openedAt: T0 + 10 * MINUTE, lastValue: 9, summary: 'prod/api/http is down: 8 failed runs in a row' }]);
  });

  it('counts the failures after the last success when several runs arrive between two cycles', async () => {
    const h = await new Harness(alerting([checkDownRule({ afterFailures: 3, orAfterMs: 60 * MINUTE })])).begin();
    const labels = { check: 'http', env: 'prod', service: 'api' };
    // Runs 10 s apart, the last one now.
    const runs = (values: number[]) => h.feed.push(values.map((value, i) => ({ name: 'probe_success', labels, ts: h.clock.at - (values.length - 1 - i) * 10 * SECOND, value })));
    runs([0, 0, 1, 0, 0]);
    await h.engine.evaluate();
    expect(h.engine.alertCounts().get('CheckDown')).toEqual({ pending: 0, firing: 0 });
    h.clock.advance(MINUTE);
    runs([0]);
    await h.engine.evaluate();
    expect(h.store.allIncidents()).toMatchObject([{ openedAt: h.clock.at, summary: 'prod/api/http is down: 3 failed runs in a row' }]);
  });

  it('counts failures across a restart', async () => {
    const h = await new Harness(alerting([checkDownRule({ afterFailures: 3, orAfterMs: 60 * MINUTE })])).begin();
    await h.run(probe('0 0'));
    expect(h.store.ruleRecords()).toMatchObject([{ state: 'inactive', counters: { failures: 2 } }]);
    await h.restart();
    await h.run(probe('0'));
    expect(h.store.allIncidents()).toMatchObject([{ lastValue: 3 }]);
  });

  it('counts the alerts of rules sharing a name together on /metrics (every check_down rule is CheckDown)', async () => {
    const checks = Array.from({ length: 3 }, (_, i) => ({ ...CHECKS[0]!, id: `prod/api/http-${i}`, name: `http-${i}` }));
    const rules = checks.map((check) => checkDownRule({ checkId: check.id, check: check.name, afterFailures: 2 }));
    const series = (check: (typeof checks)[number], values: string) => ({ name: 'probe_success', labels: { check: check.name, env: 'prod', service: 'api' }, values });
    const h = await new Harness(alerting(rules), new MemoryAlertingStore(), checks).begin();
    // Two of the three checks fail twice (firing), the last one passes.
    await h.run({ a: series(checks[0]!, '0 0'), b: series(checks[1]!, '0 0'), c: series(checks[2]!, '1 1') });
    expect(h.engine.alertCounts().get('CheckDown')).toEqual({ pending: 0, firing: 2 });
    const registry = new Registry();
    createVigilMetrics(registry, ['http'], new LiveView()).watchAlerting(h.engine);
    const text = await registry.metrics();
    expect(text).toContain('vigil_alerts{rule="CheckDown",state="firing"} 2\n');
    expect(text).toContain('vigil_alerts{rule="CheckDown",state="pending"} 0\n');
  });

  it('lets the event loop run between rules during a cycle, and decides the same as in one piece', async () => {
    // 300 checks, each with its own check_down rule (as the defaults make them), all failing twice.
    const checks = Array.from({ length: 300 }, (_, i) => ({ ...CHECKS[0]!, id: `prod/api/http-${i}`, name: `http-${i}` }));
    const rules = checks.map((check) => checkDownRule({ checkId: check.id, check: check.name, afterFailures: 2 }));
    const failing = Object.fromEntries(checks.map((check) => [check.id, { name: 'probe_success', labels: { check: check.name, env: 'prod', service: 'api' }, values: '0 0' }]));
    const sliced = await new Harness(alerting(rules), new MemoryAlertingStore(), checks, { cycleSliceMs: 0 }).begin();
    let turns = 0;
    let cycling = true;
    const tick = () => {
      turns++;
      if (cycling) setImmediate(tick);
    };
    setImmediate(tick);
    await sliced.run(failing);
    cycling = false;
    // Two cycles of 300 rules with a turn after each rule: other work ran ~600 times meanwhile.
    expect(turns).toBeGreaterThanOrEqual(500);
    const whole = await new Harness(alerting(rules), new MemoryAlertingStore(), checks, { cycleSliceMs: Infinity }).begin();
    await whole.run(failing);
    const opened = (h: Harness) => h.store.allIncidents().map((incident) => [incident.check, incident.openedAt, incident.lastValue]);
    expect(opened(sliced)).toHaveLength(300);
    expect(opened(sliced)).toEqual(opened(whole));
  });
});

describe('rules engine: inhibition', () => {
  it('reports a muted alert as inhibited and opens no incident for it', async () => {
    const envDown = thresholdRule({ name: 'EnvironmentDown', metric: 'env_up', op: 'below', threshold: 1 });
    const config = alerting([envDown, checkDownRule({ afterFailures: 1 })], { inhibit: [{ source: matchersFromMap({ alertname: 'EnvironmentDown' }), target: [], equal: ['env'] }] });
    const h = await new Harness(config).begin();
    await h.run({ ...probe('0 0'), env: { name: 'env_up', labels: { env: 'prod' }, values: '0 0' } });
    const byRule = Object.fromEntries(h.engine.rules().map((r) => [r.name, r.alerts.map((a) => [a.state, a.inhibited, a.incidentId !== null])]));
    expect(byRule).toEqual({ EnvironmentDown: [['firing', false, true]], CheckDown: [['firing', true, false]] });
    expect(h.store.allIncidents().map((i) => i.rule)).toEqual(['EnvironmentDown']);
  });
});

describe('rules engine: incident actions', () => {
  it('acknowledges once, refuses to acknowledge or resolve a resolved incident, and answers 404s', async () => {
    const h = await new Harness(alerting([thresholdRule()])).begin();
    await h.run(lag('40 0'));
    const { actions } = h.engine;
    await expect(actions.acknowledge(1, 'alice', T0)).rejects.toBeInstanceOf(ConflictError);
    await expect(actions.resolve(1, 'alice', T0, null)).rejects.toBeInstanceOf(ConflictError);
    await expect(actions.addNote(99, 'alice', 'hi', T0)).rejects.toBeInstanceOf(NotFoundError);
    await expect(actions.acknowledge(99, 'alice', T0)).rejects.toBeInstanceOf(NotFoundError);
    await h.run(lag('40'));
    const acked = await actions.acknowledge(1, 'alice', h.clock.at + 1);
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'alice', acknowledgedAt: h.clock.at + 1 });
    expect(await actions.acknowledge(1, 'bob', h.clock.at + 2)).toEqual(acked);
    expect(h.engine.activeIncidents()).toMatchObject([{ state: 'acknowledged' }]);
    const note = await actions.addNote(1, 'bob', 'failing over', h.clock.at + 3);
    expect(note).toMatchObject({ kind: 'note', actor: 'bob', text: 'failing over' });
  });

  it('records a manual resolve of a still-firing alert as such, and opens no new incident while it keeps firing', async () => {
    const h = await new Harness(alerting([thresholdRule()])).begin();
    await h.run(lag('40 42'));
    const resolved = await h.engine.actions.resolve(1, 'alice', h.clock.at + 1, 'known, failing over');
    expect(resolved).toMatchObject({ state: 'resolved', resolvedBy: 'alice' });
    expect((await h.store.incidents.events(1)).at(-1)).toMatchObject({
      kind: 'resolved', actor: 'alice', value: 42,
      text: 'known, failing over — resolved by hand while ReplicaLagHigh still fires (value 42); no new incident opens until it stops firing',
    });
    expect(h.engine.activeIncidents()).toEqual([]);
    await h.run(lag('43 44 45'));
    expect(h.store.allIncidents()).toHaveLength(1);
    expect(h.engine.rules()[0]!.alerts).toMatchObject([{ state: 'firing', incidentId: 1 }]);
    // It stops, then fires again within the reopen window: the same incident reopens.
    await h.run(lag('0 40'));
    expect(h.store.allIncidents()).toMatchObject([{ id: 1, state: 'open', reopenCount: 1 }]);
  });
});

describe('rules engine: failures and the loop', () => {
  it('keeps the previous state when the cycle transaction fails, reports lastError, and opens one incident once the store is back', async () => {
    const h = await new Harness(alerting([thresholdRule()])).begin();
    h.store.failNextTransactions(1);
    await h.run(lag('40'));
    expect(h.engine.rules()[0]).toMatchObject({ lastError: 'database is locked', alerts: [] });
    expect(h.logs.join('\n')).toContain('database is locked');
    await h.run(lag('40'));
    expect(h.engine.rules()[0]!.lastError).toBeNull();
    expect(h.store.allIncidents()).toHaveLength(1);
  });

  it('commits nothing on a cycle that changes nothing durable', async () => {
    const h = await new Harness(alerting([thresholdRule()])).begin();
    await h.run(lag('1 1 1'));
    expect(h.store.committed).toBe(0);
  });

  it('evaluates every interval once started, and stop waits for the cycle in flight', async () => {
    const h = new Harness(alerting([thresholdRule()], { evaluationIntervalMs: 20 }));
    await h.engine.start();
    h.feed.push([{ name: 'replica_lag_seconds', labels: { env: 'prod' }, ts: h.clock.at, value: 40 }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await h.engine.stop();
    const evaluatedAt = h.engine.rules()[0]!.lastEvaluatedAt;
    expect(evaluatedAt).toBe(h.clock.at);
    expect(h.store.allIncidents()).toHaveLength(1);
  });
});
