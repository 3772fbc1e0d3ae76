// [X1] hardening through a real server on loopback: security headers on every answer, the dashboard's
// files (caching, compression, 404s, path traversal), rate limits, and reserved names over OTLP.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { listenHttp, type HttpListener } from '../../api/http-server.js';
import { createVigilMetrics } from '../../api/metrics.js';
import { createRateLimits, TokenBuckets } from '../../api/rate-limit.js';
import { CONTENT_SECURITY_POLICY } from '../../api/security-headers.js';
import { createCollector } from '../../collector/index.js';
import { loadConfigText } from '../../config/load.js';
import { DEFAULT_OTLP_CONFIG } from '../../config/types.js';
import { LiveView } from '../../ingest/live-view.js';
import { IngestWriter } from '../../ingest/writer.js';
import { systemClock } from '../../lib/clock.js';
import { builtinProbes } from '../../probes/index.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Store } from '../../store/types.js';

const SECRET_TEXT = 'the-file-outside-the-dashboard';
const INDEX_HTML = '<!doctype html><html><head><script type="module" src="/assets/app-Ab12Cd34.js"></script></head><body><div id="app"></div></body></html>';
const SCRIPT = `export const rows = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `row ${i} of the dashboard`))};\n`;

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A request with its path sent byte for byte (fetch would normalize `..` and escapes away). */
function request(port: number, rawPath: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

interface TestVigil {
  readonly port: number;
  close(): Promise<void>;
}

async function startVigil(dir: string, serverYaml = ''): Promise<TestVigil> {
  const store: Store = await openSqliteStore(path.join(dir, `vigil-${Math.random().toString(36).slice(2)}.db`), { readers: 0 });
  const registry = builtinProbes();
  const config = loadConfigText(`environments: [prod]\n${serverYaml}services:\n  api:\n    checks:\n      - tcp: { host: 127.0.0.1, port: 9, every: 1h }\n`, { file: 'vigil.yaml', env: {}, registry });
  const live = new LiveView();
  const metrics = createVigilMetrics(new Registry(), registry.kinds(), live);
  const writer = new IngestWriter(store, live, { clock: systemClock, log: () => {} });
  const collector = createCollector({ config: DEFAULT_OTLP_CONFIG, writer, clock: systemClock, registry: metrics.registry });
  const app = createApp({
    config,
    store,
    live,
    metrics,
    clock: systemClock,
    schedulerRunning: () => true,
    dashboardDir: path.join(dir, 'dashboard'),
    mounts: [['/v1', collector.routes]],
  });
  const listener: HttpListener = await listenHttp(app, '127.0.0.1', 0, config.server);
  return {
    port: listener.port,
    async close() {
      await listener.close();
      await writer.close();
      await store.close();
    },
  };
}

describe('hardening of the HTTP server', () => {
  let dir: string;
  let vigil: TestVigil;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-hardening-'));
    fs.mkdirSync(path.join(dir, 'dashboard', 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'dashboard', 'index.html'), INDEX_HTML);
    fs.writeFileSync(path.join(dir, 'dashboard', 'assets', 'app-Ab12Cd34.js'), SCRIPT);
    fs.writeFileSync(path.join(dir, 'dashboard', 'assets', 'style-Ef56Gh78.css'), `.row { color: red; }\n`.repeat(200));
    // What the build writes beside a file (dashboard/vite.config.ts): brotli's best level.
    fs.writeFileSync(path.join(dir, 'dashboard', 'assets', 'style-Ef56Gh78.css.br'), brotliCompressSync(`.row { color: red; }\n`.repeat(200), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }));
    fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET_TEXT);
    vigil = await startVigil(dir);
  });
  afterAll(async () => {
    await vigil?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    { what: 'liveness', path: '/health/live', status: 200 },
    { what: 'readiness', path: '/health/ready', status: 200 },
    { what: '/metrics', path: '/metrics', status: 200 },
    { what: 'the status JSON', path: '/api/v1/status', status: 200 },
    { what: 'a 400 of the API', path: '/api/v1/series', status: 400 },
    { what: 'a 404 of the API', path: '/api/v1/nope', status: 404 },
    { what: 'a 401 of a mutation without a token', path: '/api/v1/tokens', method: 'POST', status: 401 },
    { what: 'the dashboard page', path: '/', status: 200 },
    { what: 'a dashboard asset', path: '/assets/app-Ab12Cd34.js', status: 200 },
    { what: 'a missing asset', path: '/assets/nope.js', status: 404 },
    { what: 'an OTLP export', path: '/v1/metrics', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', status: 200 },
    { what: 'an OTLP logs export', path: '/v1/logs', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', status: 404 },
    { what: 'an OTLP export of another type', path: '/v1/metrics', method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x', status: 415 },
  ])('sets the security headers on $what ($status)', async ({ path: urlPath, status, ...opts }) => {
    const answer = await request(vigil.port, urlPath, opts);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(answer.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    expect(answer.headers['x-frame-options']).toBe('DENY');
  });

  it('caches hashed assets for a year and has index.html revalidated (304 on its ETag)', async () => {
    const asset = await request(vigil.port, '/assets/app-Ab12Cd34.js');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.body.toString()).toBe(SCRIPT);
    const page = await request(vigil.port, '/');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body.toString()).toBe(INDEX_HTML);
    const again = await request(vigil.port, '/', { headers: { 'if-none-match': String(page.headers.etag) } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it.each([
    { coding: 'br', accept: 'gzip, deflate, br', decode: brotliDecompressSync },
    { coding: 'gzip', accept: 'gzip', decode: gunzipSync },
  ])('compresses assets with $coding when asked, the same bytes once decoded', async ({ coding, accept, decode }) => {
    const answer = await request(vigil.port, '/assets/app-Ab12Cd34.js', { headers: { 'accept-encoding': accept } });
    expect(answer.headers['content-encoding']).toBe(coding);
    expect(answer.headers.vary).toMatch(/accept-encoding/i);
    expect(answer.body.length).toBeLessThan(SCRIPT.length / 3);
    expect(decode(answer.body).toString()).toBe(SCRIPT);
    const plain = await request(vigil.port, '/assets/app-Ab12Cd34.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('sends the compressed file the build made as it is, and never serves it under its own name', async () => {
    const built = fs.readFileSync(path.join(dir, 'dashboard', 'assets', 'style-Ef56Gh78.css.br'));
    const answer = await request(vigil.port, '/assets/style-Ef56Gh78.css', { headers: { 'accept-encoding': 'br' } });
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(answer.body.equals(built)).toBe(true);
    expect((await request(vigil.port, '/assets/style-Ef56Gh78.css.br')).status).toBe(404);
  });

  it.each(['/assets/nope.js', '/favicon.ico', '/assets/', '/robots.txt', '/v1/metrics', '/metrics/x'])('answers 404, not the app page, for %s', async (urlPath) => {
    const answer = await request(vigil.port, urlPath);
    expect(answer.status).toBe(404);
    expect(answer.body.toString()).not.toContain('<html');
  });

  it('serves the page for a client-side route', async () => {
    const answer = await request(vigil.port, '/wall');
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe(INDEX_HTML);
  });

  // Grafana's CVE-2021-43798: a plugin's static path joined with the URL read any file.
  it.each([
    '/assets/..%2f..%2fsecret.txt',
    '/assets/..%2F..%2Fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%252f..%252fsecret.txt',
    '/assets/%252e%252e/%252e%252e/secret.txt',
    '/assets/..\\..\\secret.txt',
    '/assets/..%5c..%5csecret.txt',
    '/..%5csecret.txt',
    '/assets/../../secret.txt',
    '/../secret.txt',
    '//secret.txt',
    '/assets/app-Ab12Cd34.js%00.html',
    '/assets/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/..%2f..%2f..%2fetc%2fpasswd',
  ])('answers 404 to the traversal %s and reads nothing outside the dashboard', async (rawPath) => {
    const answer = await request(vigil.port, rawPath);
    // A raw backslash never reaches the app: Node's HTTP parser refuses the request line with a 400.
    expect(rawPath.includes('\\') ? [400, 404] : [404]).toContain(answer.status);
    const body = answer.body.toString();
    expect(body).not.toContain(SECRET_TEXT);
    expect(body).not.toContain('root:');
    expect(body).not.toContain('<html');
  });
});

describe('rate limits', () => {
  let dir: string;
  let vigil: TestVigil;
  const LIMITS = 'server:\n  rate_limit:\n    api: { per_second: 0.01, burst: 5 }\n    ingest: { per_second: 0.01, burst: 3 }\n    metrics: { per_second: 0.01, burst: 4 }\n';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-rate-'));
    vigil = await startVigil(dir, LIMITS);
  });
  afterAll(async () => {
    await vigil?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers 429 with Retry-After and the API's error shape past a client's burst, and never limits /health", async () => {
    for (let i = 0; i < 5; i++) expect((await request(vigil.port, '/api/v1/status')).status).toBe(200);
    const refused = await request(vigil.port, '/api/v1/status');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body.toString())).toEqual({ error: { code: 'rate_limited', message: expect.stringContaining('retry in') } });
    expect(refused.headers['x-frame-options']).toBe('DENY');
    // /health is never limited, /metrics has its own budget: a client past its API rate is still probed and scraped.
    for (let i = 0; i < 50; i++) expect((await request(vigil.port, '/health/live')).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await request(vigil.port, '/metrics')).status).toBe(200);
    expect((await request(vigil.port, '/metrics')).status).toBe(429);
    // A token has its own bucket (here an unknown one: the guard then says 401, not 429).
    expect((await request(vigil.port, '/api/v1/status', { headers: { authorization: 'Bearer vgl_unknown' } })).status).toBe(401);
  });

  it('limits OTLP exports and heartbeat beats as ingest, apart from the API', async () => {
    const otlp = () => request(vigil.port, '/v1/metrics', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    for (let i = 0; i < 2; i++) expect((await otlp()).status).toBe(200);
    expect((await request(vigil.port, '/api/v1/heartbeat/aaaaaaaaaaaaaaaaaaaa', { method: 'POST' })).status).toBe(404);
    const refused = await otlp();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

describe('token buckets', () => {
  it('allow the burst, then one request per 1/rate seconds, and say how long to wait', () => {
    const buckets = new TokenBuckets({ perSecond: 2, burst: 3 }, 100);
    expect([0, 0, 0].map(() => buckets.take('a', 1000))).toEqual([0, 0, 0]);
    expect(buckets.take('a', 1000)).toBe(500);
    expect(buckets.take('a', 1250)).toBe(250);
    expect(buckets.take('a', 1500)).toBe(0);
    expect(buckets.take('b', 1500)).toBe(0);
    // Idle long enough, a bucket is full again, never fuller than the burst.
    expect([0, 0, 0, 0].map(() => buckets.take('a', 100_000))).toEqual([0, 0, 0, 500]);
  });

  it('track at most max clients, forgetting the longest idle first', () => {
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1 }, 1000);
    for (let i = 0; i < 100_000; i++) buckets.take(`client-${i}`, i);
    expect(buckets.size).toBe(1000);
    // The most recent client is remembered (its bucket is empty); the first is forgotten (full again).
    expect(buckets.take('client-99999', 99_999)).toBeGreaterThan(0);
    expect(buckets.take('client-0', 99_999)).toBe(0);
  });

  it('are off when server.rate_limit.enabled is false', () => {
    expect(createRateLimits({ enabled: false, maxClients: 1, api: { perSecond: 1, burst: 1 }, ingest: { perSecond: 1, burst: 1 }, metrics: { perSecond: 1, burst: 1 } })).toBeNull();
  });
});
