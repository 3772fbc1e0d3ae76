// The alerting concerns of the store contract (incidents and their timelines, rule state, silences,
// postmortems), run on both engines.
import { expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import type {
  IncidentState,
  NewIncident,
  NewIncidentEvent,
  NewPostmortem,
  NewSilence,
  RuleInstanceRecord,
  Severity,
  Store,
} from '../../store/types.js';
import { describeEachEngine } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const MINUTE = 60_000;

function newIncident(overrides: Partial<NewIncident> = {}): NewIncident {
  const env = overrides.env ?? 'prod';
  const service = overrides.service ?? 'api';
  const rule = overrides.rule ?? 'CheckDown';
  return {
    fingerprint: `${rule}/${env}/${service}`,
    rule,
    severity: 'page',
    labels: { service: service ?? '', alertname: rule, env: env ?? '', check: 'http' },
    env,
    service,
    check: 'http',
    summary: `${service} is down on ${env}`,
    runbook: 'https://runbooks.example.com/api/http',
    openedAt: T0,
    lastValue: 3,
    ...overrides,
  };
}

function opened(at = T0, value: number | null = 3): NewIncidentEvent {
  return { at, kind: 'opened', actor: null, text: null, value };
}

function ruleInstance(fingerprint: string, overrides: Partial<RuleInstanceRecord> = {}): RuleInstanceRecord {
  return {
    fingerprint,
    rule: 'ReplicaLagHigh',
    labels: { service: 'db', env: 'prod' },
    state: 'pending',
    activeSince: T0,
    firingSince: null,
    lastBreachAt: T0 + 5_000,
    value: 42.5,
    counters: { consecutiveFailures: 2, runs: 7 },
    incidentId: null,
    updatedAt: T0 + 5_000,
    ...overrides,
  };
}

function silence(overrides: Partial<NewSilence> = {}): NewSilence {
  return {
    matchers: [
      { label: 'env', op: '=', value: 'staging' },
      { label: 'check', op: '=~', value: 'http.*' },
    ],
    startsAt: T0,
    endsAt: T0 + 60 * MINUTE,
    createdBy: 'alice',
    comment: 'staging deploy',
    createdAt: T0,
    ...overrides,
  };
}

function postmortem(incidentId: number, overrides: Partial<NewPostmortem> = {}): NewPostmortem {
  return {
    incidentId,
    title: `Incident ${incidentId}: api down`,
    status: 'draft',
    markdown: '## Summary\n\nThe api was down.',
    actionItems: [
      { title: 'Add a readiness probe', owner: 'bob', status: 'open' },
      { title: 'Alert on replica lag', owner: null, status: 'done' },
    ],
    author: 'alice',
    createdAt: T0 + 120 * MINUTE,
    ...overrides,
  };
}

/** Every id of a list, page by page with `limit`, following nextCursor until it is null. */
async function allPages(list: (before: number | undefined) => Promise<{ ids: number[]; nextCursor: number | null }>): Promise<number[][]> {
  const pages: number[][] = [];
  let before: number | undefined;
  for (;;) {
    const page = await list(before);
    pages.push(page.ids);
    if (page.nextCursor === null) return pages;
    before = page.nextCursor;
  }
}

describeEachEngine('store incidents', (engine) => {
  it('creates an open incident with its labels and first event, and reads it back', async () => {
    const store = await engine.open();
    const incident = await store.incidents.create(newIncident(), opened());
    expect(incident).toEqual({
      ...newIncident(),
      id: expect.any(Number),
      labels: { alertname: 'CheckDown', check: 'http', env: 'prod', service: 'api' },
      state: 'open',
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      reopenCount: 0,
      updatedAt: T0,
    });
    expect(typeof incident.id).toBe('number');
    expect(await store.incidents.get(incident.id)).toEqual(incident);
    expect(await store.incidents.events(incident.id)).toEqual([
      { id: expect.any(Number), incidentId: incident.id, at: T0, kind: 'opened', actor: null, text: null, value: 3 },
    ]);
    expect(await store.incidents.get(incident.id + 1000)).toBeNull();
  });

  it('acknowledges and resolves an incident, changing only the given fields, and records each step in the timeline', async () => {
    const store = await engine.open();
    const { id } = await store.incidents.create(newIncident(), opened());
    const acknowledged = await store.incidents.update(
      id,
      { state: 'acknowledged', acknowledgedAt: T0 + MINUTE, acknowledgedBy: 'alice' },
      { at: T0 + MINUTE, kind: 'acknowledged', actor: 'alice', text: null, value: null },
      T0 + MINUTE,
    );
    expect(acknowledged).toMatchObject({ state: 'acknowledged', acknowledgedAt: T0 + MINUTE, acknowledgedBy: 'alice', summary: 'api is down on prod', updatedAt: T0 + MINUTE });

    // An update without an event changes the fields only.
    await store.incidents.update(id, { lastValue: 7.5, severity: 'ticket' }, null, T0 + 2 * MINUTE);
    await store.incidents.addEvent(id, { at: T0 + 3 * MINUTE, kind: 'note', actor: 'bob', text: 'failing over to the replica', value: null });
    const resolved = await store.incidents.update(
      id,
      { state: 'resolved', resolvedAt: T0 + 4 * MINUTE, resolvedBy: null },
      { at: T0 + 4 * MINUTE, kind: 'resolved', actor: null, text: null, value: 0 },
      T0 + 4 * MINUTE,
    );
    expect(resolved).toMatchObject({
      state: 'resolved',
      severity: 'ticket',
      lastValue: 7.5,
      acknowledgedBy: 'alice',
      resolvedAt: T0 + 4 * MINUTE,
      resolvedBy: null,
      openedAt: T0,
      updatedAt: T0 + 4 * MINUTE,
    });
    expect(await store.incidents.get(id)).toEqual(resolved);

    const timeline = await store.incidents.events(id);
    expect(timeline.map((e) => [e.kind, e.actor, e.text])).toEqual([
      ['opened', null, null],
      ['acknowledged', 'alice', null],
      ['note', 'bob', 'failing over to the replica'],
      ['resolved', null, null],
    ]);
  });

  it('returns the timeline oldest first even when an event is added with an earlier time', async () => {
    const store = await engine.open();
    const { id } = await store.incidents.create(newIncident(), opened());
    await store.incidents.addEvent(id, { at: T0 + 2 * MINUTE, kind: 'notified', actor: null, text: 'paged on-call', value: null });
    const late = await store.incidents.addEvent(id, { at: T0 + MINUTE, kind: 'escalated', actor: null, text: null, value: 5 });
    expect(late).toEqual({ id: expect.any(Number), incidentId: id, at: T0 + MINUTE, kind: 'escalated', actor: null, text: null, value: 5 });
    expect((await store.incidents.events(id)).map((e) => e.kind)).toEqual(['opened', 'escalated', 'notified']);
  });

  it('refuses to update or annotate an incident that does not exist, naming its id', async () => {
    const store = await engine.open();
    await expect(store.incidents.update(424242, { state: 'resolved' }, null, T0)).rejects.toThrow(NotFoundError);
    await expect(store.incidents.update(424242, { state: 'resolved' }, null, T0)).rejects.toThrow('424242');
    await expect(store.incidents.addEvent(424242, opened())).rejects.toThrow(NotFoundError);
    await expect(store.incidents.addEvent(424242, opened())).rejects.toThrow('424242');
    // The store still works after a refused call.
    expect((await store.incidents.create(newIncident(), opened())).state).toBe('open');
  });

  it('finds the newest incident of a fingerprint, whatever its state', async () => {
    const store = await engine.open();
    expect(await store.incidents.latestByFingerprint('CheckDown/prod/api')).toBeNull();
    const first = await store.incidents.create(newIncident(), opened());
    await store.incidents.update(first.id, { state: 'resolved', resolvedAt: T0 + MINUTE }, null, T0 + MINUTE);
    expect((await store.incidents.latestByFingerprint('CheckDown/prod/api'))?.id).toBe(first.id);
    expect((await store.incidents.latestByFingerprint('CheckDown/prod/api'))?.state).toBe('resolved');

    await store.incidents.create(newIncident({ env: 'staging' }), opened());
    const second = await store.incidents.create(newIncident({ openedAt: T0 + 60 * MINUTE }), opened(T0 + 60 * MINUTE));
    expect(await store.incidents.latestByFingerprint('CheckDown/prod/api')).toEqual(second);
  });

  it('lists active incidents (open or acknowledged) oldest first', async () => {
    const store = await engine.open();
    const a = await store.incidents.create(newIncident({ service: 'a' }), opened());
    const b = await store.incidents.create(newIncident({ service: 'b' }), opened());
    const c = await store.incidents.create(newIncident({ service: 'c' }), opened());
    await store.incidents.update(a.id, { state: 'acknowledged', acknowledgedAt: T0 + 1, acknowledgedBy: 'alice' }, null, T0 + 1);
    await store.incidents.update(b.id, { state: 'resolved', resolvedAt: T0 + 1 }, null, T0 + 1);
    expect((await store.incidents.active()).map((i) => [i.id, i.state])).toEqual([
      [a.id, 'acknowledged'],
      [c.id, 'open'],
    ]);
  });

  it('lists incidents newest first, filtered by env, service, rule, states, severities and opened time', async () => {
    const store = await engine.open();
    const made: Array<{ id: number; key: string }> = [];
    const cases: Array<[key: string, overrides: Partial<NewIncident>, state: IncidentState]> = [
      ['prod-api-down', { env: 'prod', service: 'api', openedAt: T0 }, 'resolved'],
      ['prod-web-down', { env: 'prod', service: 'web', openedAt: T0 + 10 * MINUTE }, 'open'],
      ['staging-api-lag', { env: 'staging', service: 'api', rule: 'ReplicaLagHigh', severity: 'ticket', openedAt: T0 + 20 * MINUTE }, 'acknowledged'],
      ['prod-api-lag', { env: 'prod', service: 'api', rule: 'ReplicaLagHigh', severity: 'info', openedAt: T0 + 30 * MINUTE }, 'open'],
    ];
    for (const [key, overrides, state] of cases) {
      const incident = await store.incidents.create(newIncident(overrides), opened(overrides.openedAt));
      if (state !== 'open') await store.incidents.update(incident.id, { state }, null, T0 + 40 * MINUTE);
      made.push({ id: incident.id, key });
    }
    const keys = async (filter: Omit<Parameters<Store['incidents']['list']>[0], 'limit'>) => {
      const page = await store.incidents.list({ ...filter, limit: 100 });
      expect(page.nextCursor).toBeNull();
      return page.incidents.map((incident) => made.find((m) => m.id === incident.id)!.key);
    };
    expect(await keys({})).toEqual(['prod-api-lag', 'staging-api-lag', 'prod-web-down', 'prod-api-down']);
    expect(await keys({ env: 'prod' })).toEqual(['prod-api-lag', 'prod-web-down', 'prod-api-down']);
    expect(await keys({ service: 'api' })).toEqual(['prod-api-lag', 'staging-api-lag', 'prod-api-down']);
    expect(await keys({ rule: 'ReplicaLagHigh' })).toEqual(['prod-api-lag', 'staging-api-lag']);
    expect(await keys({ states: ['open', 'acknowledged'] })).toEqual(['prod-api-lag', 'staging-api-lag', 'prod-web-down']);
    expect(await keys({ states: ['resolved'] })).toEqual(['prod-api-down']);
    expect(await keys({ states: [] })).toEqual([]);
    expect(await keys({ severities: ['ticket', 'info'] satisfies Severity[] })).toEqual(['prod-api-lag', 'staging-api-lag']);
    // from is inclusive, to exclusive.
    expect(await keys({ from: T0 + 10 * MINUTE, to: T0 + 30 * MINUTE })).toEqual(['staging-api-lag', 'prod-web-down']);
    expect(await keys({ env: 'prod', service: 'api', states: ['open'], severities: ['info'], from: T0 })).toEqual(['prod-api-lag']);
    expect(await keys({ env: 'dev' })).toEqual([]);
  });

  it('pages through a filtered list with the cursor, each incident once, newest first', async () => {
    const store = await engine.open();
    const prodIds: number[] = [];
    for (let i = 0; i < 12; i++) {
      const env = i % 3 === 0 ? 'staging' : 'prod';
      const incident = await store.incidents.create(newIncident({ env, service: `svc${i}`, openedAt: T0 + i * MINUTE }), opened(T0 + i * MINUTE));
      if (env === 'prod') prodIds.push(incident.id);
    }
    const pages = await allPages(async (before) => {
      const page = await store.incidents.list({ env: 'prod', limit: 3, ...(before === undefined ? {} : { before }) });
      return { ids: page.incidents.map((i) => i.id), nextCursor: page.nextCursor };
    });
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(pages.flat()).toEqual([...prodIds].reverse());

    // A page that ends exactly at the last incident says there is no more.
    const exact = await store.incidents.list({ env: 'prod', limit: prodIds.length });
    expect(exact.incidents).toHaveLength(prodIds.length);
    expect(exact.nextCursor).toBeNull();
  });

  it.each([0, 1001, 2.5, Number.NaN])('refuses a page limit of %s with a RangeError', async (limit) => {
    const store = await engine.open();
    await expect(store.incidents.list({ limit })).rejects.toThrow(RangeError);
    await expect(store.postmortems.list({ limit })).rejects.toThrow(RangeError);
  });
});

describeEachEngine('store incident transactions', (engine) => {
  it('rolls back an incident and the rule state saved with it when the function throws', async () => {
    const store = await engine.open();
    await expect(
      store.transaction(async (tx) => {
        const incident = await tx.incidents.create(newIncident(), opened());
        // A transaction reads what it wrote.
        expect((await tx.incidents.get(incident.id))?.state).toBe('open');
        expect((await tx.incidents.latestByFingerprint(incident.fingerprint))?.id).toBe(incident.id);
        await tx.ruleState.save([ruleInstance(incident.fingerprint, { state: 'firing', incidentId: incident.id })], []);
        throw new Error('notifying failed');
      }),
    ).rejects.toThrow('notifying failed');
    expect(await store.incidents.latestByFingerprint('CheckDown/prod/api')).toBeNull();
    expect(await store.incidents.active()).toEqual([]);
    expect(await store.ruleState.all()).toEqual([]);
  });

  it('commits an incident, its later updates and the rule state together', async () => {
    const store = await engine.open();
    const id = await store.transaction(async (tx) => {
      const incident = await tx.incidents.create(newIncident(), opened());
      await tx.incidents.update(incident.id, { lastValue: 9 }, { at: T0 + 5_000, kind: 'escalated', actor: null, text: null, value: 9 }, T0 + 5_000);
      await tx.incidents.addEvent(incident.id, { at: T0 + 6_000, kind: 'notified', actor: null, text: 'slack', value: null });
      await tx.ruleState.save([ruleInstance(incident.fingerprint, { state: 'firing', firingSince: T0, incidentId: incident.id })], []);
      return incident.id;
    });
    expect(await store.incidents.get(id)).toMatchObject({ lastValue: 9, updatedAt: T0 + 5_000 });
    expect((await store.incidents.events(id)).map((e) => e.kind)).toEqual(['opened', 'escalated', 'notified']);
    expect(await store.ruleState.all()).toEqual([ruleInstance('CheckDown/prod/api', { state: 'firing', firingSince: T0, incidentId: id })]);
  });

  it('refuses an update of a missing incident inside a transaction with NotFoundError', async () => {
    const store = await engine.open();
    await expect(store.transaction((tx) => tx.incidents.update(777, { state: 'resolved' }, null, T0))).rejects.toThrow(NotFoundError);
    expect(await store.isWritable()).toBe(true);
  });
});

describeEachEngine('store rule state', (engine) => {
  it('saves rule instances with their labels and counters, replaces them by fingerprint and deletes them', async () => {
    const store = await engine.open();
    const a = ruleInstance('fp-a', { labels: { service: 'db', env: 'prod', 'üñí': 'ç "quoted"' } });
    const b = ruleInstance('fp-b', { state: 'inactive', activeSince: null, lastBreachAt: null, value: null, counters: {} });
    await store.ruleState.save([b, a], []);
    expect(await store.ruleState.all()).toEqual([a, b]);
    expect((await store.ruleState.all())[0]!.counters).toEqual({ consecutiveFailures: 2, runs: 7 });

    const firing = { ...a, state: 'firing' as const, firingSince: T0 + 60_000, counters: { consecutiveFailures: 3, runs: 8 }, incidentId: 12, updatedAt: T0 + 60_000 };
    const c = ruleInstance('fp-c');
    await store.ruleState.save([firing, c], ['fp-b', 'fp-unknown']);
    expect(await store.ruleState.all()).toEqual([firing, c]);

    await store.ruleState.save([], ['fp-a', 'fp-c']);
    expect(await store.ruleState.all()).toEqual([]);
  });

  it('refuses a counter that JSON cannot hold, saving nothing of the batch', async () => {
    const store = await engine.open();
    await expect(store.ruleState.save([ruleInstance('ok'), ruleInstance('bad', { counters: { runs: Number.NaN } })], [])).rejects.toThrow(RangeError);
    expect(await store.ruleState.all()).toEqual([]);
  });
});

describeEachEngine('store silences', (engine) => {
  it('creates a silence with its matchers and reads it back', async () => {
    const store = await engine.open();
    const created = await store.silences.create(silence());
    expect(created).toEqual({ ...silence(), id: expect.any(Number) });
    expect(await store.silences.get(created.id)).toEqual(created);
    expect(await store.silences.get(created.id + 1000)).toBeNull();
  });

  it('lists active and future silences by id, and expired ones only when asked', async () => {
    const store = await engine.open();
    const expired = await store.silences.create(silence({ endsAt: T0 + MINUTE, comment: 'expired' }));
    const active = await store.silences.create(silence({ comment: 'active' }));
    const future = await store.silences.create(silence({ startsAt: T0 + 90 * MINUTE, endsAt: T0 + 120 * MINUTE, comment: 'future' }));
    const at = T0 + 30 * MINUTE;
    expect((await store.silences.list(at)).map((s) => s.id)).toEqual([active.id, future.id]);
    expect((await store.silences.list(at, { includeExpired: false })).map((s) => s.id)).toEqual([active.id, future.id]);
    expect((await store.silences.list(at, { includeExpired: true })).map((s) => s.id)).toEqual([expired.id, active.id, future.id]);
    // A silence ending exactly at `at` has ended.
    expect((await store.silences.list(T0 + 60 * MINUTE)).map((s) => s.id)).toEqual([future.id]);
  });

  it('expires a silence now, never extending one that already ended, and refuses an unknown id', async () => {
    const store = await engine.open();
    const active = await store.silences.create(silence());
    const ended = await store.silences.create(silence({ endsAt: T0 + MINUTE }));
    const at = T0 + 10 * MINUTE;
    expect(await store.silences.expire(active.id, at)).toEqual({ ...active, endsAt: at });
    expect(await store.silences.expire(ended.id, at)).toEqual(ended);
    expect(await store.silences.list(at)).toEqual([]);
    await expect(store.silences.expire(999, at)).rejects.toThrow(NotFoundError);
    await expect(store.silences.expire(999, at)).rejects.toThrow('999');
  });
});

describeEachEngine('store postmortems', (engine) => {
  it('creates a postmortem of an incident and finds it by id and by incident', async () => {
    const store = await engine.open();
    const incident = await store.incidents.create(newIncident(), opened());
    const created = await store.postmortems.create(postmortem(incident.id));
    expect(created).toEqual({ ...postmortem(incident.id), id: expect.any(Number), updatedAt: T0 + 120 * MINUTE, publishedAt: null });
    expect(await store.postmortems.get(created.id)).toEqual(created);
    expect(await store.postmortems.byIncident(incident.id)).toEqual(created);
    expect(await store.postmortems.byIncident(incident.id + 1000)).toBeNull();
    expect(await store.postmortems.get(created.id + 1000)).toBeNull();
  });

  it('refuses a second postmortem of the same incident with a ConflictError, keeping the first', async () => {
    const store = await engine.open();
    const incident = await store.incidents.create(newIncident(), opened());
    const first = await store.postmortems.create(postmortem(incident.id));
    await expect(store.postmortems.create(postmortem(incident.id, { title: 'again' }))).rejects.toThrow(ConflictError);
    await expect(store.postmortems.create(postmortem(incident.id, { title: 'again' }))).rejects.toThrow(String(incident.id));
    expect(await store.postmortems.byIncident(incident.id)).toEqual(first);
  });

  it('updates the given fields of a postmortem, publishes it, and refuses an unknown id', async () => {
    const store = await engine.open();
    const incident = await store.incidents.create(newIncident(), opened());
    const created = await store.postmortems.create(postmortem(incident.id));
    const items = [{ title: 'Add a readiness probe', owner: 'bob', status: 'done' as const }];
    const edited = await store.postmortems.update(created.id, { markdown: '## Summary\n\nRewritten.', actionItems: items }, T0 + 200 * MINUTE);
    expect(edited).toEqual({ ...created, markdown: '## Summary\n\nRewritten.', actionItems: items, updatedAt: T0 + 200 * MINUTE });
    const published = await store.postmortems.update(created.id, { status: 'published', publishedAt: T0 + 300 * MINUTE }, T0 + 300 * MINUTE);
    expect(published).toMatchObject({ status: 'published', publishedAt: T0 + 300 * MINUTE, title: created.title, actionItems: items });
    expect(await store.postmortems.get(created.id)).toEqual(published);
    await expect(store.postmortems.update(5151, { title: 'x' }, T0)).rejects.toThrow(NotFoundError);
    await expect(store.postmortems.update(5151, { title: 'x' }, T0)).rejects.toThrow('5151');
  });

  it('lists postmortems newest first, by status, page by page', async () => {
    const store = await engine.open();
    const published: number[] = [];
    const all: number[] = [];
    for (let i = 0; i < 7; i++) {
      const incident = await store.incidents.create(newIncident({ service: `svc${i}` }), opened());
      const status = i % 2 === 0 ? 'published' : 'draft';
      const created = await store.postmortems.create(postmortem(incident.id, { status }));
      if (status === 'published') {
        expect(created.publishedAt).toBe(created.createdAt);
        published.push(created.id);
      }
      all.push(created.id);
    }
    const pagesOf = (status?: 'published') =>
      allPages(async (before) => {
        const page = await store.postmortems.list({ limit: 3, ...(status ? { status } : {}), ...(before === undefined ? {} : { before }) });
        return { ids: page.postmortems.map((p) => p.id), nextCursor: page.nextCursor };
      });
    const allPagesSeen = await pagesOf();
    expect(allPagesSeen.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(allPagesSeen.flat()).toEqual([...all].reverse());
    const publishedPages = await pagesOf('published');
    expect(publishedPages.map((p) => p.length)).toEqual([3, 1]);
    expect(publishedPages.flat()).toEqual([...published].reverse());
  });
});

describeEachEngine('store alerting lifecycle', (engine) => {
  it('keeps incidents, timelines, rule state, silences and postmortems across close and reopen', async () => {
    const location = await engine.location();
    const first = await engine.open(location);
    const incident = await first.incidents.create(newIncident(), opened());
    await first.incidents.addEvent(incident.id, { at: T0 + MINUTE, kind: 'note', actor: 'bob', text: 'looking', value: null });
    await first.ruleState.save([ruleInstance(incident.fingerprint, { incidentId: incident.id })], []);
    const muted = await first.silences.create(silence());
    const written = await first.postmortems.create(postmortem(incident.id));
    const events = await first.incidents.events(incident.id);
    await first.close();

    const reopened = await engine.open(location);
    expect(await reopened.incidents.get(incident.id)).toEqual(incident);
    expect(await reopened.incidents.events(incident.id)).toEqual(events);
    expect(await reopened.ruleState.all()).toEqual([ruleInstance(incident.fingerprint, { incidentId: incident.id })]);
    expect(await reopened.silences.list(T0)).toEqual([muted]);
    expect(await reopened.postmortems.byIncident(incident.id)).toEqual(written);
    // Ids go on from where they were, never reused.
    const next = await reopened.incidents.create(newIncident({ env: 'dev' }), opened());
    expect(next.id).toBeGreaterThan(incident.id);
  });
});
