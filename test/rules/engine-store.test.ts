// The engine on the real stores (SQLite and PostgreSQL): what must survive a restart does, and the
// incident lifecycle reads back as it was written.
import { expect, it } from 'vitest';
import { ConflictError } from '../../lib/errors.js';
import type { Store } from '../../store/types.js';
import { describeEachEngine } from '../helpers/stores.js';
import { alerting, checkDownRule, Harness, MINUTE, T0, thresholdRule } from './harness.js';

const lag = (values: string) => ({ lag: { name: 'replica_lag_seconds', labels: { env: 'prod', service: 'db' }, values } });
const incidents = async (store: Store) => [...(await store.incidents.list({ limit: 100 })).incidents].reverse();

describeEachEngine('rules engine on the store', (engine) => {
  it('keeps a pending timer and a failure count across a restart with the store closed and reopened', async () => {
    const location = await engine.location();
    const config = alerting([thresholdRule({ forMs: 3 * MINUTE }), checkDownRule({ afterFailures: 3, orAfterMs: 60 * MINUTE })]);
    const h = await new Harness(config, await engine.open(location)).begin();
    await h.run({ ...lag('40 40'), probe: { name: 'probe_success', labels: { check: 'http', env: 'prod', service: 'api' }, values: '0 0' } });
    await h.store.close();
    await h.restart(undefined, await engine.open(location));
    await h.run({ ...lag('40 40'), probe: { name: 'probe_success', labels: { check: 'http', env: 'prod', service: 'api' }, values: '0 0' } });
    const all = await incidents(h.store);
    expect(all.map((i) => [i.rule, i.openedAt, i.lastValue])).toEqual([
      // Opened at 3 failures; the fourth reached the incident a minute later.
      ['CheckDown', T0 + 2 * MINUTE, 4],
      ['ReplicaLagHigh', T0 + 3 * MINUTE, 40],
    ]);
    expect(h.engine.activeIncidents()).toHaveLength(2);
  });

  it('reopens within the reopen window and keeps the timeline', async () => {
    const h = await new Harness(alerting([thresholdRule()]), await engine.open()).begin();
    await h.run(lag('40 0 0 40'));
    const [incident] = await incidents(h.store);
    expect(incident).toMatchObject({ state: 'open', reopenCount: 1 });
    expect((await h.store.incidents.events(incident!.id)).map((e) => [e.kind, e.value])).toEqual([['opened', 40], ['resolved', 0], ['reopened', 40]]);
  });

  it('acknowledges, refuses a second resolve, and opens no new incident while a manually resolved alert fires', async () => {
    const h = await new Harness(alerting([thresholdRule()]), await engine.open()).begin();
    await h.run(lag('40'));
    const [incident] = await incidents(h.store);
    await h.engine.actions.acknowledge(incident!.id, 'alice', h.clock.at);
    await h.engine.actions.resolve(incident!.id, 'alice', h.clock.at, null);
    await expect(h.engine.actions.resolve(incident!.id, 'bob', h.clock.at, null)).rejects.toBeInstanceOf(ConflictError);
    await h.run(lag('41 42'));
    expect((await incidents(h.store)).map((i) => [i.state, i.resolvedBy])).toEqual([['resolved', 'alice']]);
    expect((await h.store.incidents.events(incident!.id)).map((e) => e.kind)).toEqual(['opened', 'acknowledged', 'resolved']);
  });

  it('fills rule windows and SLO events from the stored samples at start', async () => {
    const store = await engine.open();
    const labels = { check: 'http', env: 'prod', service: 'api' };
    await store.samples.append([0, 1, 2, 3].map((m) => ({ name: 'replica_lag_seconds', labels: { env: 'prod', service: 'db' }, ts: T0 + m * MINUTE, value: 50 })));
    await store.samples.append(Array.from({ length: 120 }, (_, m) => ({ name: 'probe_success', labels, ts: T0 + m * MINUTE, value: m % 10 === 0 ? 0 : 1 })));
    const slo = { id: 'prod/api/availability', name: 'availability', env: 'prod', service: 'api', sli: { kind: 'availability' as const }, objective: 0.99, window: { kind: 'rolling' as const, ms: 86_400_000 }, tiers: [] };
    const h = new Harness(alerting([thresholdRule({ aggregate: 'min', overMs: 5 * MINUTE })], { slos: [slo] }), store);
    h.clock.at = T0 + 120 * MINUTE;
    await store.samples.append([{ name: 'replica_lag_seconds', labels: { env: 'prod', service: 'db' }, ts: h.clock.at - 30_000, value: 50 }]);
    h.clock.at = T0 + 4 * MINUTE + 30_000;
    await h.engine.start();
    await h.engine.evaluate();
    await h.engine.stop();
    expect(h.engine.rules()[0]!.alerts.map((a) => [a.state, a.value])).toEqual([['firing', 50]]);
    expect(h.engine.slos()[0]!.events).toEqual({ good: 4, total: 5 });
  });
});
