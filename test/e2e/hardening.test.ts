// [X1] hardening against the real process: the dashboard renders under the Content-Security-Policy
// without a single violation, and a slowloris of 500 sockets neither starves /health/live nor keeps
// its sockets: the server closes each once its headers timeout passes.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';
import { launchChromium } from '../helpers/chromium.js';

const SLOW_SOCKETS = 500;

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

describe('the dashboard under its Content-Security-Policy', () => {
  let vigil: VigilProcess;
  let browser: Browser;

  beforeAll(async () => {
    [vigil, browser] = await Promise.all([startVigil(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  it('renders the overview, incidents and wall with no CSP violation and no console error', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.exposeFunction('reportViolation', (text: string) => problems.push(`CSP: ${text}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        (window as unknown as { reportViolation(text: string): void }).reportViolation(`${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`);
      });
    });
    const response = await page.goto(`${vigil.url}/`);
    expect(response?.headers()['content-security-policy']).toContain("style-src 'self'");
    await expect.poll(() => page.getByTestId('status-matrix').locator('td[data-status]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    // A chart draws once a service is chosen: uPlot's own styles must come from the stylesheet.
    await page.locator('tr[data-service="api"]').click();
    await expect.poll(() => page.getByTestId('latency-chart').locator('canvas').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.goto(`${vigil.url}/#/incidents`);
    await expect.poll(() => page.getByTestId('incident-filter').count(), { timeout: 15_000 }).toBe(1);
    await page.goto(`${vigil.url}/#/wall`);
    await expect.poll(() => page.getByTestId('wall-tiles').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // Late violations (a style set after data arrives) have a moment to show up.
    await page.waitForTimeout(1000);
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);
});

describe('a slowloris', () => {
  let vigil: VigilProcess;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-slowloris-'));
    const configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(
      configFile,
      ['environments: [prod]', 'server:', '  headers_timeout: 2s', 'services:', '  api:', '    checks:', '      - tcp: { host: 127.0.0.1, port: 9, every: 1h }', ''].join('\n'),
    );
    vigil = await startVigil({ args: ['--config', configFile] });
  });
  afterAll(async () => {
    await vigil?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`of ${SLOW_SOCKETS} sockets sending headers slowly is cut off, and /health/live answers throughout`, async () => {
    const { port } = new URL(vigil.url);
    const closedByServer = new Set<number>();
    const answered408 = new Set<number>();
    const sockets: net.Socket[] = [];
    const drips: NodeJS.Timeout[] = [];
    try {
      await Promise.all(
        Array.from({ length: SLOW_SOCKETS }, (_, i) =>
          new Promise<void>((resolve, reject) => {
            const socket = net.connect(Number(port), '127.0.0.1', () => {
              socket.write('GET /health/live HTTP/1.1\r\nHost: vigil\r\n');
              // One more header line every 500 ms, never the blank line that ends them (bounded by the finally below).
              drips.push(setInterval(() => socket.writable && socket.write(`X-Slow-${i}: ${Date.now()}\r\n`), 500));
              resolve();
            });
            socket.on('data', (data) => {
              if (data.toString().startsWith('HTTP/1.1 408')) answered408.add(i);
            });
            socket.on('end', () => closedByServer.add(i));
            socket.on('close', () => closedByServer.add(i));
            socket.on('error', () => closedByServer.add(i));
            socket.once('error', reject);
            sockets.push(socket);
          }),
        ),
      );
      // While they drip, the health check keeps answering on fresh connections.
      let healthAnswers = 0;
      while (closedByServer.size < SLOW_SOCKETS) {
        expect(await get(`${vigil.url}/health/live`)).toBe(200);
        healthAnswers++;
        await new Promise((resolve) => setTimeout(resolve, 200));
        if (healthAnswers > 150) break;
      }
      expect(healthAnswers).toBeGreaterThan(0);
      expect(closedByServer.size).toBe(SLOW_SOCKETS);
      expect(answered408.size).toBe(SLOW_SOCKETS);
      expect(await get(`${vigil.url}/health/live`)).toBe(200);
    } finally {
      for (const drip of drips) clearInterval(drip);
      for (const socket of sockets) socket.destroy();
    }
  }, 90_000);
});

describe('rate limits of the real process', () => {
  let vigil: VigilProcess;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-rate-e2e-'));
    const config = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(
      config,
      'server:\n  rate_limit:\n    metrics: { per_second: 0.01, burst: 2 }\nenvironments: [prod]\nservices:\n  api:\n    checks:\n      - tcp: { host: 127.0.0.1, port: 9, every: 1h }\n',
    );
    vigil = await startVigil({ args: ['--config', config] });
  });
  afterAll(async () => {
    await vigil?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts each refused request on /metrics, by class of route', async () => {
    expect([await get(`${vigil.url}/metrics`), await get(`${vigil.url}/metrics`), await get(`${vigil.url}/metrics`)]).toEqual([200, 200, 429]);
    // Past its budget, this address scrapes again with a bearer token: /metrics checks no token, and a token counts in a bucket of its own.
    const text = await new Promise<string>((resolve, reject) => {
      http.get(`${vigil.url}/metrics`, { agent: false, headers: { authorization: 'Bearer vgl_scraper' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`/metrics answered ${res.statusCode}`))));
      }).on('error', reject);
    });
    const refused = (name: string) => Number(new RegExp(`^vigil_http_requests_rate_limited_total\\{class="${name}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    expect({ api: refused('api'), ingest: refused('ingest'), metrics: refused('metrics') }).toEqual({ api: 0, ingest: 0, metrics: 1 });
  });
});
