// The dashboard with a few hundred services, in a real browser on a wall-screen-sized page: failing
// services first, the healthy ones folded into one line, only the rows in view rendered, and a filter
// that a link keeps.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellStatus, StatusResponse } from '../../api/types.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';
import { waitFor } from '../helpers/wait-for.js';

const SERVICES = 300;
const SEVERITY: Record<CellStatus, number> = { down: 0, degraded: 1, unknown: 2, up: 3 };
const SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results');
const name = (i: number) => `svc-${String(i).padStart(3, '0')}`;

/**
 * 300 services in dev, staging and prod: every 50th from 7 down (a closed port), every 75th from 30
 * degraded (one of two checks down), svc-150 unknown (its first run falls somewhere in a week).
 */
function scaleConfig(openPort: number, closedPort: number): string {
  const lines = [
    'environments: [dev, staging, prod]',
    `x-ok: &ok { tcp: { host: 127.0.0.1, port: ${openPort}, every: 2s, timeout: 1s } }`,
    `x-bad: &bad { tcp: { name: db, host: 127.0.0.1, port: ${closedPort}, every: 2s, timeout: 1s } }`,
    `x-weekly: &weekly { tcp: { name: weekly, host: 127.0.0.1, port: ${openPort}, every: 7d, timeout: 1s } }`,
    'services:',
  ];
  for (let i = 0; i < SERVICES; i++) {
    const checks = i === 150 ? '*weekly' : i % 50 === 7 ? '*bad' : i % 75 === 30 ? '*ok, *bad' : '*ok';
    lines.push(`  ${name(i)}: { owner: team-${i % 9}, checks: [${checks}] }`);
  }
  return `${lines.join('\n')}\n`;
}

function worstOf(status: StatusResponse): Map<string, CellStatus> {
  const worst = new Map<string, CellStatus>();
  for (const cell of status.cells) {
    const before = worst.get(cell.service);
    if (before === undefined || SEVERITY[cell.status] < SEVERITY[before]) worst.set(cell.service, cell.status);
  }
  return worst;
}

/** Headless Debian Chromium, as in dashboard.test.ts (importing it from there would run that suite too). */
function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const renderedServices = (page: Page) =>
  page.locator('[data-testid="status-matrix"] tbody tr[data-service]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-service')!));

describe('the dashboard with 300 services', () => {
  let listener: net.Server;
  let vigil: VigilProcess;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let status: StatusResponse;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    listener = net.createServer((socket) => socket.end());
    const closed = net.createServer();
    await Promise.all([new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve)), new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))]);
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-dashboard-scale-'));
    const configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(configFile, scaleConfig((listener.address() as net.AddressInfo).port, closedPort));
    [vigil, browser] = await Promise.all([startVigil({ args: ['--config', configFile] }), launchChromium()]);
    status = await waitFor(
      () => fetch(`${vigil.url}/api/v1/status`).then((r) => r.json() as Promise<StatusResponse>),
      (s) => s.cells.every((cell) => cell.status !== 'unknown' || cell.service === name(150)),
      20_000,
      'every cell but the weekly one known',
    );
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(vigil.url);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    await new Promise((resolve) => listener?.close(resolve));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists failing services first, folds the healthy ones into one line, and keeps failing checks and latency on screen', async () => {
    const worst = worstOf(status);
    const problems = [...worst].filter(([, s]) => s !== 'up').sort((a, b) => SEVERITY[a[1]] - SEVERITY[b[1]]);
    const healthy = SERVICES - problems.length;
    expect(problems.filter(([, s]) => s === 'down')).toHaveLength(6);

    const fold = page.getByTestId('matrix-fold');
    await expect.poll(() => fold.textContent(), { timeout: 15_000 }).toContain(`${healthy} healthy services`);
    await expect.poll(() => renderedServices(page)).toEqual(problems.map(([service]) => service));
    expect(await fold.locator('button').getAttribute('aria-expanded')).toBe('false');

    // A wall screen does not scroll: the fold line, the failing checks and the latency chart are in view.
    for (const locator of [fold, page.locator('#problems-title'), page.locator('#latency-title')]) {
      const box = (await locator.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(1080);
    }
    await expect.poll(() => page.locator('#latency-title').textContent()).toContain(problems[0]![0]);
    expect(await page.getByTestId('check-list').locator('li[data-check]').first().getAttribute('data-check')).toContain(problems[0]![0]);

    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-300.png') });
  }, 30_000);

  it('expands the healthy services, rendering only the rows in view', async () => {
    await page.getByTestId('matrix-fold').locator('button').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('healthy=show');
    await expect.poll(async () => (await renderedServices(page)).includes(name(0))).toBe(true);
    const rendered = await renderedServices(page);
    expect(rendered.length).toBeGreaterThan(12);
    expect(rendered.length).toBeLessThan(60);

    await page.getByTestId('matrix-viewport').evaluate((viewport) => viewport.scrollTo({ top: viewport.scrollHeight }));
    await expect.poll(async () => (await renderedServices(page)).at(-1)).toBe(name(SERVICES - 1));
    expect((await renderedServices(page)).length).toBeLessThan(60);
    // The fold line stays on screen, held at the top of the scrolled list.
    expect(await page.getByTestId('matrix-fold').isVisible()).toBe(true);
  }, 30_000);

  it('filters by name and status, and a link to the filtered page shows the same', async () => {
    const search = page.getByTestId('matrix-filter');
    await search.fill('svc-05');
    await expect.poll(() => renderedServices(page)).toEqual([name(57), ...Array.from({ length: 10 }, (_, i) => name(50 + i)).filter((s) => s !== name(57))]);
    await expect.poll(() => page.getByTestId('filter-summary').textContent()).toContain('10 of 300 services');

    await search.fill('svc-1');
    await page.locator('[data-status-filter="failing"]').click();
    const failing = [name(107), name(157), name(105), name(180)];
    await expect.poll(() => renderedServices(page)).toEqual(failing);
    const hash = await page.evaluate(() => location.hash);
    expect(new URLSearchParams(hash.split('?')[1])).toEqual(new URLSearchParams({ healthy: 'show', q: 'svc-1', status: 'failing' }));

    const wall = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    try {
      await wall.goto(`${vigil.url}/${hash}`);
      await expect.poll(() => renderedServices(wall), { timeout: 15_000 }).toEqual(failing);
      expect(await wall.getByTestId('matrix-filter').inputValue()).toBe('svc-1');
      expect(await wall.locator('[data-status-filter="failing"]').getAttribute('aria-pressed')).toBe('true');
    } finally {
      await wall.close();
    }
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
