// Heartbeats over HTTP: the beat a job sends (`POST /heartbeat/{token}`, `…/fail` with an optional body
// kept as the last message), the list of heartbeat checks with their beat paths, and a token rotation.
// Mounted at /api/v1 (deps.mounts). A token is a secret of sorts: the list shows it (the job's cron line
// needs it) but nothing logs it, and a beat to a token no check holds is a 404 that says nothing more.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import { NotFoundError } from '../lib/errors.js';
import { heartbeatPath, newHeartbeatToken } from '../probes/heartbeat.js';
import type { CheckSpec } from '../probes/probe.js';
import type { BeatStatus, HeartbeatRecord, Store } from '../store/types.js';
import { actorOf, readBody } from './mutations.js';
import type { ErrorResponse } from './types.js';

/** The longest last message kept from a beat's body, in characters; the rest is cut. */
export const MAX_BEAT_MESSAGE_CHARS = 1000;

const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

export interface HeartbeatRoutesDeps {
  readonly store: Pick<Store, 'heartbeats'>;
  readonly clock: Clock;
  /** Every check of the config (the heartbeat ones are picked out), `everyMs` as written. */
  readonly checks: readonly CheckSpec[];
  /** Where a rotation is recorded (who, which check; never the token), e.g. the server log. */
  readonly log?: (line: string) => void;
  /** Makes a token (default: 32 random bytes, base64url). */
  readonly newToken?: () => string;
}

/** A heartbeat check as the API shows it. */
export interface HeartbeatJson {
  readonly checkId: string;
  readonly env: string;
  readonly service: string;
  readonly check: string;
  /** How often the job is expected to beat, and how late it may be, in ms. */
  readonly everyMs: number;
  readonly graceMs: number;
  /** Where the job POSTs (append `/fail` to report a failure). */
  readonly path: string;
  readonly lastBeatAt: number | null;
  readonly lastStatus: BeatStatus | null;
  readonly lastMessage: string | null;
}

/** The heartbeat checks of a config. */
export function heartbeatChecks(checks: readonly CheckSpec[]): CheckSpec[] {
  return checks.filter((check) => check.kind === 'heartbeat');
}

/** Gives each heartbeat check a token if it has none yet (kept across restarts); returns their records. */
export function ensureHeartbeatTokens(
  store: Pick<Store, 'heartbeats'>,
  checks: readonly CheckSpec[],
  at: number,
  newToken: () => string = newHeartbeatToken,
): Promise<HeartbeatRecord[]> {
  return store.heartbeats.ensure(heartbeatChecks(checks).map((check) => ({ checkId: check.id, token: newToken() })), at);
}

/** A heartbeat record joined with its check, as shown. */
export function heartbeatJson(check: CheckSpec, record: HeartbeatRecord): HeartbeatJson {
  return {
    checkId: check.id,
    env: check.env,
    service: check.service,
    check: check.name,
    everyMs: check.everyMs,
    graceMs: Number(check.target.grace ?? 0),
    path: heartbeatPath(record.token),
    lastBeatAt: record.lastBeatAt,
    lastStatus: record.lastStatus,
    lastMessage: record.lastMessage,
  };
}

/** A beat's body as its last message: one bounded text without control characters other than line breaks and tabs. */
export function beatMessage(body: string): string | null {
  const text = body.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim();
  if (text === '') return null;
  return text.length > MAX_BEAT_MESSAGE_CHARS ? `${text.slice(0, MAX_BEAT_MESSAGE_CHARS - 1)}…` : text;
}

function noSuchHeartbeat(c: Context): Response {
  return c.json<ErrorResponse>({ error: { code: 'not_found', message: 'no such heartbeat' } }, 404);
}

const rotateBody = z.strictObject({ by: z.string().optional() });

/** The heartbeat routes, to mount at /api/v1. */
export function heartbeatRoutes(deps: HeartbeatRoutesDeps): Hono {
  const { store, clock } = deps;
  const checks = heartbeatChecks(deps.checks);
  const byId = new Map(checks.map((check) => [check.id, check]));
  const newToken = deps.newToken ?? newHeartbeatToken;
  const app = new Hono();

  const beat = (status: BeatStatus) => async (c: Context) => {
    const token = c.req.param('token') ?? '';
    // Read even when the token is malformed: every refused beat costs and answers the same.
    const message = beatMessage(await c.req.text());
    if (!TOKEN.test(token)) return noSuchHeartbeat(c);
    const record = await store.heartbeats.beat(token, { at: clock.now(), status, message });
    if (record === null || !byId.has(record.checkId)) return noSuchHeartbeat(c);
    return c.json({ ok: true });
  };
  app.post('/heartbeat/:token', beat('ok'));
  app.post('/heartbeat/:token/fail', beat('fail'));

  app.get('/heartbeats', async (c) => {
    const records = new Map((await store.heartbeats.list()).map((record) => [record.checkId, record]));
    const shown = checks.flatMap((check) => {
      const record = records.get(check.id);
      return record ? [heartbeatJson(check, record)] : [];
    });
    return c.json({ heartbeats: shown });
  });

  app.post('/heartbeats/:env/:service/:check/rotate', async (c) => {
    const { by } = await readBody(c, rotateBody);
    const actor = actorOf(c, by);
    const checkId = `${c.req.param('env')}/${c.req.param('service')}/${c.req.param('check')}`;
    const check = byId.get(checkId);
    if (!check) throw new NotFoundError(`no heartbeat check ${checkId}`);
    const record = await store.heartbeats.rotate(checkId, newToken());
    deps.log?.(`heartbeats: ${actor} rotated the token of ${checkId}; the old URL no longer works`);
    return c.json(heartbeatJson(check, record));
  });
  return app;
}
