import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createVigilMetrics } from '../../api/metrics.js';
import type { SeriesResponse, StatusResponse } from '../../api/types.js';
import { loadConfigText } from '../../config/load.js';
import { builtinProbes } from '../../probes/index.js';
import { LiveView } from '../../ingest/live-view.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { CheckResult, Sample, Store } from '../../store/types.js';

const CONFIG = `
environments: [staging, prod]
services:
  api:
    owner: team-payments
    runbook: https://runbooks.example.com/api/{{check}}
    checks:
      - http: { url: "https://{{env}}.example.com/health", every: 10s, timeout: 2s, headers: { Authorization: "Bearer \${API_TOKEN}" } }
      - tcp: { name: db, host: "db.{{env}}.internal", port: 5432, every: 10s, timeout: 2s }
  web:
    environments: [prod]
    checks:
      - http: { url: "https://www.example.com/", every: 30s }
`;
const SECRET = 's3cr3t-t0ken-value';
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

function result(checkId: string, over: Partial<CheckResult> = {}): CheckResult {
  const [env, service, check] = checkId.split('/');
  return { checkId, env, service, check, kind: check === 'db' ? 'tcp' : 'http', ts: NOW - 5_000, success: true, degraded: false, durationSeconds: 0.12, error: null, detail: null, ...over };
}

describe('the HTTP API', () => {
  let dir: string;
  let store: Store;
  let schedulerRunning = true;
  let app: ReturnType<typeof createApp>;
  let metrics: ReturnType<typeof createVigilMetrics>;
  let live: LiveView;
  /** Check results as the ingest path hands them to the live view. */
  const recordCheckResults = (results: CheckResult[]) => results.forEach((r) => live.recordCheck(r));
  /** Samples as the ingest path admits them to the live view. */
  const observeSamples = (samples: Sample[]) => live.admit(samples, 'test', NOW, 60_000);

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-api-'));
    // Reader threads are covered by the store contract suite and the heavy-reads test; here queries run inline.
    store = await openSqliteStore(path.join(dir, 'vigil.db'), { readers: 0 });
    const registry = builtinProbes();
    const config = loadConfigText(CONFIG, { file: 'vigil.yaml', env: { API_TOKEN: SECRET }, registry });
    live = new LiveView();
    metrics = createVigilMetrics(new Registry(), registry.kinds(), live);
    schedulerRunning = true;
    app = createApp({ config, store, live, metrics, clock: { now: () => NOW }, schedulerRunning: () => schedulerRunning });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = async (url: string) => {
    const res = await app.request(url);
    return { status: res.status, body: await res.json() };
  };

  it('answers live and ready while the store and the scheduler work', async () => {
    expect(await get('/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/health/ready')).toEqual({ status: 200, body: { status: 'ok', problems: [] } });
  });

  it('is not ready when the scheduler has stopped, and says why', async () => {
    schedulerRunning = false;
    expect(await get('/health/ready')).toEqual({ status: 503, body: { status: 'unavailable', problems: ['scheduler is not running'] } });
  });

  it('reports each environment × service with the status its checks add up to', async () => {
    recordCheckResults([
      result('staging/api/http'),
      result('staging/api/db', { success: false, error: 'connection refused to db.staging.internal:5432' }),
      result('prod/api/http', { success: false, error: 'expected status 2xx, got 503' }),
      result('prod/api/db', { success: false, error: 'timed out after 2s while connecting' }),
      result('prod/web/http', { success: true, degraded: true, detail: 'cache: down' }),
    ]);
    const { status, body } = await get('/api/v1/status');
    const s = body as StatusResponse;
    expect(status).toBe(200);
    expect(s.environments).toEqual(['staging', 'prod']);
    const cell = (env: string, service: string) => s.cells.find((c) => c.env === env && c.service === service)!;
    expect(cell('staging', 'api').status).toBe('degraded');
    expect(cell('prod', 'api').status).toBe('down');
    expect(cell('prod', 'web').status).toBe('degraded');
    expect(s.cells.find((c) => c.env === 'staging' && c.service === 'web')).toBeUndefined();
    const db = cell('staging', 'api').checks.find((c) => c.name === 'db')!;
    expect(db).toMatchObject({ id: 'staging/api/db', kind: 'tcp', status: 'down', error: 'connection refused to db.staging.internal:5432', runbook: 'https://runbooks.example.com/api/db' });
  });

  it('answers a status poll that already holds the current answer with 304, and a poll with its cursor with the changed cells', async () => {
    recordCheckResults([result('prod/web/http')]);
    const first = await app.request('/api/v1/status');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"/);
    expect((await app.request('/api/v1/status', { headers: { 'if-none-match': etag } })).status).toBe(304);
    const { cursor } = (await first.json()) as { cursor: string };
    const delta = await get(`/api/v1/status?since=${encodeURIComponent(cursor)}`);
    expect(delta.body).toMatchObject({ partial: true, cells: [] });
  });

  it('calls a check unknown when its last result is older than three intervals', async () => {
    recordCheckResults([result('prod/web/http', { ts: NOW - 10 * 60_000 })]);
    const s = (await get('/api/v1/status')).body as StatusResponse;
    const web = s.cells.find((c) => c.env === 'prod' && c.service === 'web')!;
    expect(web.status).toBe('unknown');
    expect(web.checks[0].detail).toBe('no result for 600s');
  });

  it('serves a series at raw resolution and from rollups with the same averages', async () => {
    const samples = [];
    for (let i = 0; i < 120; i++) {
      for (const env of ['staging', 'prod']) {
        samples.push({ name: 'probe_duration_seconds', labels: { env, service: 'api', check: 'http' }, ts: NOW - 3_600_000 + i * 10_000, value: env === 'prod' ? 0.1 + (i % 6) * 0.01 : 0.3 });
      }
    }
    await store.samples.append(samples);
    await store.samples.rollUp(NOW);
    const from = NOW - 3_600_000;
    const raw = (await get(`/api/v1/series?metric=probe_duration_seconds&match=env=prod&from=${from}&to=${from + 1_200_000}&step=10s`)).body as SeriesResponse;
    expect(raw.resolution).toBe('raw');
    expect(raw.series).toHaveLength(1);
    expect(raw.series[0].labels).toEqual({ env: 'prod', service: 'api', check: 'http' });
    expect(raw.series[0].points).toHaveLength(120);
    expect(raw.series[0].points[1]).toEqual([from + 10_000, 0.11]);

    const minute = (await get(`/api/v1/series?metric=probe_duration_seconds&match=env!=staging&from=${from}&to=${from + 1_200_000}&step=1m&agg=avg`)).body as SeriesResponse;
    expect(minute.resolution).toBe('1m');
    expect(minute.series[0].points).toHaveLength(20);
    for (const [, v] of minute.series[0].points) expect(v).toBeCloseTo(0.125, 9);
    const p99 = (await get(`/api/v1/series?metric=probe_duration_seconds&match=env=prod&from=${from}&to=${from + 1_200_000}&step=1m&agg=p99`)).body as SeriesResponse;
    for (const [, v] of p99.series[0].points) expect(Math.abs(v - 0.15) / 0.15).toBeLessThan(0.01);
  });

  it.each([
    ['no metric', '/api/v1/series?step=1m', /metric/],
    ['a step that is not a duration', '/api/v1/series?metric=m&step=fast', /step: expected a duration/],
    ['a step under a second', '/api/v1/series?metric=m&step=10ms', /step/],
    ['from after to', '/api/v1/series?metric=m&from=now&to=now-1h', /from: must be before to/],
    ['a time that is not a time', '/api/v1/series?metric=m&from=yesterday-ish', /from: expected epoch ms/],
    ['a matcher without an operator', '/api/v1/series?metric=m&match=prod', /match: expected label=value/],
    ['an unknown aggregate', '/api/v1/series?metric=m&agg=median', /agg/],
    ['an unknown parameter', '/api/v1/series?metric=m&stpe=1m', /stpe/],
    ['too many points', '/api/v1/series?metric=m&from=now-30d&step=1s', /more than 11000 points/],
    ['a step too large to hold', '/api/v1/series?metric=m&step=99999999999999999999s', /step: expected a duration from 1s to 366d/],
    ['a time too large to hold', '/api/v1/series?metric=m&from=99999999999999999999&to=now', /from: expected epoch ms/],
  ])('rejects %s with a 400 that says what is wrong', async (_name, url, message) => {
    const { status, body } = await get(url);
    expect(status).toBe(400);
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toMatch(message);
  });

  it('refuses a series query over the store bounds with a 400 that names the bound', async () => {
    const samples: Sample[] = [];
    for (let s = 0; s < 1_001; s++) samples.push({ name: 'queue_depth', labels: { env: 'prod', queue: `q${s}` }, ts: NOW - 1000, value: s });
    await store.samples.append(samples);
    const { status, body } = await get('/api/v1/series?metric=queue_depth&from=now-5m&step=1m');
    expect(status).toBe(400);
    expect(body.error.message).toBe('queue_depth matches 1001 series, over the limit of 1000 per query; narrow it with match= (like match=env=prod or match=service=api)');
    expect((await get('/api/v1/series?metric=queue_depth&match=queue=q7&from=now-5m&step=1m')).status).toBe(200);
  });

  it('mounts the routes a part brings (a collector, rules) before the API catch-all', async () => {
    const registry = builtinProbes();
    const config = loadConfigText(CONFIG, { file: 'vigil.yaml', env: { API_TOKEN: SECRET }, registry });
    const part = new Hono().get('/incidents', (c) => c.json({ incidents: [] }));
    const withPart = createApp({ config, store, live, metrics, clock: { now: () => NOW }, schedulerRunning: () => true, mounts: [['/api/v1', part]] });
    const res = await withPart.request('/api/v1/incidents');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ incidents: [] });
    expect((await withPart.request('/api/v1/nope')).status).toBe(404);
  });

  it('answers a large series query gzipped as it streams (plain with its length), framed with the query it answers', async () => {
    const from = NOW - 3_600_000;
    const samples = [];
    for (let i = 0; i < 3000; i++) for (const env of ['staging', 'prod']) samples.push({ name: 'probe_duration_seconds', labels: { env, service: 'api', check: 'http' }, ts: from + i * 1000, value: i / 7 });
    await store.samples.append(samples);
    const url = `/api/v1/series?metric=probe_duration_seconds&from=${from}&to=${from + 3_000_000}&step=1s&agg=max`;
    const zipped = await app.request(url, { headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    const body = JSON.parse(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString('utf8')) as SeriesResponse;
    expect(body).toMatchObject({ metric: 'probe_duration_seconds', from, to: from + 3_000_000, stepMs: 1000, aggregate: 'max', resolution: 'raw' });
    expect(body.series.map((s) => [s.labels.env, s.points.length])).toEqual([['prod', 3000], ['staging', 3000]]);
    expect(body.series[0].points[7]).toEqual([from + 7000, 1]);
    const plain = await app.request(url);
    expect(plain.headers.get('content-encoding')).toBeNull();
    const text = await plain.text();
    expect(Number(plain.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(JSON.parse(text)).toEqual(body);
  });

  it('gzips a large /metrics as it streams, the same text as plain', async () => {
    // One source per queue: a source may have at most 100 live series.
    for (let i = 0; i < 2_000; i++) live.admit([{ name: 'queue_depth', labels: { env: 'prod', service: 'api', queue: `q${i}` }, ts: NOW, value: i }], `queue-${i}`, NOW, 60_000);
    const zipped = await app.request('/metrics', { headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('content-type')).toBe(metrics.contentType);
    const text = gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString('utf8');
    expect(text.length).toBeGreaterThan(64 * 1024);
    const lines = (body: string) => body.split('\n').filter((line) => line.startsWith('vigil_queue_depth'));
    expect(lines(text)).toHaveLength(2_000);
    expect(lines(text)).toEqual(lines(await (await app.request('/metrics')).text()));
  });

  it.each([
    ['plain', {}],
    ['gzipped', { 'accept-encoding': 'gzip' }],
  ])('answers a scraper that asks for OpenMetrics in OpenMetrics (%s)', async (_name, headers) => {
    const prometheusAccept = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const res = await app.request('/metrics', { headers: { accept: prometheusAccept, ...headers } });
    expect(res.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const body = Buffer.from(await res.arrayBuffer());
    const text = (res.headers.get('content-encoding') === 'gzip' ? gunzipSync(body) : body).toString('utf8');
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text).toMatch(/^# TYPE vigil_probe_runs counter$/m);
    const plain = await app.request('/metrics', { headers: { accept: 'text/plain;version=0.0.4' } });
    expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await plain.text()).not.toContain('# EOF');
  });

  it.each(['/api/v1/status', '/metrics'])('compresses %s with gzip when the client accepts it', async (url) => {
    const plain = await app.request(url);
    const zipped = await app.request(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    const body = Buffer.from(await zipped.arrayBuffer());
    const text = gunzipSync(body).toString('utf8');
    expect(text.slice(0, 30)).toBe((await plain.text()).slice(0, 30));
    expect(plain.headers.get('content-encoding')).toBeNull();
  });

  it('answers unknown API routes with a JSON 404', async () => {
    expect(await get('/api/v1/nope')).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'no route for GET /api/v1/nope' } } });
  });

  it('shows the expanded config without its secrets', async () => {
    const res = await app.request('/api/v1/config');
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('Bearer ***');
    expect(text).toContain('https://prod.example.com/health');
  });

  it('exposes the last value of every series on /metrics, also when a metric gains a label', async () => {
    observeSamples([
      { name: 'probe_success', labels: { env: 'prod', service: 'api', check: 'http' }, ts: NOW, value: 1 },
      { name: 'queue_depth', labels: { env: 'prod', service: 'api', check: 'health' }, ts: NOW, value: 7 },
    ]);
    observeSamples([{ name: 'queue_depth', labels: { env: 'prod', service: 'api', check: 'health', queue: 'exports' }, ts: NOW, value: 42 }]);
    observeSamples([{ name: 'probe_success', labels: { env: 'prod', service: 'api', check: 'http' }, ts: NOW + 1, value: 0 }]);
    const res = await app.request('/metrics');
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    expect(text).toContain('vigil_probe_success{check="http",env="prod",service="api"} 0');
    expect(text).toContain('vigil_queue_depth{check="health",env="prod",service="api"} 7');
    expect(text).toContain('vigil_queue_depth{check="health",env="prod",queue="exports",service="api"} 42');
    expect(text).toContain('vigil_probe_runs_total{kind="http",result="failure"} 0');
  });
});

describe('series answers mark maintenance', () => {
  const MAINTENANCE_CONFIG = `
environments: [staging, prod]
services:
  api:
    checks:
      - tcp: { host: "db.{{env}}.internal", port: 5432, every: 10s, timeout: 2s }
maintenance:
  - { environments: [staging], cron: "0 * * * *", duration: 10m, timezone: UTC, reason: hourly reset }
  - { services: [api], start: 2026-11-21T11:30:00Z, end: 2026-11-21T11:45:00Z, reason: PG 16 upgrade }
`;

  it('lists the windows in the range that the env and service matchers do not rule out', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-api-maintenance-'));
    const store = await openSqliteStore(path.join(dir, 'vigil.db'), { readers: 0 });
    try {
      const registry = builtinProbes();
      const config = loadConfigText(MAINTENANCE_CONFIG, { file: 'vigil.yaml', env: {}, registry });
      const live = new LiveView();
      const app = createApp({ config, store, live, metrics: createVigilMetrics(new Registry(), registry.kinds(), live), clock: { now: () => NOW }, schedulerRunning: () => true });
      const marks = async (match: string) => {
        const res = await app.request(`/api/v1/series?metric=probe_success&${match}from=${NOW - 2 * 3_600_000}&to=${NOW}&step=1m`);
        return ((await res.json()) as SeriesResponse).maintenance.map((m) => [m.id, new Date(m.start).toISOString(), new Date(m.end).toISOString()]);
      };
      // NOW is 12:00: the hourly staging windows at 10:00 and 11:00, and the one-off api upgrade.
      expect(await marks('match=env=staging&')).toEqual([
        ['maintenance[0]', '2026-11-21T10:00:00.000Z', '2026-11-21T10:10:00.000Z'],
        ['maintenance[0]', '2026-11-21T11:00:00.000Z', '2026-11-21T11:10:00.000Z'],
        ['maintenance[1]', '2026-11-21T11:30:00.000Z', '2026-11-21T11:45:00.000Z'],
      ]);
      expect(await marks('match=env=prod&')).toEqual([['maintenance[1]', '2026-11-21T11:30:00.000Z', '2026-11-21T11:45:00.000Z']]);
      expect(await marks('match=env=prod&match=service=web&')).toEqual([]);
      expect(await marks('')).toHaveLength(3);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
