// The incident pages, the postmortem editor, SLOs, silences and the SRE wall in a real browser, against
// an in-memory stand-in for the alerting API (test/helpers/alerting-fixture.ts) serving the built
// dashboard: list → detail → acknowledge → note → resolve → write postmortem → publish; the wall at 1920×1080.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertingFixture, type AlertingFixture } from '../helpers/alerting-fixture.js';

const SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results');

/** Headless Debian Chromium, as in dashboard.test.ts (importing it from there would run that suite too). */
function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const rowIds = (page: Page, testId: string) => page.locator(`[data-testid="${testId}"] tbody tr`).evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-incident'))));

describe('incidents, postmortems and the wall in a real browser', () => {
  let fixture: AlertingFixture;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [fixture, browser] = await Promise.all([startAlertingFixture(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('keeps the overview as it was: the matrix renders without loading the alerting views, and the header links to them', async () => {
    await page.goto(`${fixture.url}/`);
    const matrix = page.getByTestId('status-matrix');
    await expect.poll(() => matrix.locator('thead th[data-env]').allTextContents(), { timeout: 10_000 }).toEqual(['dev', 'staging', 'prod']);
    expect(await page.locator('.header__nav a').allTextContents()).toEqual(['Overview', 'Incidents', 'Postmortems', 'SLOs', 'Reports', 'Silences', 'Wall']);
    const chunks = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name).filter((name) => name.includes('/assets/')));
    expect(chunks.some((name) => name.includes('alerting'))).toBe(false);
    await page.locator('.header__nav a', { hasText: 'Incidents' }).click();
    await expect.poll(() => page.locator('.header__nav a[aria-current="page"]').textContent(), { timeout: 10_000 }).toBe('Incidents');
  }, 30_000);

  it('lists unresolved incidents first, then the history with older pages, filtered from the hash', async () => {
    await page.goto(`${fixture.url}/#/incidents`);
    await expect.poll(() => rowIds(page, 'active-incidents'), { timeout: 10_000 }).toEqual([62, 61]);
    await expect.poll(() => rowIds(page, 'incident-history')).toHaveLength(50);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'incidents.png'), fullPage: false });
    await page.getByTestId('older').click();
    await expect.poll(() => rowIds(page, 'incident-history')).toHaveLength(60);
    expect(await page.getByTestId('older').count()).toBe(0);
    const first = page.locator('[data-incident="62"]');
    await expect.poll(() => first.textContent()).toContain('prod / api / http');
    expect(await first.locator('a.runbook-link').getAttribute('href')).toBe('https://runbooks.example.com/api/http');
    expect(await page.locator('[data-incident="61"] td.num').first().textContent()).toBe('6 min');

    await page.getByRole('group', { name: 'Severity' }).getByRole('button', { name: 'page' }).click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/incidents?severity=page');
    await expect.poll(() => rowIds(page, 'active-incidents')).toEqual([62]);
    await page.getByRole('group', { name: 'State' }).getByRole('button', { name: 'open' }).click();
    await expect.poll(() => page.getByTestId('incident-history').count()).toBe(0);
    // A link keeps the filter: reloading shows the same.
    await page.reload();
    await expect.poll(() => rowIds(page, 'active-incidents'), { timeout: 10_000 }).toEqual([62]);
    await page.goto(`${fixture.url}/#/incidents`);
    await expect.poll(() => rowIds(page, 'active-incidents')).toEqual([62, 61]);
  }, 40_000);

  it('acknowledges, annotates and resolves an incident under the name typed once', async () => {
    await page.locator('[data-incident="62"] .incident-row__summary a').click();
    const detail = page.getByTestId('incident-detail');
    await expect.poll(() => detail.getAttribute('data-state'), { timeout: 10_000 }).toBe('open');
    await expect.poll(() => page.getByTestId('acknowledge').isDisabled()).toBe(true);
    await page.getByTestId('user-name').fill('ana');
    await page.getByTestId('acknowledge').click();
    await expect.poll(() => detail.getAttribute('data-state')).toBe('acknowledged');
    await expect.poll(() => page.getByTestId('timeline').textContent()).toContain('Acknowledgedana');

    await page.getByTestId('note').fill('Rolled back the 14:02 deploy');
    await page.getByTestId('add-note').click();
    await expect.poll(() => page.locator('[data-testid="timeline"] [data-kind="note"]').textContent()).toContain('Rolled back the 14:02 deploy');
    await page.getByTestId('resolve').click();
    await expect.poll(() => detail.getAttribute('data-state')).toBe('resolved');
    expect(await page.getByTestId('acknowledge').count()).toBe(0);
    expect(fixture.actions.slice(0, 3)).toEqual(['POST /api/v1/incidents/62/acknowledge ana', 'POST /api/v1/incidents/62/notes ana', 'POST /api/v1/incidents/62/resolve ana']);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'incident-detail.png'), fullPage: true });

    // The name is remembered across visits.
    await page.reload();
    await expect.poll(() => page.getByTestId('user-name').inputValue(), { timeout: 10_000 }).toBe('ana');
  }, 40_000);

  it('writes a postmortem from the incident, previews its Markdown safely, and publishes it', async () => {
    await page.getByTestId('write-postmortem').click();
    await expect.poll(() => page.evaluate(() => location.hash), { timeout: 10_000 }).toBe('#/postmortems/1');
    const preview = page.getByTestId('preview');
    await expect.poll(() => preview.locator('h1').textContent(), { timeout: 10_000 }).toContain('Postmortem: api http down in prod');
    expect(await preview.locator('table tbody tr').count()).toBe(4);

    const markdown = page.getByTestId('markdown');
    const typed = `${await markdown.inputValue()}\n## Root cause\n\n**Cache** stampede <script>window.__xss = 1</script> <img src=x onerror="window.__xss = 2"> [bad](javascript:window.__xss=3) [good](https://example.com/rca)\n`;
    await markdown.fill(typed);
    await expect.poll(() => preview.locator('strong', { hasText: 'Cache' }).count()).toBe(1);
    expect(await preview.locator('script, img').count()).toBe(0);
    expect(await preview.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual(['https://runbooks.example.com/api/http', 'https://example.com/rca']);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();

    await page.getByRole('textbox', { name: 'Owner' }).first().fill('ana');
    await page.getByTestId('add-action-item').click();
    await page.getByRole('textbox', { name: 'Action' }).nth(1).fill('Alert on cache hit ratio');
    await page.getByTestId('save').click();
    await expect.poll(() => fixture.postmortems.get(1)?.actionItems.map((item) => `${item.title}:${item.owner}`)).toEqual([
      expect.stringMatching(/^Review the runbook .*:ana$/),
      'Alert on cache hit ratio:null',
    ]);
    expect(fixture.postmortems.get(1)?.markdown).toBe(typed);
    await page.getByTestId('publish').click();
    await expect.poll(() => page.getByTestId('postmortem-status').textContent()).toBe('published');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'postmortem.png'), fullPage: false });

    await page.goto(`${fixture.url}/#/postmortems`);
    const row = page.locator('[data-postmortem="1"]');
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('published');
    expect(await row.textContent()).toContain('#62');
    // The incident now links to its postmortem instead of offering a second one.
    await page.goto(`${fixture.url}/#/incidents/62`);
    await expect.poll(() => page.getByTestId('open-postmortem').getAttribute('href'), { timeout: 10_000 }).toBe('#/postmortems/1');
  }, 40_000);

  it('shows SLO budgets and creates and expires a silence', async () => {
    await page.goto(`${fixture.url}/#/slos`);
    const rows = page.locator('[data-testid="slo-table"] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(5);
    expect(await rows.first().getAttribute('data-slo')).toBe('prod/api/availability');
    expect(await rows.first().textContent()).toContain('overspent 32%');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'slos.png'), fullPage: false });

    await page.goto(`${fixture.url}/#/silences`);
    await expect.poll(() => page.locator('[data-testid="silence-list"] tbody tr').count(), { timeout: 10_000 }).toBe(1);
    await page.getByTestId('silence-matchers').fill('env=prod, service=~"api|web"');
    await page.getByTestId('silence-duration').fill('3h');
    await page.getByTestId('silence-comment').fill('Cache migration');
    await page.getByTestId('silence-create').click();
    await expect.poll(() => page.locator('[data-testid="silence-list"] tbody tr').count()).toBe(2);
    expect(await page.locator('[data-silence="2"]').textContent()).toContain('env="prod", service=~"api|web"');
    await page.locator('[data-silence="1"]').getByRole('button', { name: 'Expire' }).click();
    await expect.poll(() => page.locator('[data-testid="silence-list"] tbody tr').count()).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'silences.png'), fullPage: false });
  }, 30_000);

  it('fills a 1920×1080 wall without scrolling, in type readable across a room', async () => {
    const wall = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    wall.on('pageerror', (err) => pageErrors.push(err.message));
    await wall.goto(`${fixture.url}/#/wall`);
    await expect.poll(() => wall.locator('[data-testid="wall-tiles"] .tile').count(), { timeout: 10_000 }).toBe(9);
    // The three SLOs with the least budget fit in type read across a room; a line counts the rest.
    await expect.poll(() => wall.locator('[data-testid="wall-slos"] .wall-slo').count(), { timeout: 10_000 }).toBe(3);
    expect(await wall.locator('[data-testid="wall-slos"] .wall-incidents__more').textContent()).toBe('+2 SLOs with more budget');
    await expect.poll(() => wall.locator('[data-testid="wall-incidents"] .wall-incident').count()).toBe(1);
    expect(await wall.locator('[data-count="ticket"] .wall-count__n').textContent()).toBe('1');
    expect(await wall.locator('.header').count()).toBe(0);
    const fit = await wall.evaluate(() => ({
      scrollHeight: document.documentElement.scrollHeight,
      scrollWidth: document.documentElement.scrollWidth,
      // The smallest text on the wall, in CSS pixels.
      smallestFont: Math.min(
        ...[...document.querySelectorAll('[data-testid="wall"] *')]
          .filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim() !== ''))
          .map((el) => parseFloat(getComputedStyle(el).fontSize)),
      ),
      clipped: [...document.querySelectorAll('.tile, .wall-panel')].filter((el) => el.getBoundingClientRect().bottom > innerHeight).length,
    }));
    expect(fit.scrollHeight).toBeLessThanOrEqual(1080);
    expect(fit.scrollWidth).toBeLessThanOrEqual(1920);
    expect(fit.clipped).toBe(0);
    expect(fit.smallestFont).toBeGreaterThanOrEqual(18);
    expect(await wall.locator('.tile[data-env="prod"][data-service="api"]').getAttribute('data-status')).toBe('down');
    await wall.screenshot({ path: path.join(SCREENSHOTS, 'wall.png') });
    // A smaller screen (a 1366×768 TV, a 1024×768 projector): type shrinks to fit, and no tile cuts off its
    // status ("Degraded" overflowed its tile at 1400 pixels when the size followed the screen's width).
    for (const [width, height] of [[1366, 768], [1024, 768]] as const) {
      await wall.setViewportSize({ width, height });
      const cut = await wall.evaluate(() =>
        [...document.querySelectorAll('.tile')].filter((el) => el.scrollWidth > el.clientWidth + 1 || el.querySelector('.tile__status')!.scrollWidth > el.querySelector('.tile__status')!.clientWidth + 1).length,
      );
      expect({ width, cut }).toEqual({ width, cut: 0 });
      expect(await wall.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    }
    await wall.screenshot({ path: path.join(SCREENSHOTS, 'wall-1024.png') });
    await wall.close();
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('shows a 2,000-service wall as its problems with the healthy cells folded, still without scrolling', async () => {
    const big = await startAlertingFixture({ services: 2000 });
    const wall = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    try {
      await wall.goto(`${big.url}/#/wall`);
      const tiles = wall.locator('[data-testid="wall-tiles"] .tile');
      await expect.poll(() => tiles.count(), { timeout: 15_000 }).toBe(20 + 3);
      expect(await wall.locator('.tile--folded').allTextContents()).toEqual(['✓ 1,994 updev', '✓ 1,980 upstaging', '✓ 1,980 upprod']);
      expect(await wall.locator('.tile--more').textContent()).toContain('+27 more');
      const fit = await wall.evaluate(() => ({
        scrollHeight: document.documentElement.scrollHeight,
        clipped: [...document.querySelectorAll('.tile')].filter((el) => el.getBoundingClientRect().bottom > innerHeight || el.scrollWidth > el.clientWidth + 1).length,
      }));
      expect(fit).toEqual({ scrollHeight: 1080, clipped: 0 });
      await wall.screenshot({ path: path.join(SCREENSHOTS, 'wall-2000.png') });
    } finally {
      await wall.close();
      await big.close();
    }
  }, 30_000);
});
