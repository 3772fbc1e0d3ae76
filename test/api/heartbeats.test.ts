// The heartbeat routes on a real store: beats with and without a message, failures, the 404 that says
// nothing about which tokens exist, the list with each check's path, and a rotation through the guard.
import { Hono } from 'hono';
import { describe, expect, it, onTestFinished } from 'vitest';
import { errorResponse } from '../../api/errors.js';
import { ensureHeartbeatTokens, heartbeatRoutes, MAX_BEAT_MESSAGE_CHARS } from '../../api/heartbeats.js';
import { mutationGuard } from '../../api/mutations.js';
import type { CheckSpec } from '../../probes/probe.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';

const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);
const DAY = 86_400_000;

function check(env: string, service: string, name: string, kind = 'heartbeat', target: Record<string, unknown> = { grace: 3_600_000 }): CheckSpec {
  return { id: `${env}/${service}/${name}`, env, service, name, kind, everyMs: DAY, timeoutMs: 10_000, target, runbook: null };
}

const CHECKS = [check('prod', 'db', 'backup'), check('prod', 'exports', 'nightly'), check('prod', 'api', 'http', 'http', { url: 'http://x/' })];

async function setup() {
  const store = await openSqliteStore(':memory:');
  onTestFinished(() => store.close());
  let now = T0;
  const logs: string[] = [];
  let minted = 0;
  const newToken = () => `token-${String(++minted).padStart(2, '0')}-abcdefghijklmnop`;
  await ensureHeartbeatTokens(store, CHECKS, T0, newToken);
  const app = new Hono();
  app.onError((err, c) => errorResponse(c, err));
  app.use('/api/*', mutationGuard());
  app.route('/api/v1', heartbeatRoutes({ store, clock: { now: () => now }, checks: CHECKS, log: (l) => logs.push(l), newToken }));
  return { store, app, logs, tick: (ms: number) => (now += ms) };
}

const TOKEN = 'token-01-abcdefghijklmnop';

describe('the heartbeat API', () => {
  it('records a beat for the check holding the token', async () => {
    const { app, store, tick } = await setup();
    tick(5000);
    const res = await app.request(`/api/v1/heartbeat/${TOKEN}`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(await store.heartbeats.get('prod/db/backup')).toMatchObject({ lastBeatAt: T0 + 5000, lastStatus: 'ok', lastMessage: null });
  });

  it('keeps a /fail body as the last message, bounded and without control characters', async () => {
    const { app, store } = await setup();
    const body = `pg_dump: error: connection refused\r\n\u0007exit 1 ${'x'.repeat(5000)}`;
    const res = await app.request(`/api/v1/heartbeat/${TOKEN}/fail`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    const record = await store.heartbeats.get('prod/db/backup');
    expect(record).toMatchObject({ lastStatus: 'fail' });
    expect(record!.lastMessage).toHaveLength(MAX_BEAT_MESSAGE_CHARS);
    expect(record!.lastMessage!.startsWith('pg_dump: error: connection refused\nexit 1 xxx')).toBe(true);
    expect(record!.lastMessage!.endsWith('…')).toBe(true);
  });

  it.each([
    ['an unknown token', '/api/v1/heartbeat/token-99-abcdefghijklmnop'],
    ['a malformed token', '/api/v1/heartbeat/short'],
    ['an unknown token reporting a failure', '/api/v1/heartbeat/token-99-abcdefghijklmnop/fail'],
  ])('answers %s with the same 404, saying nothing about tokens', async (_name, path) => {
    const { app } = await setup();
    const res = await app.request(path, { method: 'POST', body: 'hello' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no such heartbeat' } });
  });

  it('lists each heartbeat check with its path and last beat, and no other check', async () => {
    const { app } = await setup();
    await app.request(`/api/v1/heartbeat/${TOKEN}`, { method: 'POST', body: 'dumped 2.1 GB' });
    const body = await (await app.request('/api/v1/heartbeats')).json();
    expect(body.heartbeats).toEqual([
      { checkId: 'prod/db/backup', env: 'prod', service: 'db', check: 'backup', everyMs: DAY, graceMs: 3_600_000, path: `/api/v1/heartbeat/${TOKEN}`, lastBeatAt: T0, lastStatus: 'ok', lastMessage: 'dumped 2.1 GB' },
      { checkId: 'prod/exports/nightly', env: 'prod', service: 'exports', check: 'nightly', everyMs: DAY, graceMs: 3_600_000, path: '/api/v1/heartbeat/token-02-abcdefghijklmnop', lastBeatAt: null, lastStatus: null, lastMessage: null },
    ]);
  });

  it('rotates a token through the mutation guard: the old URL is a 404 at once, the new one works, the log names no token', async () => {
    const { app, logs } = await setup();
    const res = await app.request('/api/v1/heartbeats/prod/db/backup/rotate', { method: 'POST', headers: { 'x-vigil-user': 'alice' } });
    expect(res.status).toBe(200);
    const rotated = await res.json();
    expect(rotated.path).toBe('/api/v1/heartbeat/token-03-abcdefghijklmnop');
    expect((await app.request(`/api/v1/heartbeat/${TOKEN}`, { method: 'POST' })).status).toBe(404);
    expect((await app.request(rotated.path, { method: 'POST' })).status).toBe(200);
    expect(logs).toEqual(['heartbeats: alice rotated the token of prod/db/backup; the old URL no longer works']);
    expect(logs.join('\n')).not.toContain('token-0');
    expect((await app.request('/api/v1/heartbeats/prod/api/http/rotate', { method: 'POST' })).status).toBe(404);
    expect((await app.request('/api/v1/heartbeats/prod/db/backup/rotate', { method: 'POST', body: '{"by": 3}', headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });

  it('keeps the tokens across a restart (ensure again offers new ones, which are dropped)', async () => {
    const { store } = await setup();
    const again = await ensureHeartbeatTokens(store, CHECKS, T0 + DAY, () => 'token-zz-abcdefghijklmnop');
    expect(again.map((r) => r.token)).toEqual([TOKEN, 'token-02-abcdefghijklmnop']);
  });
});
