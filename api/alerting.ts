// Silences, rules and SLOs over HTTP. Silences are label matchers with an end time, who and why;
// rules and SLOs are read from the running engine (what it evaluated last, not a store query).
import { Hono } from 'hono';
import { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import { parseDuration } from '../lib/duration.js';
import { BadRequestError, NotFoundError } from '../lib/errors.js';
import { MATCH_OPS, compileMatcher, matchersFromMap, type Matcher } from '../lib/matchers.js';
import { nextMaintenance } from '../rules/maintenance.js';
import type { AlertingView, MaintenanceSpec } from '../rules/types.js';
import type { Store } from '../store/types.js';
import { actorOf, readBody } from './mutations.js';
import { idParam, parseQuery } from './params.js';
import { parseTime } from './series-params.js';

export interface AlertingRoutesDeps {
  readonly store: Pick<Store, 'silences'>;
  readonly alerting: Pick<AlertingView, 'rules' | 'slos'>;
  /** The config's maintenance windows. */
  readonly maintenance: readonly MaintenanceSpec[];
  readonly clock: Clock;
}

/** A silence longer than this is a rule that should be changed, not muted. */
export const MAX_SILENCE_MS = 90 * 86_400_000;
const MAX_MATCHERS = 20;

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a label name like env or alertname');
const matcherList = z.union([
  z.array(z.strictObject({ label: labelName, op: z.enum(MATCH_OPS as [string, ...string[]]), value: z.string().max(1_000) })).min(1).max(MAX_MATCHERS),
  z
    .record(labelName, z.string().max(1_000))
    .refine((map) => Object.keys(map).length >= 1 && Object.keys(map).length <= MAX_MATCHERS, `expected 1 to ${MAX_MATCHERS} matchers`),
]);

const newSilenceBody = z.strictObject({
  /** `{ env: prod, service: "=~api|web" }` or `[{ label, op, value }]`. */
  matchers: matcherList,
  startsAt: z.union([z.string(), z.number()]).optional(),
  endsAt: z.union([z.string(), z.number()]).optional(),
  /** Instead of endsAt: how long from the start, `2h`. */
  duration: z.string().optional(),
  by: z.string().optional(),
  comment: z.string().trim().min(1, 'say why the alerts are silenced').max(2_000),
});

/** The routes, to mount at /api/v1. */
export function alertingRoutes(deps: AlertingRoutesDeps): Hono {
  const { store, alerting, clock } = deps;
  const app = new Hono();

  app.get('/rules', (c) => {
    const rules = alerting.rules();
    const counts = { inactive: 0, pending: 0, firing: 0 };
    for (const rule of rules) for (const alert of rule.alerts) counts[alert.state]++;
    return c.json({ rules, alerts: counts });
  });

  app.get('/slos', (c) => c.json({ slos: alerting.slos() }));

  // What each configured window covers, whether it is on now, and its current or next window.
  app.get('/maintenance', (c) => {
    const at = clock.now();
    const windows = deps.maintenance.map((spec) => {
      const next = nextMaintenance(spec, at);
      return {
        id: spec.id,
        environments: spec.environments,
        services: spec.services,
        reason: spec.reason,
        schedule: spec.schedule,
        active: next !== null && next[0] <= at,
        next: next === null ? null : { start: next[0], end: next[1] },
      };
    });
    return c.json({ maintenance: windows });
  });

  app.get('/silences', async (c) => {
    const all = c.req.query('all');
    return c.json({ silences: await store.silences.list(clock.now(), { includeExpired: all === '1' || all === 'true' }) });
  });

  app.get('/silences/:id', async (c) => {
    const id = idParam(c);
    const silence = await store.silences.get(id);
    if (!silence) throw new NotFoundError(`no silence ${id}`);
    return c.json(silence);
  });

  app.post('/silences', async (c) => {
    const body = await readBody(c, newSilenceBody);
    const at = clock.now();
    const matchers = toMatchers(body.matchers);
    const startsAt = body.startsAt === undefined ? at : time('startsAt', body.startsAt, at);
    const endsAt = silenceEnd(body, startsAt, at);
    const silence = await store.silences.create({ matchers, startsAt, endsAt, createdBy: actorOf(c, body.by), comment: body.comment, createdAt: at });
    return c.json(silence, 201);
  });

  app.delete('/silences/:id', async (c) => c.json(await store.silences.expire(idParam(c), clock.now())));

  return app;
}

function toMatchers(written: z.output<typeof matcherList>): Matcher[] {
  const matchers = Array.isArray(written) ? (written as Matcher[]) : matchersFromMap(written);
  for (const matcher of matchers) {
    try {
      compileMatcher(matcher);
    } catch (error) {
      throw new BadRequestError(`matchers.${matcher.label}: ${(error as Error).message}`);
    }
  }
  // A silence of everything (every matcher matches the empty string) would mute every page: refused.
  if (matchers.every((m) => compileMatcher(m).test(''))) {
    throw new BadRequestError('matchers: at least one matcher must require a value (a silence of every alert is refused)');
  }
  return matchers;
}

function silenceEnd(body: z.output<typeof newSilenceBody>, startsAt: number, at: number): number {
  if ((body.endsAt === undefined) === (body.duration === undefined)) throw new BadRequestError('give endsAt or duration (one of them)');
  let endsAt: number;
  if (body.duration !== undefined) {
    const ms = parseDuration(body.duration);
    if (ms === null || ms <= 0) throw new BadRequestError(`duration: expected a duration like "2h", got "${body.duration.slice(0, 50)}"`);
    endsAt = startsAt + ms;
  } else {
    endsAt = time('endsAt', body.endsAt!, at);
  }
  if (endsAt <= at) throw new BadRequestError('endsAt is in the past: the silence would never apply');
  if (endsAt <= startsAt) throw new BadRequestError('endsAt must be after startsAt');
  if (endsAt - startsAt > MAX_SILENCE_MS) throw new BadRequestError('a silence may last at most 90d; change the rule instead');
  return endsAt;
}

function time(name: string, value: string | number, at: number): number {
  const ms = parseTime(String(value), at);
  if (ms === null) throw new BadRequestError(`${name}: expected epoch milliseconds or an ISO date, got "${String(value).slice(0, 50)}"`);
  return ms;
}
