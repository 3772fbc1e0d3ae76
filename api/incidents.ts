// Incidents and their postmortems over HTTP: list with filters and cursor paging, one with its
// timeline, acknowledge / resolve / note (through the engine's IncidentActions, one transaction
// each), and postmortems drafted from an incident, edited and listed as history.
import { Hono } from 'hono';
import { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import { NotFoundError, BadRequestError } from '../lib/errors.js';
import { draftPostmortem } from '../rules/postmortem.js';
import type { IncidentActions } from '../rules/types.js';
import { INCIDENT_STATES, SEVERITIES, type Incident, type Postmortem, type Store } from '../store/types.js';
import { actorOf, readBody } from './mutations.js';
import { idParam, parseQuery } from './params.js';
import { parseTime } from './series-params.js';
import type { IncidentDetailResponse, IncidentJson, IncidentListResponse, PostmortemSummaryJson } from './types.js';

export interface IncidentRoutesDeps {
  readonly store: Pick<Store, 'incidents' | 'postmortems'>;
  readonly actions: IncidentActions;
  readonly clock: Clock;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

/** `a,b` or repeated parameters, each checked against `allowed`. */
function listParam<T extends string>(allowed: readonly T[], what: string) {
  return z
    .array(z.string())
    .optional()
    .transform((values, ctx) => {
      if (values === undefined) return undefined;
      const items = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
      for (const item of items) {
        if (!(allowed as readonly string[]).includes(item)) {
          ctx.addIssue({ code: 'custom', message: `unknown ${what} "${item.slice(0, 50)}"; expected one of ${allowed.join(', ')}` });
          return z.NEVER;
        }
      }
      return items as T[];
    });
}

const single = z.array(z.string()).optional().transform((values) => values?.[values.length - 1]);
const cursorParam = single.pipe(z.string().regex(/^\d{1,15}$/, 'expected the nextCursor of the previous page').transform(Number).optional());
const limitParam = single.pipe(
  z.string().regex(/^\d+$/, `expected a number from 1 to ${MAX_PAGE}`).transform(Number).pipe(z.number().int().min(1).max(MAX_PAGE)).optional(),
);

const incidentQuery = z.strictObject({
  env: single,
  service: single,
  rule: single,
  state: listParam(INCIDENT_STATES, 'state'),
  severity: listParam(SEVERITIES, 'severity'),
  from: single,
  to: single,
  cursor: cursorParam,
  limit: limitParam,
});

const postmortemQuery = z.strictObject({
  status: single.pipe(z.enum(['draft', 'published']).optional()),
  cursor: cursorParam,
  limit: limitParam,
});

const byBody = z.strictObject({ by: z.string().optional(), note: z.string().max(10_000).optional() });
const noteBody = z.strictObject({ by: z.string().optional(), text: z.string().trim().min(1, 'a note needs text').max(10_000) });
const actionItem = z.strictObject({
  title: z.string().trim().min(1).max(500),
  owner: z.string().trim().min(1).max(100).nullable().default(null),
  status: z.enum(['open', 'done']).default('open'),
});
const newPostmortemBody = z.strictObject({ by: z.string().optional(), title: z.string().trim().min(1).max(300).optional() });
const postmortemChanges = z
  .strictObject({
    title: z.string().trim().min(1).max(300).optional(),
    status: z.enum(['draft', 'published']).optional(),
    markdown: z.string().max(512 * 1024).optional(),
    actionItems: z.array(actionItem).max(200).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change: give title, status, markdown or actionItems');

/** The routes, to mount at /api/v1. */
export function incidentRoutes(deps: IncidentRoutesDeps): Hono {
  const { store, actions, clock } = deps;
  const app = new Hono();

  app.get('/incidents', async (c) => {
    const q = parseQuery(c, incidentQuery);
    const at = clock.now();
    const from = q.from === undefined ? undefined : timeParam('from', q.from, at);
    const to = q.to === undefined ? undefined : timeParam('to', q.to, at);
    const page = await store.incidents.list({
      env: q.env,
      service: q.service,
      rule: q.rule,
      states: q.state,
      severities: q.severity,
      from,
      to,
      before: q.cursor,
      limit: q.limit ?? DEFAULT_PAGE,
    });
    const body: IncidentListResponse = { incidents: page.incidents.map(incidentJson), nextCursor: page.nextCursor };
    return c.json(body);
  });

  app.get('/incidents/:id', async (c) => {
    const id = idParam(c);
    const incident = await store.incidents.get(id);
    if (!incident) throw new NotFoundError(`no incident ${id}`);
    const [timeline, postmortem] = await Promise.all([store.incidents.events(id), store.postmortems.byIncident(id)]);
    const body: IncidentDetailResponse = { incident: incidentJson(incident), timeline, postmortemId: postmortem?.id ?? null };
    return c.json(body);
  });

  app.post('/incidents/:id/acknowledge', async (c) => {
    const id = idParam(c);
    const body = await readBody(c, byBody);
    const by = actorOf(c, body.by);
    const incident = await actions.acknowledge(id, by, clock.now());
    if (body.note) await actions.addNote(id, by, body.note, clock.now());
    return c.json(incidentJson(incident));
  });

  app.post('/incidents/:id/resolve', async (c) => {
    const id = idParam(c);
    const body = await readBody(c, byBody);
    return c.json(incidentJson(await actions.resolve(id, actorOf(c, body.by), clock.now(), body.note ?? null)));
  });

  app.post('/incidents/:id/notes', async (c) => {
    const id = idParam(c);
    const body = await readBody(c, noteBody);
    return c.json(await actions.addNote(id, actorOf(c, body.by), body.text, clock.now()), 201);
  });

  app.post('/incidents/:id/postmortem', async (c) => {
    const id = idParam(c);
    const body = await readBody(c, newPostmortemBody);
    const incident = await store.incidents.get(id);
    if (!incident) throw new NotFoundError(`no incident ${id}`);
    const at = clock.now();
    const draft = draftPostmortem(incident, await store.incidents.events(id), at);
    const postmortem = await store.postmortems.create({
      incidentId: id,
      title: body.title ?? draft.title,
      status: 'draft',
      markdown: draft.markdown,
      actionItems: draft.actionItems,
      author: actorOf(c, body.by),
      createdAt: at,
    });
    return c.json(postmortem, 201);
  });

  app.get('/postmortems', async (c) => {
    const q = parseQuery(c, postmortemQuery);
    const page = await store.postmortems.list({ status: q.status, before: q.cursor, limit: q.limit ?? DEFAULT_PAGE });
    const at = clock.now();
    const rows = await Promise.all(page.postmortems.map(async (p) => postmortemSummary(p, await store.incidents.get(p.incidentId), at)));
    return c.json({ postmortems: rows, nextCursor: page.nextCursor });
  });

  app.get('/postmortems/:id', async (c) => {
    const id = idParam(c);
    const postmortem = await store.postmortems.get(id);
    if (!postmortem) throw new NotFoundError(`no postmortem ${id}`);
    return c.json(postmortem);
  });

  app.put('/postmortems/:id', async (c) => {
    const id = idParam(c);
    const changes = await readBody(c, postmortemChanges);
    const current = await store.postmortems.get(id);
    if (!current) throw new NotFoundError(`no postmortem ${id}`);
    const at = clock.now();
    // Published once: the first publication's time stays, a later edit does not move it.
    const publishedAt = changes.status === 'published' ? (current.publishedAt ?? at) : changes.status === 'draft' ? null : undefined;
    return c.json(await store.postmortems.update(id, { ...changes, ...(publishedAt === undefined ? {} : { publishedAt }) }, at));
  });

  return app;
}

/** The stored incident plus MTTA and MTTR in seconds. */
export function incidentJson(incident: Incident): IncidentJson {
  return {
    ...incident,
    mttaSeconds: incident.acknowledgedAt === null ? null : (incident.acknowledgedAt - incident.openedAt) / 1000,
    mttrSeconds: incident.resolvedAt === null ? null : (incident.resolvedAt - incident.openedAt) / 1000,
  };
}

function postmortemSummary(postmortem: Postmortem, incident: Incident | null, at: number): PostmortemSummaryJson {
  const end = incident?.resolvedAt ?? at;
  return {
    id: postmortem.id,
    incidentId: postmortem.incidentId,
    title: postmortem.title,
    status: postmortem.status,
    severity: incident?.severity ?? 'info',
    env: incident?.env ?? null,
    service: incident?.service ?? null,
    openedAt: incident?.openedAt ?? postmortem.createdAt,
    durationSeconds: incident ? (end - incident.openedAt) / 1000 : 0,
    mttrSeconds: incident?.resolvedAt == null ? null : (incident.resolvedAt - incident.openedAt) / 1000,
    openActionItems: postmortem.actionItems.filter((item) => item.status === 'open').length,
    updatedAt: postmortem.updatedAt,
  };
}



function timeParam(name: string, text: string, at: number): number {
  const ms = parseTime(text, at);
  if (ms === null) throw new BadRequestError(`${name}: expected epoch milliseconds, an ISO date, "now" or "now-1h", got "${text.slice(0, 50)}"`);
  return ms;
}
