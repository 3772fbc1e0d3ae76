// Dashboard first render at scale: the real built server (dist/cli/vigil.js) with 2,000 services × 3
// environments (one tcp check each against a loopback listener this script starts, every 10 s; 7 services
// down and 7 degraded against a closed port), opened in headless Debian Chromium once every cell is known.
// Measures the time from navigation start to the first complete render over a few runs, and the same for
// the embedded 3-service demo in the same run as the baseline; also the main-thread time a status poll costs
// the page at 2,000 services, and saves a wall-screen (1920×1080) screenshot. Prints one JSON line.
// Builds nothing: `npm run build:server && npm run build:dashboard` first (`npm run bench` builds the server).
// Run: node bench/dashboard.mjs [--runs 5] [--services 2000] [--screenshot test-results/dashboard-2000.png] [--debug]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { VIGIL_NODE_FLAGS } from './helpers/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('runs', 5));
const SERVICES = Number(arg('services', 2000));
const SCREENSHOT = path.resolve(root, arg('screenshot', 'test-results/dashboard-2000.png'));
const ENVIRONMENTS = ['dev', 'staging', 'prod'];
const VIEWPORT = { width: 1920, height: 1080 };
const POLL_WINDOW_MS = 16_000;
/** `--debug`: each run's resource timeline on stderr. */
const DEBUG = process.argv.includes('--debug');
const log = (line) => process.stderr.write(`${line}\n`);

for (const file of ['dist/cli/vigil.js', 'dist/dashboard/index.html']) {
  if (!fs.existsSync(path.join(root, file))) {
    console.error(`${file} is missing: run "npm run build:server && npm run build:dashboard" first`);
    process.exit(1);
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round1 = (n) => Math.round(n * 10) / 10;
const formatCount = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const isDown = (i) => i % 300 === 150;
const isDegraded = (i) => i % 300 === 50;

/** Compact YAML (~90 KB for 2,000 services; the limit is 1 MiB): the two check shapes are anchors. */
function scaleConfig(openPort, closedPort) {
  const lines = [
    `environments: [${ENVIRONMENTS.join(', ')}]`,
    `x-ok: &ok { tcp: { host: 127.0.0.1, port: ${openPort}, every: 10s, timeout: 2s } }`,
    `x-bad: &bad { tcp: { name: db, host: 127.0.0.1, port: ${closedPort}, every: 10s, timeout: 2s } }`,
    'services:',
  ];
  for (let i = 0; i < SERVICES; i++) {
    const checks = isDown(i) ? '*bad' : isDegraded(i) ? '*ok, *bad' : '*ok';
    lines.push(`  svc-${String(i).padStart(4, '0')}: { owner: team-${i % 17}, checks: [${checks}] }`);
  }
  return `${lines.join('\n')}\n`;
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/** `vigil serve` as a child process (with the node flags `npm start` gives it) on a free port with a temporary database; resolves with its URL. */
async function startVigil(dir, configArgs) {
  const child = spawn(
    process.execPath,
    [...VIGIL_NODE_FLAGS, path.join(root, 'dist/cli/vigil.js'), 'serve', ...configArgs, '--port', '0', '--host', '127.0.0.1', '--db', path.join(dir, 'vigil.db')],
    { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil did not start within 60 s:\n${output}`)), 60_000);
    const onData = () => {
      const match = /Vigil listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`vigil exited with ${code}:\n${output}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/** Polls the status until every cell has a known status; returns that answer and the response times seen. */
async function waitUntilKnown(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const startedAt = performance.now();
    const response = await fetch(`${url}/api/v1/status`, { headers: { 'accept-encoding': 'gzip' } });
    const status = await response.json();
    const answeredMs = performance.now() - startedAt;
    const unknown = status.cells.filter((cell) => cell.status === 'unknown').length;
    if (unknown === 0 && status.cells.length > 0) return { status, answeredMs };
    if (Date.now() > deadline) throw new Error(`${unknown} of ${status.cells.length} cells still unknown after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Response time (to the last byte) and size on the wire of the status answer, asked for gzip as a browser does. */
async function measureStatusAnswer(url, times) {
  const ms = [];
  let wireBytes = 0;
  let encoding = null;
  for (let i = 0; i < times; i++) {
    const startedAt = performance.now();
    await new Promise((resolve, reject) => {
      http
        .get(`${url}/api/v1/status`, { headers: { 'accept-encoding': 'gzip' } }, (response) => {
          encoding = response.headers['content-encoding'] ?? 'identity';
          wireBytes = 0;
          response.on('data', (chunk) => (wireBytes += chunk.length));
          response.on('end', resolve);
        })
        .on('error', reject);
    });
    ms.push(performance.now() - startedAt);
  }
  return { medianMs: round1(median(ms)), encoding, wireBytes };
}

/**
 * Installed before the page's own scripts: records `window.__completeAt`, the `performance.now()` (ms
 * since navigation start) of the first animation frame after the DOM first shows a complete render.
 *
 * "Complete" means all of: the matrix table is in the DOM; it has at least `minRows` service rows
 * (`tbody tr[data-service]`: at 2,000 services, the problem services that fit in the viewport; at the
 * demo, all 3) and none of their cells is still `unknown` (every cell was known by the API before the
 * page was opened); the fold line, when `foldText` is given, contains it ("1,986 healthy services");
 * and the header shows the time of the status answer ("Updated hh:mm:ss").
 */
function completeRenderProbe({ minRows, foldText }) {
  const isComplete = () => {
    const matrix = document.querySelector('[data-testid="status-matrix"]');
    if (!matrix) return false;
    const rows = matrix.querySelectorAll('tbody tr[data-service]');
    if (rows.length < minRows) return false;
    if (matrix.querySelector('tbody td[data-status="unknown"]')) return false;
    if (foldText !== null && !(document.querySelector('[data-testid="matrix-fold"]')?.textContent ?? '').includes(foldText)) return false;
    return document.querySelector('[data-testid="last-updated"] time') !== null;
  };
  const observer = new MutationObserver(() => {
    if (!isComplete()) return;
    observer.disconnect();
    requestAnimationFrame(() => {
      window.__completeAt = performance.now();
    });
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
}

async function firstRenderRuns(browser, url, expectation, runs) {
  const times = [];
  const statusTimes = [];
  // One unmeasured run first: Chromium's own start-up (fonts, first context) is not the dashboard's.
  for (let run = 0; run <= runs; run++) {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.addInitScript(completeRenderProbe, expectation);
    await page.goto(url);
    await page.waitForFunction(() => window.__completeAt !== undefined, null, { timeout: 30_000 });
    const { completeAt, statusAnsweredAt } = await page.evaluate(() => ({
      completeAt: window.__completeAt,
      // The first status answer's last byte (the preloaded request), for the server's share of the time.
      statusAnsweredAt: performance.getEntriesByType('resource').find((entry) => entry.name.endsWith('/api/v1/status'))?.responseEnd ?? null,
    }));
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    if (DEBUG) {
      const timeline = await page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map((e) => `${e.name.split('/').pop().slice(0, 16)} ${Math.round(e.startTime)}/${Math.round(e.requestStart)}/${Math.round(e.responseStart)}/${Math.round(e.responseEnd)}`)
          .join('  '),
      );
      log(`  run ${run}: complete ${Math.round(completeAt)} ms; start/request/first byte/last byte: ${timeline}`);
    }
    if (run > 0) {
      times.push(round1(completeAt));
      if (statusAnsweredAt !== null) statusTimes.push(round1(statusAnsweredAt));
    }
    await context.close();
  }
  return { medianMs: median(times), runsMs: times, statusAnsweredMs: statusTimes.length > 0 ? median(statusTimes) : null };
}

/** Main-thread time the page spends per status poll, from Chromium's TaskDuration over a few polls. */
async function pollCost(browser, url, expectation) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.addInitScript(completeRenderProbe, expectation);
  await page.goto(url);
  await page.waitForFunction(() => window.__completeAt !== undefined, null, { timeout: 30_000 });
  await page.waitForTimeout(2_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  let polls = 0;
  page.on('requestfinished', (request) => {
    if (request.url().includes('/api/v1/status')) polls += 1;
  });
  const before = await taskSeconds();
  await page.waitForTimeout(POLL_WINDOW_MS);
  const after = await taskSeconds();
  const renderedRows = await page.locator('[data-testid="status-matrix"] tbody tr').count();
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  await context.close();
  // The window also holds one latency refresh (every 15 s): the figure is an upper bound per poll.
  return { polls, mainThreadMsPerPoll: polls > 0 ? round1(((after - before) * 1000) / polls) : null, renderedRows };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-dashboard-'));
const target = net.createServer((socket) => socket.end());
const closedServer = net.createServer();
const stops = [];
let browser;
try {
  const openPort = await listen(target);
  const closedPort = await listen(closedServer);
  await new Promise((resolve) => closedServer.close(resolve));
  const configFile = path.join(dir, 'vigil.yaml');
  fs.writeFileSync(configFile, scaleConfig(openPort, closedPort));
  const configBytes = fs.statSync(configFile).size;

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  // The baseline: the embedded demo, 3 services × 3 environments.
  fs.mkdirSync(path.join(dir, 'demo'));
  const demo = await startVigil(path.join(dir, 'demo'), []);
  stops.push(demo.stop);
  log(`demo at ${demo.url}; waiting for every cell…`);
  const demoStatus = (await waitUntilKnown(demo.url, 60_000)).status;
  const demoRender = await firstRenderRuns(browser, demo.url, { minRows: demoStatus.services.length, foldText: null }, RUNS);
  log(`demo first render: ${JSON.stringify(demoRender)}`);
  await demo.stop();

  fs.mkdirSync(path.join(dir, 'scale'));
  const scale = await startVigil(path.join(dir, 'scale'), ['--config', configFile]);
  stops.push(scale.stop);
  log(`${SERVICES} services at ${scale.url}; waiting for every cell…`);
  const { status } = await waitUntilKnown(scale.url, 120_000);
  const worst = new Map();
  for (const cell of status.cells) if (cell.status !== 'up') worst.set(cell.service, cell.status);
  const healthy = status.services.length - worst.size;
  const statusAnswer = await measureStatusAnswer(scale.url, 5);
  log(`status answer: ${JSON.stringify(statusAnswer)}; ${worst.size} services with a problem, ${healthy} healthy`);
  const expectation = { minRows: Math.min(worst.size, 10), foldText: `${formatCount(healthy)} healthy services` };
  const scaleRender = await firstRenderRuns(browser, scale.url, expectation, RUNS);
  log(`${SERVICES} services first render: ${JSON.stringify(scaleRender)}`);
  const polling = await pollCost(browser, scale.url, expectation);
  log(`polling: ${JSON.stringify(polling)}; screenshot ${SCREENSHOT}`);

  console.log(
    JSON.stringify({
      services: SERVICES,
      environments: ENVIRONMENTS.length,
      cells: status.cells.length,
      configBytes,
      runs: RUNS,
      firstRenderMs: scaleRender.medianMs,
      firstRenderRunsMs: scaleRender.runsMs,
      statusAnsweredInPageMs: scaleRender.statusAnsweredMs,
      demoFirstRenderMs: demoRender.medianMs,
      demoFirstRenderRunsMs: demoRender.runsMs,
      ratioToDemo: round1(scaleRender.medianMs / demoRender.medianMs),
      statusAnswerMs: statusAnswer.medianMs,
      statusAnswerWireBytes: statusAnswer.wireBytes,
      statusAnswerEncoding: statusAnswer.encoding,
      renderedRows: polling.renderedRows,
      pollsMeasured: polling.polls,
      mainThreadMsPerPoll: polling.mainThreadMsPerPoll,
      screenshot: path.relative(root, SCREENSHOT),
    }),
  );
} finally {
  await browser?.close();
  for (const stop of stops) await stop();
  await new Promise((resolve) => target.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
}
