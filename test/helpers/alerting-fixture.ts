// An in-memory stand-in for Vigil's alerting API, for the dashboard's browser tests: it serves the built
// dashboard (dist/dashboard) and answers the incident, postmortem, SLO, silence and status routes from a
// small fixture, so the UI is tested without the rules engine (which has its own end-to-end tests).
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import { incidentJson } from '../../api/incidents.js';
import type { CellStatus, StatusResponse } from '../../api/types.js';
import { draftPostmortem } from '../../rules/postmortem.js';
import type { SloStatus } from '../../rules/types.js';
import type { Incident, IncidentEvent, Postmortem, Silence } from '../../store/types.js';

const DASHBOARD_DIR = path.resolve(import.meta.dirname, '..', '..', 'dist', 'dashboard');
const HOUR = 3_600_000;

export interface AlertingFixture {
  readonly url: string;
  readonly incidents: Map<number, Incident>;
  readonly postmortems: Map<number, Postmortem>;
  /** Every mutating request, as `METHOD path by`. */
  readonly actions: string[];
  close(): Promise<void>;
}

function fixtureIncident(id: number, at: number, change: Partial<Incident>): Incident {
  return {
    id,
    fingerprint: `fp-${id}`,
    rule: 'CheckDown',
    severity: 'ticket',
    labels: {},
    env: 'dev',
    service: 'web',
    check: 'http',
    summary: `web http failed (${id})`,
    runbook: 'https://runbooks.example.com/web/http',
    state: 'resolved',
    openedAt: at - (70 - id) * HOUR,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: at - (70 - id) * HOUR + 12 * 60_000,
    resolvedBy: null,
    lastValue: null,
    reopenCount: 0,
    updatedAt: at,
    ...change,
  };
}

/** Three services (web, api, db), or `services` generated ones of which every 150th is down somewhere. */
function statusAt(at: number, count?: number): StatusResponse {
  const environments = ['dev', 'staging', 'prod'];
  const services = count === undefined ? ['web', 'api', 'db'] : Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
  const statusOf = (env: string, service: string): CellStatus => {
    if (count === undefined) return env === 'prod' && service === 'api' ? 'down' : env === 'staging' && service === 'db' ? 'degraded' : 'up';
    const i = Number(service.slice(4));
    return i % 150 === 7 && env !== 'dev' ? 'down' : i % 350 === 11 ? 'degraded' : 'up';
  };
  return {
    generatedAt: at,
    environments,
    incidents: [],
    services: services.map((name) => ({ name, owner: `team-${name}`, description: null })),
    cells: environments.flatMap((env) =>
      services.map((service) => {
        const status = statusOf(env, service);
        const error = status === 'down' ? 'http: expected status 200, got 500' : status === 'degraded' ? 'replica lag 42 s' : null;
        return { env, service, status, checks: [{ id: `${env}/${service}/http`, name: 'http', kind: 'http', status, lastRunAt: at - 3000, durationSeconds: 0.08, error, detail: null, runbook: null }] };
      }),
    ),
  };
}

function slosAt(at: number): SloStatus[] {
  const slo = (id: string, env: string, service: string, sli: 'availability' | 'latency', objective: number, remaining: number | null, rates: Array<number | null>): SloStatus => ({
    id,
    name: `${service} ${sli}`,
    env,
    service,
    sli,
    objective,
    windowStart: at - 28 * 24 * HOUR,
    windowEnd: at,
    sliValue: remaining === null ? null : 1 - (1 - objective) * (1 - remaining),
    errorBudgetRemaining: remaining,
    burnRates: [300_000, HOUR, 6 * HOUR, 24 * HOUR].map((windowMs, i) => ({ windowMs, rate: rates[i] ?? null })),
    events: { good: 99_812, total: 100_000 },
    maintenanceMs: 0,
  });
  return [
    slo('prod/api/availability', 'prod', 'api', 'availability', 0.999, -0.32, [18.2, 15.1, 4.2, 1.3]),
    slo('prod/api/latency', 'prod', 'api', 'latency', 0.99, 0.14, [7.5, 6.2, 2.1, 0.9]),
    slo('prod/web/availability', 'prod', 'web', 'availability', 0.999, 0.86, [0, 0.2, 0.3, 0.1]),
    slo('staging/db/availability', 'staging', 'db', 'availability', 0.99, 0.55, [1.2, 0.9, 0.8, 0.4]),
    slo('prod/db/latency', 'prod', 'db', 'latency', 0.995, null, [null, null, null, null]),
  ];
}

/** Starts the fixture server on a loopback port; needs `npm run build:dashboard` first. */
export async function startAlertingFixture(options: { readonly at?: number; readonly services?: number } = {}): Promise<AlertingFixture> {
  const at = options.at ?? Date.now();
  if (!fs.existsSync(path.join(DASHBOARD_DIR, 'index.html'))) throw new Error('dist/dashboard is missing: run "npm run build:dashboard" first');
  const incidents = new Map<number, Incident>();
  const events = new Map<number, IncidentEvent[]>();
  const postmortems = new Map<number, Postmortem>();
  const silences: Silence[] = [
    { id: 1, matchers: [{ label: 'env', op: '=', value: 'staging' }], startsAt: at - HOUR, endsAt: at + 2 * HOUR, createdBy: 'bob', comment: 'PG 16 upgrade', createdAt: at - HOUR },
  ];
  const actions: string[] = [];
  let eventId = 0;
  const addEvent = (incidentId: number, event: Omit<IncidentEvent, 'id' | 'incidentId'>) => {
    const list = events.get(incidentId) ?? [];
    list.push({ id: ++eventId, incidentId, ...event });
    events.set(incidentId, list);
  };
  // 60 resolved incidents (two pages of history), one acknowledged ticket, one open page.
  for (let id = 1; id <= 60; id++) {
    const incident = fixtureIncident(id, at, { severity: id % 3 === 0 ? 'info' : 'ticket', resolvedBy: id % 2 ? 'carol' : null });
    incidents.set(id, incident);
    addEvent(id, { at: incident.openedAt, kind: 'opened', actor: null, text: null, value: 1 });
    addEvent(id, { at: incident.resolvedAt!, kind: 'resolved', actor: incident.resolvedBy, text: null, value: null });
  }
  incidents.set(61, fixtureIncident(61, at, {
    severity: 'ticket', env: 'staging', service: 'db', check: 'replica_lag', rule: 'ReplicaLagHigh', summary: 'Replica lag 42s on staging/db',
    runbook: 'https://runbooks.example.com/replica-lag', state: 'acknowledged', openedAt: at - 50 * 60_000, acknowledgedAt: at - 44 * 60_000,
    acknowledgedBy: 'bob', resolvedAt: null, lastValue: 42,
  }));
  addEvent(61, { at: at - 50 * 60_000, kind: 'opened', actor: null, text: null, value: 42 });
  addEvent(61, { at: at - 44 * 60_000, kind: 'acknowledged', actor: 'bob', text: null, value: null });
  incidents.set(62, fixtureIncident(62, at, {
    severity: 'page', env: 'prod', service: 'api', summary: 'api http down in prod: expected status 200, got 500', runbook: 'https://runbooks.example.com/api/http',
    state: 'open', openedAt: at - 7 * 60_000, resolvedAt: null, lastValue: 3,
  }));
  addEvent(62, { at: at - 7 * 60_000, kind: 'opened', actor: null, text: null, value: 3 });

  const app = new Hono();
  const notFound = (c: Context, what: string) => c.json({ error: { code: 'not_found', message: `no ${what}` } }, 404);
  const conflict = (c: Context, message: string) => c.json({ error: { code: 'conflict', message } }, 409);
  const now = () => Date.now();
  const body = async (c: Context): Promise<Record<string, unknown>> => {
    const parsed = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    actions.push(`${c.req.method} ${c.req.path} ${String(parsed.by ?? '')}`.trim());
    return parsed;
  };
  const change = (id: number, update: Partial<Incident>) => {
    const next = { ...incidents.get(id)!, ...update, updatedAt: now() };
    incidents.set(id, next);
    return next;
  };

  app.get('/api/v1/status', (c) => c.json(statusAt(now(), options.services)));
  app.get('/api/v1/slos', (c) => c.json({ slos: slosAt(now()) }));
  app.get('/api/v1/rules', (c) => c.json({ rules: [], alerts: { inactive: 0, pending: 0, firing: 2 } }));
  app.get('/api/v1/incidents', (c) => {
    const states = c.req.query('state')?.split(',');
    const severities = c.req.query('severity')?.split(',');
    const env = c.req.query('env');
    const service = c.req.query('service');
    const cursor = Number(c.req.query('cursor') ?? Infinity);
    const limit = Number(c.req.query('limit') ?? 50);
    const matching = [...incidents.values()]
      .filter((i) => (!states || states.includes(i.state)) && (!severities || severities.includes(i.severity)))
      .filter((i) => (!env || i.env === env) && (!service || i.service === service) && i.id < cursor)
      .sort((a, b) => b.id - a.id);
    const page = matching.slice(0, limit);
    return c.json({ incidents: page.map(incidentJson), nextCursor: matching.length > limit ? page[page.length - 1]!.id : null });
  });
  app.get('/api/v1/incidents/:id', (c) => {
    const id = Number(c.req.param('id'));
    const incident = incidents.get(id);
    if (!incident) return notFound(c, `incident ${id}`);
    const postmortem = [...postmortems.values()].find((p) => p.incidentId === id);
    return c.json({ incident: incidentJson(incident), timeline: events.get(id) ?? [], postmortemId: postmortem?.id ?? null });
  });
  app.post('/api/v1/incidents/:id/acknowledge', async (c) => {
    const id = Number(c.req.param('id'));
    const { by } = await body(c);
    const incident = incidents.get(id);
    if (!incident) return notFound(c, `incident ${id}`);
    if (incident.state === 'resolved') return conflict(c, 'resolved');
    addEvent(id, { at: now(), kind: 'acknowledged', actor: String(by), text: null, value: null });
    return c.json(incidentJson(change(id, { state: 'acknowledged', acknowledgedAt: now(), acknowledgedBy: String(by) })));
  });
  app.post('/api/v1/incidents/:id/resolve', async (c) => {
    const id = Number(c.req.param('id'));
    const { by, note } = await body(c);
    if (incidents.get(id)?.state === 'resolved') return conflict(c, 'already resolved');
    addEvent(id, { at: now(), kind: 'resolved', actor: String(by), text: typeof note === 'string' ? note : null, value: null });
    return c.json(incidentJson(change(id, { state: 'resolved', resolvedAt: now(), resolvedBy: String(by) })));
  });
  app.post('/api/v1/incidents/:id/notes', async (c) => {
    const id = Number(c.req.param('id'));
    const { by, text } = await body(c);
    addEvent(id, { at: now(), kind: 'note', actor: String(by), text: String(text), value: null });
    return c.json(events.get(id)!.at(-1), 201);
  });
  app.post('/api/v1/incidents/:id/postmortem', async (c) => {
    const id = Number(c.req.param('id'));
    const { by } = await body(c);
    const incident = incidents.get(id);
    if (!incident) return notFound(c, `incident ${id}`);
    if ([...postmortems.values()].some((p) => p.incidentId === id)) return conflict(c, 'this incident has a postmortem');
    const draft = draftPostmortem(incident, events.get(id) ?? [], now());
    const postmortem: Postmortem = { id: postmortems.size + 1, incidentId: id, status: 'draft', author: String(by), createdAt: now(), updatedAt: now(), publishedAt: null, ...draft };
    postmortems.set(postmortem.id, postmortem);
    return c.json(postmortem, 201);
  });
  app.get('/api/v1/postmortems', (c) => {
    const rows = [...postmortems.values()].reverse().map((p) => {
      const incident = incidents.get(p.incidentId)!;
      const end = incident.resolvedAt ?? now();
      return {
        id: p.id, incidentId: p.incidentId, title: p.title, status: p.status, severity: incident.severity, env: incident.env, service: incident.service,
        openedAt: incident.openedAt, durationSeconds: (end - incident.openedAt) / 1000,
        mttrSeconds: incident.resolvedAt === null ? null : (incident.resolvedAt - incident.openedAt) / 1000,
        openActionItems: p.actionItems.filter((item) => item.status === 'open').length, updatedAt: p.updatedAt,
      };
    });
    return c.json({ postmortems: rows, nextCursor: null });
  });
  app.get('/api/v1/postmortems/:id', (c) => {
    const postmortem = postmortems.get(Number(c.req.param('id')));
    return postmortem ? c.json(postmortem) : notFound(c, 'postmortem');
  });
  app.put('/api/v1/postmortems/:id', async (c) => {
    const id = Number(c.req.param('id'));
    const current = postmortems.get(id);
    if (!current) return notFound(c, 'postmortem');
    const changes = (await body(c)) as Partial<Postmortem>;
    const publishedAt = changes.status === 'published' ? (current.publishedAt ?? now()) : changes.status === 'draft' ? null : current.publishedAt;
    const next: Postmortem = { ...current, ...changes, publishedAt, updatedAt: now() };
    postmortems.set(id, next);
    return c.json(next);
  });
  app.get('/api/v1/silences', (c) => c.json({ silences: silences.filter((s) => s.endsAt > now()) }));
  app.post('/api/v1/silences', async (c) => {
    const { matchers, duration, comment, by } = (await body(c)) as { matchers: Silence['matchers']; duration: string; comment: string; by: string };
    const hours = Number(/^(\d+)h$/.exec(duration)?.[1] ?? 1);
    const silence: Silence = { id: silences.length + 1, matchers, startsAt: now(), endsAt: now() + hours * HOUR, createdBy: by, comment, createdAt: now() };
    silences.push(silence);
    return c.json(silence, 201);
  });
  app.delete('/api/v1/silences/:id', async (c) => {
    await body(c);
    const index = silences.findIndex((s) => s.id === Number(c.req.param('id')));
    if (index === -1) return notFound(c, 'silence');
    silences[index] = { ...silences[index]!, endsAt: now() };
    return c.json(silences[index]);
  });
  app.all('/api/*', (c) => notFound(c, 'route'));
  const indexHtml = fs.readFileSync(path.join(DASHBOARD_DIR, 'index.html'), 'utf8');
  app.use('/*', serveStatic({ root: path.relative(process.cwd(), DASHBOARD_DIR) || '.' }));
  app.get('/*', (c) => c.html(indexHtml));

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    incidents,
    postmortems,
    actions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
