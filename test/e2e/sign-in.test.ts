// Signing in to the dashboard with an API token ([X1]), in a real browser against the real server: the
// sign-in link's token is traded for an HttpOnly session cookie (the token is kept nowhere) and taken
// out of the address bar; an acknowledge made from the incident page is recorded under the token's
// name, not the name typed in "Acting as"; once the token is revoked the next change gets 401.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentDetailResponse, IncidentListResponse } from '../../api/types.js';
import { issueToken } from '../../auth/tokens.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';
import { waitFor } from '../helpers/wait-for.js';

describe('dashboard sign-in with an API token', () => {
  let vigil: VigilProcess | null = null;
  let browser: Browser | null = null;
  let dir: string;
  let token: string;
  let tokenId: string;
  let admin: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sign-in-'));
    const dbPath = path.join(dir, 'vigil.db');
    const configFile = path.join(dir, 'vigil.yaml');
    // Port 1 on loopback refuses: the check fails from its first run and the default rule opens an incident.
    fs.writeFileSync(configFile, ['environments: [prod]', 'alerting: { evaluation_interval: 1s }', 'services:', '  shop:', '    checks:', '      - tcp: { host: 127.0.0.1, port: 1, every: 1s, timeout: 1s }'].join('\n'));
    const store = await openSqliteStore(dbPath, { readers: 0 });
    const issued = await issueToken(store, { name: 'oncall-ana', role: 'responder', createdBy: 'test' }, Date.now());
    token = issued.text;
    tokenId = issued.token.id;
    admin = (await issueToken(store, { name: 'admin', role: 'admin', createdBy: 'test' }, Date.now())).text;
    await store.close();
    [vigil, browser] = await Promise.all([
      startVigil({ args: ['--config', configFile], db: dbPath }),
      chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('trades the link token for a session cookie, acknowledges under its name, and gets 401 once the token is revoked', async () => {
    const api = async <T>(pathname: string): Promise<T> => (await fetch(`${vigil!.url}${pathname}`)).json() as Promise<T>;
    const [incident] = await waitFor(() => api<IncidentListResponse>('/api/v1/incidents').then((page) => page.incidents), (list) => list.length > 0, 20_000, 'an incident to open');
    const page = await browser!.newPage();
    await page.goto(`${vigil!.url}/#token=${token}`);
    await expect.poll(() => page.evaluate(() => window.location.hash), { timeout: 10_000 }).toBe('#/incidents');
    await expect.poll(async () => (await page.context().cookies()).filter((c) => c.name === 'vigil_session'), { timeout: 10_000 }).toHaveLength(1);
    const [session] = (await page.context().cookies()).filter((c) => c.name === 'vigil_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    expect(session!.value).not.toContain(token.slice(4));
    // The raw token is kept nowhere the page's scripts can read.
    const storage = await page.evaluate(() => JSON.stringify({ ...window.localStorage, ...window.sessionStorage }) + document.cookie);
    expect(storage).not.toContain(token);
    expect(storage).not.toContain(session!.value);

    await page.goto(`${vigil!.url}/#/incidents/${incident!.id}`);
    const detail = page.getByTestId('incident-detail');
    await expect.poll(() => detail.getAttribute('data-state'), { timeout: 10_000 }).toBe('open');
    // After a reload the session is asked for again: the page knows who it acts as.
    await expect.poll(() => page.getByTestId('signed-in-as').textContent(), { timeout: 10_000 }).toBe('oncall-ana');
    expect(await page.getByTestId('api-token').inputValue()).toBe('');
    await page.getByTestId('user-name').fill('someone-else');
    const acked = page.waitForResponse((res) => res.url().endsWith('/acknowledge'));
    await page.getByTestId('acknowledge').click();
    const ackRequest = (await acked).request();
    expect(ackRequest.headers()['x-vigil-csrf']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ackRequest.headers().authorization).toBeUndefined();
    await expect.poll(() => detail.getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged');
    const after = await api<IncidentDetailResponse>(`/api/v1/incidents/${incident!.id}`);
    expect(after.incident.acknowledgedBy).toBe('oncall-ana');
    const audit = (await (await fetch(`${vigil!.url}/api/v1/audit?action=POST /api/v1/incidents`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { entries: Array<{ actor: string; detail: string }> };
    expect(audit.entries.map((e) => [e.actor, JSON.parse(e.detail).via])).toEqual([['oncall-ana', 'session']]);

    const revoked = await fetch(`${vigil!.url}/api/v1/tokens/${tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect(revoked.status).toBe(200);
    const resolved = page.waitForResponse((res) => res.url().endsWith('/resolve'));
    await page.getByTestId('resolve').click();
    expect((await resolved).status()).toBe(401);
    expect((await api<IncidentDetailResponse>(`/api/v1/incidents/${incident!.id}`)).incident.state).toBe('acknowledged');
  }, 60_000);
});
