// Dashboard sessions, wall links, ingest tokens and config loads in the app as `vigil serve` builds it
// ([X1]), on each store engine: a token becomes an HttpOnly cookie whose changes need the CSRF token
// and Vigil's own origin, and which ends when its token is revoked; a wall link reads the wall and
// nothing else; OTLP and beats take ingest tokens as `auth.ingest` says; each start records its config.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { hashToken, issueToken } from '../../auth/tokens.js';
import { serve, type RunningVigil } from '../../cli/serve.js';
import { openStore } from '../../store/open.js';
import type { Role } from '../../store/types.js';
import { describeEachEngine, type TestEngine } from '../helpers/stores.js';
import { freePort } from '../helpers/prometheus.js';

const CONFIG = (extra = '') => `
environments: [prod]
auth: { anonymous_read: false, ingest: token, session_lifetime: 12h }
services:
  db:
    checks:
      - tcp: { host: 127.0.0.1, port: 1, every: 1h }
      - heartbeat: { name: backup, every: 1d }
${extra}`;

interface Running {
  readonly vigil: RunningVigil;
  readonly db: string;
  readonly configFile: string;
  readonly tokens: Record<Role, string>;
  readonly logs: string[];
}

async function start(engine: TestEngine, opts: { extra?: string; host?: string; db?: string; configFile?: string } = {}): Promise<Running> {
  const db = opts.db ?? (await engine.location());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-session-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tokens = {} as Record<Role, string>;
  if (opts.db === undefined) {
    const store = await openStore(db, { sqlite: { readers: 0 } });
    for (const role of ['ingest', 'viewer', 'responder', 'admin'] as const) {
      tokens[role] = (await issueToken(store, { name: `${role}-token`, role, createdBy: 'test' }, Date.now())).text;
    }
    await store.close();
  }
  const configFile = opts.configFile ?? path.join(dir, 'vigil.yaml');
  if (opts.configFile === undefined) fs.writeFileSync(configFile, CONFIG(opts.extra));
  const logs: string[] = [];
  const vigil = await serve({ configFile, port: 0, host: opts.host ?? '127.0.0.1', db, env: {}, log: (line) => logs.push(line) });
  onTestFinished(() => vigil.stop());
  return { vigil, db, configFile, tokens, logs };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const JSON_TYPE = { 'content-type': 'application/json' };
const SILENCE = JSON.stringify({ matchers: { env: 'prod' }, duration: '1h', comment: 'upgrade' });

/** Signs in with `token`; the cookie (name=value) and the CSRF token. */
async function signIn(vigil: RunningVigil, token: string, headers: Record<string, string> = {}) {
  const res = await vigil.app.request('/api/v1/session', { method: 'POST', headers: { ...bearer(token), ...headers } });
  expect(res.status).toBe(201);
  const setCookie = res.headers.get('set-cookie')!;
  const body = (await res.json()) as { name: string; role: Role; expiresAt: number; csrf: string };
  return { setCookie, cookie: setCookie.split(';')[0]!, secret: setCookie.split(';')[0]!.split('=')[1]!, body };
}

describeEachEngine('dashboard sessions', (engine) => {
  it('answers a browser that never signed in as anonymous, not with a 401, when anonymous reads are on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-session-anon-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(configFile, CONFIG().replace('anonymous_read: false', 'anonymous_read: true'));
    const { vigil } = await start(engine, { configFile });
    const res = await vigil.app.request('/api/v1/session');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ kind: 'anonymous', name: null, role: null, csrf: null });
  });

  it('trades a token for an HttpOnly, SameSite=Strict cookie whose secret is stored hashed, and says who you are', async () => {
    const { vigil, db, tokens } = await start(engine);
    const { setCookie, cookie, secret, body } = await signIn(vigil, tokens.responder);
    expect(setCookie).toMatch(/^vigil_session=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(body).toMatchObject({ name: 'responder-token', role: 'responder' });
    const me = await (await vigil.app.request('/api/v1/session', { headers: { cookie } })).json();
    expect(me).toEqual({ kind: 'session', name: 'responder-token', role: 'responder', csrf: body.csrf });
    // Reads work with the cookie alone, anonymous reads being off.
    expect((await vigil.app.request('/api/v1/incidents', { headers: { cookie } })).status).toBe(200);
    const store = await openStore(db, { sqlite: { readers: 0 } });
    onTestFinished(() => store.close());
    expect(await store.sessions.byHash(hashToken(secret))).toMatchObject({ endedAt: null });
    expect(await store.sessions.byHash(secret)).toBeNull();
    // Over https (here: a TLS-terminating proxy says so) the cookie is Secure.
    const overTls = await signIn(vigil, tokens.responder, { 'x-forwarded-proto': 'https' });
    expect(overTls.setCookie).toMatch(/; Secure/);
  });

  it('lets a change through with the cookie only with the CSRF token and from Vigil’s own origin', async () => {
    const { vigil, tokens } = await start(engine);
    const { cookie, body } = await signIn(vigil, tokens.responder);
    const post = (headers: Record<string, string>) => vigil.app.request('http://localhost/api/v1/silences', { method: 'POST', headers: { cookie, ...JSON_TYPE, ...headers }, body: SILENCE });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-vigil-csrf': 'wrong' })).status).toBe(403);
    expect((await post({ 'x-vigil-csrf': body.csrf, origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ 'x-vigil-csrf': body.csrf, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ 'x-vigil-csrf': body.csrf, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    const ok = await post({ 'x-vigil-csrf': body.csrf, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(201);
    expect((await ok.json()).createdBy).toBe('responder-token');
    // A Bearer request needs no CSRF token.
    expect((await vigil.app.request('/api/v1/silences', { method: 'POST', headers: { ...bearer(tokens.responder), ...JSON_TYPE }, body: SILENCE })).status).toBe(201);
    const audit = await (await vigil.app.request('/api/v1/audit?action=POST', { headers: bearer(tokens.admin) })).json();
    const rows = audit.entries.map((e: { actor: string; action: string; detail: string }) => [e.actor, e.action, JSON.parse(e.detail).via ?? 'token']);
    expect(rows).toEqual([
      ['responder-token', 'POST /api/v1/session', 'token'],
      ['responder-token', 'POST /api/v1/silences', 'session'],
      ['responder-token', 'POST /api/v1/silences', 'token'],
    ]);
  });

  it('ends every session of a token when the token is revoked, and signs out one with DELETE', async () => {
    const { vigil, tokens } = await start(engine);
    const made = await (await vigil.app.request('/api/v1/tokens', { method: 'POST', headers: { ...bearer(tokens.admin), ...JSON_TYPE }, body: JSON.stringify({ name: 'ana', role: 'responder', expires: '1h' }) })).json();
    const first = await signIn(vigil, made.secret);
    const second = await signIn(vigil, made.secret);
    // The token expires in an hour, before the 12 h a session lasts: the session ends with it.
    expect(first.body.expiresAt).toBe(made.token.expiresAt);
    const review = await (await vigil.app.request('/api/v1/access-review', { headers: bearer(tokens.admin) })).json();
    expect(review.tokens.find((t: { name: string }) => t.name === 'ana').activeSessions).toBe(2);

    const signOut = await vigil.app.request('http://localhost/api/v1/session', { method: 'DELETE', headers: { cookie: first.cookie, 'x-vigil-csrf': first.body.csrf } });
    expect(signOut.status).toBe(200);
    expect(signOut.headers.get('set-cookie')).toMatch(/^vigil_session=; Max-Age=0; Path=\//);
    expect((await vigil.app.request('/api/v1/session', { headers: { cookie: first.cookie } })).status).toBe(401);
    expect((await vigil.app.request('/api/v1/session', { headers: { cookie: second.cookie } })).status).toBe(200);

    expect((await vigil.app.request(`/api/v1/tokens/${made.token.id}`, { method: 'DELETE', headers: bearer(tokens.admin) })).status).toBe(200);
    expect((await vigil.app.request('/api/v1/session', { headers: { cookie: second.cookie } })).status).toBe(401);
    const change = await vigil.app.request('/api/v1/silences', { method: 'POST', headers: { cookie: second.cookie, 'x-vigil-csrf': second.body.csrf, ...JSON_TYPE }, body: SILENCE });
    expect(change.status).toBe(401);
  });

  it('signs in only with a token: not an ingest token, not a wall link, not a session', async () => {
    const { vigil, tokens } = await start(engine);
    expect((await vigil.app.request('/api/v1/session', { method: 'POST', headers: bearer(tokens.ingest) })).status).toBe(403);
    expect((await vigil.app.request('/api/v1/session', { method: 'POST' })).status).toBe(401);
    const { cookie, body } = await signIn(vigil, tokens.viewer);
    expect((await vigil.app.request('/api/v1/session', { method: 'POST', headers: { cookie, 'x-vigil-csrf': body.csrf } })).status).toBe(400);
  });
});

describeEachEngine('wall links', (engine) => {
  it('reads the wall view with anonymous reads off, nothing else, and stops at once when revoked', async () => {
    const { vigil, db, tokens } = await start(engine);
    const res = await vigil.app.request('http://vigil.test/api/v1/wall-links', { method: 'POST', headers: { ...bearer(tokens.admin), ...JSON_TYPE }, body: JSON.stringify({ name: 'lobby TV', expires_at: '2099-01-01T00:00:00Z' }) });
    expect(res.status).toBe(201);
    const made = await res.json();
    expect(made.url).toMatch(/^http:\/\/vigil\.test\/#\/wall\?key=vglw_[A-Za-z0-9_-]{43}$/);
    expect(made.wallLink).toMatchObject({ name: 'lobby TV', createdBy: 'admin-token', expiresAt: Date.UTC(2099, 0, 1) });
    const key = new URL(made.url.replace('#/wall', 'wall')).searchParams.get('key')!;
    const store = await openStore(db, { sqlite: { readers: 0 } });
    onTestFinished(() => store.close());
    expect(await store.wallLinks.byHash(hashToken(key))).toMatchObject({ id: made.wallLink.id });
    const listed = await (await vigil.app.request('/api/v1/wall-links', { headers: bearer(tokens.admin) })).text();
    expect(listed).not.toContain(key);
    expect((await vigil.app.request('/api/v1/wall-links', { headers: bearer(tokens.responder) })).status).toBe(403);

    for (const pathname of ['/api/v1/status', '/api/v1/incidents?state=open,acknowledged&limit=500', '/api/v1/slos']) {
      expect([pathname, (await vigil.app.request(pathname, { headers: bearer(key) })).status]).toEqual([pathname, 200]);
    }
    for (const [method, pathname] of [['GET', '/api/v1/config'], ['GET', '/api/v1/incidents/1'], ['GET', '/api/v1/heartbeats'], ['POST', '/api/v1/silences'], ['POST', '/api/v1/session'], ['GET', '/api/v1/audit']] as const) {
      expect([pathname, (await vigil.app.request(pathname, { method, headers: bearer(key) })).status]).toEqual([pathname, 403]);
    }
    expect((await vigil.app.request(`/api/v1/wall-links/${made.wallLink.id}`, { method: 'DELETE', headers: bearer(tokens.admin) })).status).toBe(200);
    const after = await vigil.app.request('/api/v1/status', { headers: bearer(key) });
    expect(after.status).toBe(401);
    expect((await after.json()).error.message).toBe('the wall link was revoked');
    const review = await (await vigil.app.request('/api/v1/access-review', { headers: bearer(tokens.admin) })).json();
    expect(review.wallLinks).toEqual([expect.objectContaining({ name: 'lobby TV', state: 'revoked' })]);
    const audit = await (await vigil.app.request('/api/v1/audit?action=wall-link', { headers: bearer(tokens.admin) })).json();
    expect(audit.entries.map((e: { action: string; actor: string }) => `${e.actor} ${e.action}`)).toEqual(['admin-token wall-link.create', 'admin-token wall-link.revoke']);
  });
});

describeEachEngine('ingest tokens', (engine) => {
  it('takes OTLP and beats with an ingest or admin token only (auth.ingest: token), on Vigil’s port and the OTLP port', async () => {
    const otlpPort = await freePort();
    const { vigil, tokens } = await start(engine, { extra: `otlp: { port: ${otlpPort} }` });
    const otlp = (base: string, headers: Record<string, string>) => fetch(`${base}/v1/metrics`, { method: 'POST', headers: { ...JSON_TYPE, ...headers }, body: '{}' });
    for (const base of [vigil.url, `http://127.0.0.1:${otlpPort}`]) {
      expect([base, (await otlp(base, {})).status]).toEqual([base, 401]);
      expect([base, (await otlp(base, bearer('vgl_nope'))).status]).toEqual([base, 401]);
      expect([base, (await otlp(base, bearer(tokens.viewer))).status]).toEqual([base, 403]);
      expect([base, (await otlp(base, bearer(tokens.ingest))).status]).toEqual([base, 200]);
      expect([base, (await otlp(base, bearer(tokens.admin))).status]).toEqual([base, 200]);
    }
    const refused = await otlp(vigil.url, {});
    expect(await refused.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('ingest token') } });

    const beatPath = (await (await vigil.app.request('/api/v1/heartbeats', { headers: bearer(tokens.viewer) })).json()).heartbeats[0].path as string;
    expect((await fetch(`${vigil.url}${beatPath}`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${vigil.url}${beatPath}`, { method: 'POST', headers: bearer(tokens.responder) })).status).toBe(403);
    expect((await fetch(`${vigil.url}${beatPath}`, { method: 'POST', headers: bearer(tokens.ingest) })).status).toBe(200);
    // An ingest token does nothing else.
    expect((await vigil.app.request('/api/v1/status', { headers: bearer(tokens.ingest) })).status).toBe(403);
  });

  it('lets loopback clients in without a token under auth.ingest: loopback, and follows the listen address when unset', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ingest-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(file, CONFIG().replace('ingest: token', 'ingest: loopback'));
    const viaLoopback = await start(engine, { configFile: file });
    expect((await fetch(`${viaLoopback.vigil.url}/v1/metrics`, { method: 'POST', headers: JSON_TYPE, body: '{}' })).status).toBe(200);
    // app.request has no socket: not a loopback peer, so a token is needed.
    expect((await viaLoopback.vigil.app.request('/v1/metrics', { method: 'POST', headers: JSON_TYPE, body: '{}' })).status).toBe(401);

    fs.writeFileSync(file, CONFIG().replace(', ingest: token', ''));
    const onLoopback = await start(engine, { configFile: file });
    expect(onLoopback.logs.find((line) => line.startsWith('Vigil listening'))).toMatch(/ingest: open\)$/);
    expect((await onLoopback.vigil.app.request('/v1/metrics', { method: 'POST', headers: JSON_TYPE, body: '{}' })).status).toBe(200);
    const onAll = await start(engine, { configFile: file, host: '0.0.0.0' });
    expect(onAll.logs.find((line) => line.startsWith('Vigil listening'))).toMatch(/ingest: token\)$/);
    expect((await fetch(`http://127.0.0.1:${new URL(onAll.vigil.url).port}/v1/metrics`, { method: 'POST', headers: JSON_TYPE, body: '{}' })).status).toBe(401);
  });
});

describeEachEngine('config loads in the audit log', (engine) => {
  it('records each start with the file, the SHA-256 of its text and whether it changed since the last load', async () => {
    const first = await start(engine);
    const text = fs.readFileSync(first.configFile, 'utf8');
    await first.vigil.stop();
    const again = await start(engine, { db: first.db, configFile: first.configFile });
    await again.vigil.stop();
    fs.writeFileSync(first.configFile, `${text}# edited\n`);
    const edited = await start(engine, { db: first.db, configFile: first.configFile });
    await edited.vigil.stop();
    const store = await openStore(first.db, { sqlite: { readers: 0 } });
    onTestFinished(() => store.close());
    const loads = (await store.audit.list({ action: 'config.load' })).map((row) => ({ actor: row.actor, target: row.target, ...JSON.parse(row.detail) }));
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    expect(loads).toEqual([
      { actor: 'vigil serve', target: first.configFile, path: first.configFile, sha256: sha(text), previousSha256: null, changed: true },
      { actor: 'vigil serve', target: first.configFile, path: first.configFile, sha256: sha(text), previousSha256: sha(text), changed: false },
      { actor: 'vigil serve', target: first.configFile, path: first.configFile, sha256: sha(`${text}# edited\n`), previousSha256: sha(text), changed: true },
    ]);
  });
});
