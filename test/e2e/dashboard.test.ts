import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';

const ENVIRONMENTS = ['dev', 'staging', 'prod'];
const SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results');

/** Headless Debian Chromium; never a downloaded browser, never a connection off this machine. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * For each line of the chart (legend order), how many canvas pixels have its colour, read from its
 * legend marker: a line that was really drawn, not an empty frame with axes and grid.
 */
function pixelsPerLine(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const chart = document.querySelector('[data-testid="latency-chart"]')!;
    const canvas = chart.querySelector('canvas')!;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const counts: Record<string, number> = {};
    for (const row of chart.querySelectorAll('.u-legend .u-series')) {
      const label = row.querySelector('.u-label')?.textContent ?? '';
      const marker = row.querySelector<HTMLElement>('.u-marker');
      const colour = marker ? getComputedStyle(marker).borderColor.match(/\d+/g)?.map(Number) : undefined;
      if (!colour || label === 'Time') continue;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] > 200 && Math.abs(data[i] - colour[0]) + Math.abs(data[i + 1] - colour[1]) + Math.abs(data[i + 2] - colour[2]) < 40) n++;
      }
      counts[label] = n;
    }
    return counts;
  });
}

describe('the dashboard in a real browser', () => {
  let vigil: VigilProcess;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [vigil, browser] = await Promise.all([startVigil(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(vigil.url);
  });
  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  it('shows the status of every service in dev, staging and prod', async () => {
    const matrix = page.getByTestId('status-matrix');
    await expect.poll(() => matrix.locator('thead th[data-env]').allTextContents(), { timeout: 15_000 }).toEqual(ENVIRONMENTS);
    // Every probe of the demo runs every 5 s: within 30 s no cell may still be unknown.
    await expect
      .poll(() => matrix.locator('td[data-status="unknown"]').count(), { timeout: 30_000, interval: 500 })
      .toBe(0);
    for (const env of ENVIRONMENTS) {
      const statuses = await matrix.locator(`td[data-env="${env}"]`).evaluateAll((cells) => cells.map((c) => c.getAttribute('data-status')));
      expect(statuses).toHaveLength(4);
      for (const status of statuses) expect(['up', 'degraded', 'down']).toContain(status);
    }
    expect(await matrix.locator('tbody tr[data-service]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service')))).toEqual(['web', 'api', 'db', 'edge']);
  }, 55_000);

  it('draws a latency line per environment for the selected service', async () => {
    await page.locator('tr[data-service="api"]').click();
    await expect.poll(() => page.locator('#latency-title').textContent(), { timeout: 5_000 }).toContain('api');
    const chart = page.getByTestId('latency-chart');
    await expect.poll(() => chart.getAttribute('data-lines'), { timeout: 30_000, interval: 500 }).toBe(String(ENVIRONMENTS.length));
    // A line needs two points: the second 15 s bucket arrives within 15 s of the first. A lone point
    // paints ~25 pixels; a line across the plot, hundreds. An environment whose first points came late
    // (a loaded CI machine) spans a short stretch of the plot at first (145 px seen at 40 s): it grows
    // with each 15 s bucket, so the wait allows several of them.
    await expect
      .poll(async () => Object.values(await pixelsPerLine(page)), { timeout: 90_000, interval: 500 })
      .toSatisfy((counts: number[]) => counts.length === ENVIRONMENTS.length && counts.every((n) => n > 150));
    const legend = await chart.locator('.u-legend .u-series .u-label').allTextContents();
    for (const env of ENVIRONMENTS) expect(legend.join(' ')).toContain(env);

    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 135_000);
});
