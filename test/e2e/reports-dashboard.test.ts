// The Reports pages in a real browser against the built Vigil: the report it makes at start (its
// latest daily run, from yesterday's probes already in the store) is listed, opens, and shows the
// fleet's figures and the service that missed its SLA.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Sample } from '../../store/types.js';
import { launchChromium } from '../helpers/chromium.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';

const SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results');
const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

describe('the Reports pages in a real browser', () => {
  let vigil: VigilProcess;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-reports-e2e-'));
    const db = path.join(dir, 'vigil.db');
    const config = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(
      config,
      'environments: [prod]\nservices:\n  api:\n    checks:\n      - tcp: { host: 127.0.0.1, port: 1, every: 1h }\nreports:\n  - { name: daily, schedule: "0 0 * * *", period: 1d, sla: 99.9 }\n',
    );
    // Yesterday (UTC), the day the report made at start covers: 30 failed minutes of 1,440.
    const yesterday = Math.floor(Date.now() / DAY) * DAY - DAY;
    const store = await openSqliteStore(db, { readers: 0 });
    const samples: Sample[] = [];
    for (let minute = 0; minute < 1440; minute++) {
      samples.push({ name: 'probe_success', labels: { env: 'prod', service: 'api', check: 'tcp' }, ts: yesterday + minute * MINUTE, value: minute >= 600 && minute < 630 ? 0 : 1 });
    }
    await store.samples.append(samples);
    await store.close();
    [vigil, browser] = await Promise.all([startVigil({ db, args: ['--config', config] }), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  it('lists the report made at start and shows it: fleet availability, the service that missed its SLA', async () => {
    await page.goto(`${vigil.url}/#/reports`);
    const row = page.locator('[data-testid="report-list"] tbody tr').first();
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('daily');
    expect(await row.textContent()).toContain('97.917%');
    expect(await page.locator('.header__nav a[aria-current="page"]').textContent()).toBe('Reports');
    await row.locator('a').click();
    const summary = page.getByTestId('report-summary');
    await expect.poll(() => summary.textContent(), { timeout: 10_000 }).toContain('Fleet availability97.917%');
    expect(await summary.textContent()).toContain('SLA missed1 of 1');
    const service = page.locator('[data-service="prod/api"]');
    expect(await service.textContent()).toContain('missed');
    expect(await service.textContent()).toContain('99.900%');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'report.png'), fullPage: true });
    // The HTML format the page links to opens as its own page.
    const html = await page.locator('a', { hasText: 'HTML' }).getAttribute('href');
    const answer = await page.request.get(`${vigil.url}${html}`);
    expect(answer.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(await answer.text()).toContain('SLA report daily');
    expect(pageErrors).toEqual([]);
  }, 40_000);
});
