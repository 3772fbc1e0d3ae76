// Every route of the app as `vigil serve` builds it, against every kind of caller: no token, a bad
// token, and a token of each role. A route the table has no decision for fails the first test, so a
// new route cannot ship without someone saying who may call it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../auth/tokens.js';
import { issueWallLink } from '../../auth/wall-links.js';
import { serve, type RunningVigil } from '../../cli/serve.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Role } from '../../store/types.js';

/**
 * Who may call a route: anyone (its own credentials or none), a role, `ingest` (an ingest or admin
 * token, with `auth.ingest: token` as here), or not a route (middleware, fallbacks).
 */
type Decision = 'public' | Role | 'not-a-route';

const ROUTES: Readonly<Record<string, Decision>> = {
  'ALL /*': 'not-a-route',
  'ALL /api/*': 'not-a-route',
  // The ingest guard and the rate limits of ingest (api/rate-limit.ts) in front of the OTLP routes.
  'ALL /v1/*': 'not-a-route',
  // The rate limit of scrapes.
  'ALL /metrics': 'not-a-route',
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  // Prometheus scrapes it without a token; it carries no secrets (test/e2e/secrets.test.ts).
  'GET /metrics': 'public',
  'GET /api/v1/status': 'viewer',
  'GET /api/v1/series': 'viewer',
  'GET /api/v1/config': 'viewer',
  'GET /api/v1/reports': 'viewer',
  'GET /api/v1/reports/:id': 'viewer',
  'POST /api/v1/reports': 'responder',
  'GET /api/v1/incidents': 'viewer',
  'GET /api/v1/incidents/:id': 'viewer',
  'POST /api/v1/incidents/:id/acknowledge': 'responder',
  'POST /api/v1/incidents/:id/resolve': 'responder',
  'POST /api/v1/incidents/:id/notes': 'responder',
  'POST /api/v1/incidents/:id/postmortem': 'responder',
  'GET /api/v1/postmortems': 'viewer',
  'GET /api/v1/postmortems/:id': 'viewer',
  'PUT /api/v1/postmortems/:id': 'responder',
  'GET /api/v1/rules': 'viewer',
  'GET /api/v1/slos': 'viewer',
  'GET /api/v1/maintenance': 'viewer',
  'GET /api/v1/silences': 'viewer',
  'GET /api/v1/silences/:id': 'viewer',
  'POST /api/v1/silences': 'responder',
  'DELETE /api/v1/silences/:id': 'responder',
  'GET /api/v1/notifications': 'viewer',
  'GET /api/v1/notifications/:id': 'viewer',
  'POST /api/v1/notifications/:id/replay': 'responder',
  // OTLP ingest and a job's beat: an ingest (or admin) token, as auth.ingest: token says.
  'POST /v1/metrics': 'ingest',
  'POST /v1/traces': 'ingest',
  'POST /v1/logs': 'ingest',
  'POST /api/v1/heartbeat/:token': 'ingest',
  'POST /api/v1/heartbeat/:token/fail': 'ingest',
  'GET /api/v1/heartbeats': 'viewer',
  'POST /api/v1/heartbeats/:env/:service/:check/rotate': 'responder',
  'POST /api/v1/tokens': 'admin',
  'GET /api/v1/tokens': 'admin',
  'DELETE /api/v1/tokens/:id': 'admin',
  'GET /api/v1/audit': 'admin',
  'GET /api/v1/access-review': 'admin',
  'POST /api/v1/wall-links': 'admin',
  'GET /api/v1/wall-links': 'admin',
  'DELETE /api/v1/wall-links/:id': 'admin',
  // Sign in (with a token), say who one is, sign out: any token that may read.
  'POST /api/v1/session': 'viewer',
  'GET /api/v1/session': 'viewer',
  'DELETE /api/v1/session': 'viewer',
  'GET /*': 'public',
};

/** What a wall link's key may read: the wall view's data, and nothing else. */
const WALL_ROUTES = new Set(['GET /api/v1/status', 'GET /api/v1/incidents', 'GET /api/v1/slos']);

const CALLERS = ['none', 'bad', 'ingest', 'viewer', 'responder', 'admin', 'wall'] as const;
type Caller = (typeof CALLERS)[number];

/** Whether `caller` gets past the guard of `route` needing `decision` (with anonymous reads off). */
function expectedClass(route: string, decision: Exclude<Decision, 'not-a-route'>, caller: Caller): 'allowed' | 401 | 403 {
  if (decision === 'public') return 'allowed';
  if (caller === 'none' || caller === 'bad') return 401;
  if (caller === 'wall') return WALL_ROUTES.has(route) ? 'allowed' : 403;
  if (decision === 'ingest') return caller === 'ingest' || caller === 'admin' ? 'allowed' : 403;
  const rank: Record<Role, number> = { ingest: 0, viewer: 1, responder: 2, admin: 3 };
  return rank[caller] >= rank[decision] ? 'allowed' : 403;
}

const CONFIG = (anonymousRead: boolean) => `
environments: [prod]
auth: { anonymous_read: ${anonymousRead}, ingest: token }
services:
  db:
    checks:
      - tcp: { host: 127.0.0.1, port: 1, every: 1h }
      - heartbeat: { name: backup, every: 1d }
`;

async function startVigil(anonymousRead: boolean): Promise<{ vigil: RunningVigil; tokens: Record<Role | 'wall', string>; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-auth-'));
  const db = path.join(dir, 'vigil.db');
  const store = await openSqliteStore(db, { readers: 0 });
  const tokens = {} as Record<Role | 'wall', string>;
  for (const role of ['ingest', 'viewer', 'responder', 'admin'] as const) {
    tokens[role] = (await issueToken(store, { name: `${role}-token`, role, createdBy: 'test' }, Date.now())).text;
  }
  tokens.wall = (await issueWallLink(store, { name: 'lobby', createdBy: 'test' }, Date.now())).key;
  await store.close();
  fs.writeFileSync(path.join(dir, 'vigil.yaml'), CONFIG(anonymousRead));
  const vigil = await serve({ configFile: path.join(dir, 'vigil.yaml'), port: 0, host: '127.0.0.1', db, env: {}, log: () => {} });
  return { vigil, tokens, dir };
}

const SAMPLE_PARAMS: Record<string, string> = { id: '999', token: 'no-such-token', env: 'prod', service: 'db', check: 'nope' };

/** A concrete path for a route pattern: each `:param` filled, a trailing `*` made a path. */
function concretePath(pattern: string): string {
  return pattern.replace(/:(\w+)/g, (_, name: string) => SAMPLE_PARAMS[name] ?? 'x').replace(/\*$/, 'anything');
}

describe('the auth table over every route', () => {
  let running: Awaited<ReturnType<typeof startVigil>>;
  beforeAll(async () => {
    running = await startVigil(false);
  });
  afterAll(async () => {
    await running?.vigil.stop();
    fs.rmSync(running.dir, { recursive: true, force: true });
  });

  const headersOf = (caller: Caller): Record<string, string> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (caller !== 'none') headers.authorization = `Bearer ${caller === 'bad' ? 'vgl_not-a-real-token' : running.tokens[caller]}`;
    return headers;
  };

  it('has a decision for every route the app serves', () => {
    const served = [...new Set(running.vigil.app.routes.map((route) => `${route.method} ${route.path}`))];
    expect(served.filter((route) => !(route in ROUTES))).toEqual([]);
    // And no stale rows: every decision names a route that exists.
    expect(Object.keys(ROUTES).filter((route) => !served.includes(route))).toEqual([]);
  });

  it('answers each route × caller as the table says (401 without a usable token, 403 below the role)', async () => {
    const served = [...new Set(running.vigil.app.routes.map((route) => `${route.method} ${route.path}`))];
    const outcomes: string[] = [];
    const expected: string[] = [];
    let requests = 0;
    for (const route of served) {
      const decision = ROUTES[route];
      if (decision === undefined || decision === 'not-a-route') continue;
      const [method, pattern] = route.split(' ') as [string, string];
      for (const caller of CALLERS) {
        if (decision === 'public' && caller === 'bad') continue;
        const res = await running.vigil.app.request(concretePath(pattern), { method, headers: headersOf(caller), body: method === 'GET' ? undefined : '{}' });
        await res.arrayBuffer();
        requests++;
        const got = res.status === 401 || res.status === 403 ? res.status : 'allowed';
        outcomes.push(`${route} as ${caller}: ${got}`);
        expected.push(`${route} as ${caller}: ${expectedClass(route, decision, caller)}`);
      }
    }
    expect(outcomes).toEqual(expected);
    expect(requests).toBeGreaterThan(250);
  });

  // The guard reads the path as the router does (decoded): no spelling of a path reaches a route past it.
  it.each([
    ['GET', '/api/v1/%74okens'],
    ['GET', '/api/v1/tokens/'],
    ['GET', '/api/v1//tokens'],
    ['GET', '/api/v1/./tokens'],
    ['GET', '/api/v1/tokens%2F'],
    ['GET', '/%61pi/v1/audit'],
    ['POST', '/%61pi/v1/silences'],
    ['POST', '/api/v1/silences/'],
    ['POST', '/api/v1/%73ilences'],
    ['DELETE', '/api/v1/tokens/%2E%2E'],
  ])('keeps %s %s from a caller without a token', async (method, pathname) => {
    const res = await running.vigil.app.request(`http://vigil.test${pathname}`, { method, headers: headersOf('none') });
    expect([401, 404]).toContain(res.status);
  });

  it('refuses an expired token', async () => {
    const db = path.join(running.dir, 'vigil.db');
    const store = await openSqliteStore(db, { readers: 0 });
    const old = await issueToken(store, { name: 'old', role: 'admin', expires: '1s', createdBy: 'test' }, Date.now() - 5_000);
    await store.close();
    const res = await running.vigil.app.request('/api/v1/incidents', { headers: { authorization: `Bearer ${old.text}` } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toBe('the token has expired');
  });

  it('answers 401 and 403 in the API error shape, naming what is missing', async () => {
    const none = await running.vigil.app.request('/api/v1/incidents/1/acknowledge', { method: 'POST' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: 'this needs an API token: Authorization: Bearer vgl_…' } });
    const low = await running.vigil.app.request('/api/v1/tokens', { headers: headersOf('responder') });
    expect(await low.json()).toEqual({ error: { code: 'forbidden', message: 'this needs the admin role; the token "responder-token" is a responder' } });
  });
});

describe('anonymous reads (auth.anonymous_read: true, the default)', () => {
  let running: Awaited<ReturnType<typeof startVigil>>;
  beforeAll(async () => {
    running = await startVigil(true);
  });
  afterAll(async () => {
    await running?.vigil.stop();
    fs.rmSync(running.dir, { recursive: true, force: true });
  });

  it('lets reads through without a token, but not mutations, admin reads or a bad token', async () => {
    expect((await running.vigil.app.request('/api/v1/incidents')).status).toBe(200);
    expect((await running.vigil.app.request('/api/v1/incidents/1/acknowledge', { method: 'POST' })).status).toBe(401);
    expect((await running.vigil.app.request('/api/v1/audit')).status).toBe(401);
    expect((await running.vigil.app.request('/api/v1/incidents', { headers: { authorization: 'Bearer vgl_wrong' } })).status).toBe(401);
    // A proxy's Basic auth passed through is not an API token: a read still goes through, a change does not.
    const basic = { authorization: 'Basic YWxpY2U6c2VjcmV0' };
    expect((await running.vigil.app.request('/api/v1/incidents', { headers: basic })).status).toBe(200);
    expect((await running.vigil.app.request('/api/v1/silences', { method: 'POST', headers: basic })).status).toBe(401);
  });

  it('records a change under the token name, whatever the body says, in the audit log', async () => {
    const admin = { authorization: `Bearer ${running.tokens.admin}`, 'content-type': 'application/json' };
    const created = await running.vigil.app.request('/api/v1/silences', {
      method: 'POST',
      headers: { ...admin, 'x-vigil-user': 'mallory' },
      body: JSON.stringify({ matchers: { env: 'prod' }, duration: '1h', comment: 'upgrade', by: 'mallory' }),
    });
    expect(created.status).toBe(201);
    expect((await created.json()).createdBy).toBe('admin-token');
    const audit = await (await running.vigil.app.request('/api/v1/audit?action=POST', { headers: admin })).json();
    expect(audit.entries.at(-1)).toMatchObject({ actor: 'admin-token', action: 'POST /api/v1/silences', target: '/api/v1/silences' });
    expect(JSON.parse(audit.entries.at(-1).detail)).toMatchObject({ status: 201 });
  });

  it('exports the audit log as CSV, quoted and safe to open in a spreadsheet', async () => {
    const admin = { authorization: `Bearer ${running.tokens.admin}`, 'content-type': 'application/json' };
    await running.vigil.app.request('/api/v1/silences', { method: 'POST', headers: admin, body: JSON.stringify({ matchers: { env: 'prod' }, duration: '1h', comment: 'x' }) });
    const res = await running.vigil.app.request('/api/v1/audit?format=csv&action=POST', { headers: admin });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [head, first] = (await res.text()).split('\r\n');
    expect(head).toBe('seq,at,actor,action,target,detail,prevHash,hash');
    expect(first).toMatch(/^\d+,\d{4}-\d\d-\d\dT[\d:.]+Z,admin-token,POST \/api\/v1\/silences,\/api\/v1\/silences,"\{""status"":201,""tokenId"":""[0-9a-f]{12}""\}",[0-9a-f]{64},[0-9a-f]{64}$/);
  });

  it('lists every token for the access review, flagging tokens that never expire', async () => {
    const review = await (await running.vigil.app.request('/api/v1/access-review', { headers: { authorization: `Bearer ${running.tokens.admin}` } })).json();
    expect(review.tokens.find((t: { name: string }) => t.name === 'viewer-token')).toMatchObject({ role: 'viewer', createdBy: 'test', state: 'active', flags: ['never expires'] });
    expect((await running.vigil.app.request('/api/v1/access-review', { headers: { authorization: `Bearer ${running.tokens.responder}` } })).status).toBe(403);
  });

  it('makes, lists and revokes tokens over the API; the secret is shown once and stops working when revoked', async () => {
    const admin = { authorization: `Bearer ${running.tokens.admin}`, 'content-type': 'application/json' };
    const res = await running.vigil.app.request('/api/v1/tokens', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'ci', role: 'responder', expires: '90d' }) });
    expect(res.status).toBe(201);
    const made = await res.json();
    expect(made.secret).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    expect(made.token).toMatchObject({ name: 'ci', role: 'responder', createdBy: 'admin-token' });
    const listed = await (await running.vigil.app.request('/api/v1/tokens', { headers: admin })).json();
    expect(JSON.stringify(listed)).not.toContain(made.secret);
    expect(listed.tokens.map((t: { name: string }) => t.name)).toContain('ci');
    const ci = { authorization: `Bearer ${made.secret}` };
    expect((await running.vigil.app.request('/api/v1/tokens', { headers: ci })).status).toBe(403);
    expect((await running.vigil.app.request(`/api/v1/tokens/${made.token.id}`, { method: 'DELETE', headers: admin })).status).toBe(200);
    expect((await running.vigil.app.request('/api/v1/incidents', { headers: ci })).status).toBe(401);
    expect((await running.vigil.app.request('/api/v1/tokens', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'x', role: 'root' }) })).status).toBe(400);
  });
});

describe('the demo', () => {
  it('prints a sign-in link with an admin token valid for a day, which can act at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-demo-auth-'));
    const logs: string[] = [];
    const vigil = await serve({ port: 0, host: '127.0.0.1', db: path.join(dir, 'vigil.db'), env: {}, log: (line) => logs.push(line) });
    try {
      const line = logs.find((l) => l.startsWith('demo: sign in'));
      expect(line).toMatch(new RegExp(`^demo: sign in to act on incidents \\(admin token, valid 24h, shown once\\): ${vigil.url}/#token=vgl_[A-Za-z0-9_-]{43}$`));
      const token = /#token=(\S+)$/.exec(line!)![1]!;
      const tokens = await vigil.app.request('/api/v1/tokens', { headers: { authorization: `Bearer ${token}` } });
      const demoToken = (await tokens.json()).tokens.find((t: { name: string }) => t.name === 'demo-admin');
      expect(demoToken).toMatchObject({ role: 'admin', createdBy: 'vigil serve (demo)' });
      expect(demoToken.expiresAt - demoToken.createdAt).toBe(24 * 3_600_000);
      expect((await vigil.app.request('/api/v1/silences', { method: 'POST', body: '{"matchers":{"env":"dev"},"duration":"1h","comment":"x"}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    } finally {
      await vigil.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
