// Signing in to the dashboard with an API token ([X1]), in a real browser against the real server: the
// sign-in link's token is kept and taken out of the address bar, and an acknowledge made from the
// incident page is recorded under the token's name, not the name typed in "Acting as".
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

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sign-in-'));
    const dbPath = path.join(dir, 'vigil.db');
    const configFile = path.join(dir, 'vigil.yaml');
    // Port 1 on loopback refuses: the check fails from its first run and the default rule opens an incident.
    fs.writeFileSync(configFile, ['environments: [prod]', 'alerting: { evaluation_interval: 1s }', 'services:', '  shop:', '    checks:', '      - tcp: { host: 127.0.0.1, port: 1, every: 1s, timeout: 1s }'].join('\n'));
    const store = await openSqliteStore(dbPath, { readers: 0 });
    token = (await issueToken(store, { name: 'oncall-ana', role: 'responder', createdBy: 'test' }, Date.now())).text;
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

  it('keeps the link token and acknowledges under its name', async () => {
    const api = async <T>(pathname: string): Promise<T> => (await fetch(`${vigil!.url}${pathname}`)).json() as Promise<T>;
    const [incident] = await waitFor(() => api<IncidentListResponse>('/api/v1/incidents').then((page) => page.incidents), (list) => list.length > 0, 20_000, 'an incident to open');
    const page = await browser!.newPage();
    await page.goto(`${vigil!.url}/#token=${token}`);
    await expect.poll(() => page.evaluate(() => window.location.hash), { timeout: 10_000 }).toBe('#/incidents');
    expect(await page.evaluate(() => window.localStorage.getItem('vigil.token'))).toBe(token);

    await page.goto(`${vigil!.url}/#/incidents/${incident!.id}`);
    const detail = page.getByTestId('incident-detail');
    await expect.poll(() => detail.getAttribute('data-state'), { timeout: 10_000 }).toBe('open');
    expect(await page.getByTestId('api-token').inputValue()).toBe(token);
    await page.getByTestId('user-name').fill('someone-else');
    await page.getByTestId('acknowledge').click();
    await expect.poll(() => detail.getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged');
    const after = await api<IncidentDetailResponse>(`/api/v1/incidents/${incident!.id}`);
    expect(after.incident.acknowledgedBy).toBe('oncall-ana');
  }, 60_000);
});
