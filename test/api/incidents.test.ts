import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertingRoutes } from '../../api/alerting.js';
import { errorResponse } from '../../api/errors.js';
import { incidentRoutes } from '../../api/incidents.js';
import { mutationGuard } from '../../api/mutations.js';
import type { IncidentDetailResponse, IncidentListResponse, PostmortemSummaryJson } from '../../api/types.js';
import type { IncidentActions } from '../../rules/types.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { NewIncident, Postmortem, Silence, Store } from '../../store/types.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

function newIncident(over: Partial<NewIncident> = {}): NewIncident {
  return {
    fingerprint: 'fp-api',
    rule: 'CheckDown',
    severity: 'page',
    labels: { alertname: 'CheckDown', env: 'prod', service: 'api', check: 'http', severity: 'page' },
    env: 'prod',
    service: 'api',
    check: 'http',
    summary: 'prod/api/http is down',
    runbook: 'https://runbooks.example.com/api/http',
    openedAt: T0,
    lastValue: 2,
    ...over,
  };
}

/** Actions straight on the store: the routes' own behaviour is under test here, the engine's rules in test/rules. */
function storeActions(store: Store): IncidentActions {
  return {
    acknowledge: (id, by, at) => store.incidents.update(id, { state: 'acknowledged', acknowledgedAt: at, acknowledgedBy: by }, { at, kind: 'acknowledged', actor: by, text: null, value: null }, at),
    resolve: (id, by, at, note) => store.incidents.update(id, { state: 'resolved', resolvedAt: at, resolvedBy: by }, { at, kind: 'resolved', actor: by, text: note, value: null }, at),
    addNote: (id, by, text, at) => store.incidents.addEvent(id, { at, kind: 'note', actor: by, text, value: null }),
  };
}

describe('the incidents, postmortems and silences API', () => {
  let dir: string;
  let store: Store;
  let now = T0;
  let app: Hono;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-incidents-api-'));
    store = await openSqliteStore(path.join(dir, 'vigil.db'), { readers: 0 });
    now = T0 + 10 * 60_000;
    const clock = { now: () => now };
    app = new Hono();
    app.onError((err, c) => errorResponse(c, err));
    app.use('/api/*', mutationGuard());
    app.route('/api/v1', incidentRoutes({ store, actions: storeActions(store), clock }));
    app.route(
      '/api/v1',
      alertingRoutes({
        store,
        alerting: { rules: () => [], slos: () => [] },
        maintenance: [
          { id: 'maintenance[0]', environments: ['staging'], services: null, reason: 'weekly', schedule: { kind: 'cron', cron: '0 2 * * SUN', durationMs: 3_600_000, timezone: 'UTC' } },
          { id: 'maintenance[1]', environments: null, services: ['api'], reason: 'PG 16', schedule: { kind: 'once', start: T0, end: T0 + 3_600_000 } },
        ],
        clock,
      }),
    );
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async <T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await app.request(url, init);
    return { status: res.status, body: (await res.json()) as T };
  };
  const open = (over: Partial<NewIncident> = {}) =>
    store.incidents.create(newIncident(over), { at: over.openedAt ?? T0, kind: 'opened', actor: null, text: 'opened by the rule', value: 2 });

  it('lists incidents newest first with filters and cursor paging, with MTTA and MTTR', async () => {
    const first = await open({ fingerprint: 'a', openedAt: T0 });
    await open({ fingerprint: 'b', env: 'staging', openedAt: T0 + 1_000 });
    const third = await open({ fingerprint: 'c', severity: 'ticket', openedAt: T0 + 2_000 });
    await call('POST', `/api/v1/incidents/${first.id}/acknowledge`, { by: 'alice' });
    now = T0 + 20 * 60_000;
    await call('POST', `/api/v1/incidents/${first.id}/resolve`, { by: 'alice' });

    const page1 = await call<IncidentListResponse>('GET', '/api/v1/incidents?limit=2');
    expect(page1.body.incidents.map((i) => i.fingerprint)).toEqual(['c', 'b']);
    const page2 = await call<IncidentListResponse>('GET', `/api/v1/incidents?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.incidents.map((i) => i.fingerprint)).toEqual(['a']);
    expect(page2.body.nextCursor).toBeNull();
    expect(page2.body.incidents[0]).toMatchObject({ state: 'resolved', mttaSeconds: 600, mttrSeconds: 1200, resolvedBy: 'alice' });

    const prodPages = await call<IncidentListResponse>('GET', '/api/v1/incidents?env=prod&severity=page');
    expect(prodPages.body.incidents.map((i) => i.fingerprint)).toEqual(['a']);
    const active = await call<IncidentListResponse>('GET', '/api/v1/incidents?state=open,acknowledged');
    expect(active.body.incidents.map((i) => i.id)).toEqual([third.id, third.id - 1]);
    const since = await call<IncidentListResponse>('GET', `/api/v1/incidents?from=${T0 + 1_000}`);
    expect(since.body.incidents.map((i) => i.fingerprint)).toEqual(['c', 'b']);
  });

  it.each([
    ['an unknown state', '/api/v1/incidents?state=closed', /unknown state "closed"/],
    ['an unknown severity', '/api/v1/incidents?severity=critical', /unknown severity "critical"/],
    ['a limit out of range', '/api/v1/incidents?limit=100000', /limit/],
    ['a cursor that is not one', '/api/v1/incidents?cursor=abc', /cursor/],
    ['an unknown parameter', '/api/v1/incidents?colour=red', /colour/],
    ['a time that is not one', '/api/v1/incidents?from=yesterday', /from: expected/],
    ['an id that is not a number', '/api/v1/incidents/abc', /numeric id/],
  ])('answers 400 naming the problem for %s', async (_name, url, message) => {
    const res = await call<{ error: { code: string; message: string } }>('GET', url);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('shows one incident with its timeline and answers 404 for one that does not exist', async () => {
    const incident = await open();
    await call('POST', `/api/v1/incidents/${incident.id}/notes`, { text: 'restarting the pods' }, { 'X-Vigil-User': 'bob' });
    const detail = await call<IncidentDetailResponse>('GET', `/api/v1/incidents/${incident.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.timeline.map((e) => [e.kind, e.actor, e.text])).toEqual([
      ['opened', null, 'opened by the rule'],
      ['note', 'bob', 'restarting the pods'],
    ]);
    expect(detail.body.postmortemId).toBeNull();
    const missing = await call<{ error: { code: string } }>('GET', '/api/v1/incidents/999');
    expect(missing).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'no incident 999' } } });
  });

  it.each([
    ['a body that is not JSON', '{not json', /not valid JSON/],
    ['an unknown field', { text: 'x', colour: 'red' }, /colour/],
    ['an empty note', { text: '   ' }, /a note needs text/],
    ['a user name with a line break', { text: 'x', by: 'eve\nresolved by admin' }, /control characters/],
  ])('refuses a note with %s', async (_name, body, message) => {
    const incident = await open();
    const res = await call<{ error: { message: string } }>('POST', `/api/v1/incidents/${incident.id}/notes`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
    expect((await store.incidents.events(incident.id)).map((e) => e.kind)).toEqual(['opened']);
  });

  it('refuses a body over the size limit before reading it', async () => {
    const incident = await open();
    const res = await call<{ error: { message: string } }>('POST', `/api/v1/incidents/${incident.id}/notes`, { text: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/larger than 1024 KiB/);
  });

  it('drafts a postmortem from an incident, refuses a second, and keeps it in the history once published', async () => {
    const incident = await open();
    await call('POST', `/api/v1/incidents/${incident.id}/acknowledge`, { by: 'alice' });
    now = T0 + 45 * 60_000;
    await call('POST', `/api/v1/incidents/${incident.id}/resolve`, { by: 'alice', note: 'rolled back' });

    const created = await call<Postmortem>('POST', `/api/v1/incidents/${incident.id}/postmortem`, { by: 'alice' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ incidentId: incident.id, status: 'draft', author: 'alice', title: 'Postmortem: prod/api/http is down' });
    // The draft carries what Vigil knows: where, when, the runbook and the timeline.
    expect(created.body.markdown).toContain('**Where:** prod/api/http');
    expect(created.body.markdown).toContain('https://runbooks.example.com/api/http');
    expect(created.body.markdown).toMatch(/\| 2026-12-01T09:10:00Z \| acknowledged \| alice \|/);
    expect(created.body.markdown).toMatch(/\| 2026-12-01T09:45:00Z \| resolved \| alice \| rolled back \|/);

    const again = await call<{ error: { code: string } }>('POST', `/api/v1/incidents/${incident.id}/postmortem`, {});
    expect(again.status).toBe(409);
    expect((await call('POST', '/api/v1/incidents/999/postmortem', {})).status).toBe(404);

    now = T0 + 60 * 60_000;
    const published = await call<Postmortem>('PUT', `/api/v1/postmortems/${created.body.id}`, {
      status: 'published',
      actionItems: [
        { title: 'Alert on replica lag', owner: 'bob', status: 'open' },
        { title: 'Add a canary', owner: null, status: 'done' },
      ],
    });
    expect(published.body).toMatchObject({ status: 'published', publishedAt: now, updatedAt: now });
    const detail = await call<IncidentDetailResponse>('GET', `/api/v1/incidents/${incident.id}`);
    expect(detail.body.postmortemId).toBe(created.body.id);

    const history = await call<{ postmortems: PostmortemSummaryJson[] }>('GET', '/api/v1/postmortems?status=published');
    expect(history.body.postmortems).toEqual([
      expect.objectContaining({ id: created.body.id, incidentId: incident.id, durationSeconds: 2700, mttrSeconds: 2700, openActionItems: 1, severity: 'page' }),
    ]);
    const empty = await call<{ error: { message: string } }>('PUT', `/api/v1/postmortems/${created.body.id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/nothing to change/);
  });

  it('creates, lists and expires silences, and refuses one that would mute everything', async () => {
    const created = await call<Silence>('POST', '/api/v1/silences', { matchers: { env: 'staging', service: '=~api|web' }, duration: '2h', comment: 'load test', by: 'carol' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      matchers: [
        { label: 'env', op: '=', value: 'staging' },
        { label: 'service', op: '=~', value: 'api|web' },
      ],
      startsAt: now,
      endsAt: now + 2 * 3_600_000,
      createdBy: 'carol',
      comment: 'load test',
    });
    expect((await call<{ silences: Silence[] }>('GET', '/api/v1/silences')).body.silences).toHaveLength(1);

    const expired = await call<Silence>('DELETE', `/api/v1/silences/${created.body.id}`);
    expect(expired.body.endsAt).toBe(now);
    now += 1;
    expect((await call<{ silences: Silence[] }>('GET', '/api/v1/silences')).body.silences).toHaveLength(0);
    expect((await call<{ silences: Silence[] }>('GET', '/api/v1/silences?all=1')).body.silences).toHaveLength(1);
  });

  it.each([
    ['matchers that match everything', { matchers: { env: '=~.*' }, duration: '1h', comment: 'x' }, /silence of every alert is refused/],
    ['an invalid regex', { matchers: { env: '=~(prod' }, duration: '1h', comment: 'x' }, /invalid regular expression/],
    ['no comment', { matchers: { env: 'prod' }, duration: '1h' }, /comment/],
    ['both an end and a duration', { matchers: { env: 'prod' }, duration: '1h', endsAt: T0 + 99 * 3_600_000, comment: 'x' }, /endsAt or duration/],
    ['an end in the past', { matchers: { env: 'prod' }, endsAt: T0, comment: 'x' }, /in the past/],
    ['a silence of a year', { matchers: { env: 'prod' }, duration: '365d', comment: 'x' }, /at most 90d/],
  ])('refuses a silence with %s', async (_name, body, message) => {
    const res = await call<{ error: { message: string } }>('POST', '/api/v1/silences', body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
    expect(await store.silences.list(now, { includeExpired: true })).toEqual([]);
  });

  it('lists maintenance windows with the one in force and the next of a schedule', async () => {
    const res = await call<{ maintenance: Array<{ id: string; active: boolean; next: { start: number; end: number } | null }> }>('GET', '/api/v1/maintenance');
    // 2026-12-01 is a Tuesday: the next Sunday 02:00 UTC is 2026-12-06.
    expect(res.body.maintenance).toEqual([
      expect.objectContaining({ id: 'maintenance[0]', active: false, next: { start: Date.UTC(2026, 11, 6, 2), end: Date.UTC(2026, 11, 6, 3) } }),
      expect.objectContaining({ id: 'maintenance[1]', active: true, next: { start: T0, end: T0 + 3_600_000 }, reason: 'PG 16' }),
    ]);
  });
});
