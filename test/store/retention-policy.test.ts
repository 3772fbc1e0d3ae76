// The retention policy as the README states it ("Retention"), enforced by the running housekeeping on
// both engines: delivered, failed and suppressed notifications go after 90 days (pending ones never);
// incidents and the audit log are kept. Samples and rollups: test/store/retention.test.ts and
// housekeeping.test.ts.
import { expect, it } from 'vitest';
import { issueToken } from '../../auth/tokens.js';
import { NOTIFICATION_RETENTION_MS, startHousekeeping } from '../../store/housekeeping.js';
import { DEFAULT_RETENTION, type NewIncident } from '../../store/types.js';
import type { NewOutboxMessage } from '../../notify/types.js';
import { T0, changeMessage } from '../helpers/notify.js';
import { describeEachEngine } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait-for.js';

const DAY = 86_400_000;
const NOW = T0 + 200 * DAY;

function message(createdAt: number): NewOutboxMessage {
  return { receiver: 'oncall-slack', groupKey: `0:${createdAt}`, dueAt: createdAt, createdAt, dedupe: null, incidentIds: [1], message: changeMessage('opened') };
}

const INCIDENT: NewIncident = {
  fingerprint: 'fp1', rule: 'CheckDown', severity: 'page', labels: { alertname: 'CheckDown', env: 'prod' }, env: 'prod', service: 'api', check: 'http',
  summary: 'api is down', runbook: null, openedAt: T0, lastValue: 1,
};

describeEachEngine('the retention policy', (engine) => {
  it('prunes finished notifications past 90 days and keeps pending ones, incidents and the audit log', async () => {
    expect(NOTIFICATION_RETENTION_MS).toBe(90 * DAY);
    const store = await engine.open();
    const old = NOW - NOTIFICATION_RETENTION_MS - DAY;
    const recent = NOW - NOTIFICATION_RETENTION_MS + DAY;
    const [oldDelivered, oldPending, oldFailed, recentDelivered] = await store.outbox.enqueue([message(old), message(old), message(old), message(recent)]);
    await store.outbox.markDelivered(oldDelivered!.id, { at: old, status: 200, error: null });
    await store.outbox.markFinal(oldFailed!.id, 'failed', { at: old, status: 400, error: 'HTTP 400' }, 'HTTP 400');
    await store.outbox.markDelivered(recentDelivered!.id, { at: recent, status: 200, error: null });
    const incident = await store.incidents.create(INCIDENT, { at: T0, kind: 'opened', actor: null, text: null, value: 1 });
    await issueToken(store, { name: 'ops', role: 'admin', createdBy: 'test' }, T0);

    const housekeeping = startHousekeeping(store, DEFAULT_RETENTION, { now: () => NOW }, { rollupEveryMs: 3_600_000, retentionEveryMs: 3_600_000, log: () => {} });
    // The pass that runs at its start prunes them (a stop at once would cut it short).
    const ids = async () => (await store.outbox.list({ limit: 10 })).messages.map((m) => m.id).sort((a, b) => a - b);
    await waitFor(ids, (left) => left.length < 4, 10_000, 'the retention pass');
    await housekeeping.stop();
    expect(await ids()).toEqual([oldPending!.id, recentDelivered!.id]);
    expect(await store.incidents.get(incident.id)).toMatchObject({ id: incident.id });
    expect(await store.audit.list({ afterSeq: 0, limit: 10 })).toHaveLength(1);
    await store.close();
  });
});
