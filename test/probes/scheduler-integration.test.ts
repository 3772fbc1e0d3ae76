// The scheduler with the real probes, real loopback servers and real time (short intervals).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../config/types.js';
import { systemClock } from '../../lib/clock.js';
import { builtinProbes } from '../../probes/index.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { LiveView } from '../../ingest/live-view.js';
import { IngestWriter, type IngestStore } from '../../ingest/writer.js';
import { createProbeContext } from '../../probes/context.js';
import { Scheduler, type CheckRun } from '../../probes/scheduler.js';
import { MemoryStore } from '../helpers/memory-store.js';
import { startHttpServer, startSilentServer, type TestServer } from '../helpers/servers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scenario(store: IngestStore): Promise<{ runs: CheckRun[] }> {
  const registry = builtinProbes();
  const ok = await startHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP","components":{"db":{"status":"UP"},"cache":{"status":"DOWN"}}}'));
  const silent = await startSilentServer();
  cleanups.push(() => ok.close(), () => silent.close());
  const spec = (name: string, kind: string, target: Record<string, unknown>): CheckSpec => ({
    id: `dev/api/${name}`,
    env: 'dev',
    service: 'api',
    name,
    kind,
    everyMs: 200,
    timeoutMs: 150,
    target: registry.get(kind).schema.parse(target),
    runbook: null,
  });
  const checks = [
    spec('ready', 'http', { url: `${ok.url}/ready`, expect: { body_contains: 'UP' } }),
    spec('health', 'health', { url: `${ok.url}/health` }),
    spec('hang', 'http', { url: silent.url }),
    spec('port', 'tcp', { host: '127.0.0.1', port: ok.port }),
  ];
  const writer = new IngestWriter(store, new LiveView(), { clock: systemClock, log: () => {} });
  const context = createProbeContext({ clock: systemClock });
  const runs: CheckRun[] = [];
  const scheduler = new Scheduler(checks, { registry, writer, context, clock: systemClock, concurrency: 8, onRun: (r) => runs.push(r), log: () => {} });
  scheduler.start();
  await new Promise((r) => setTimeout(r, 700));
  await scheduler.stop();
  await writer.close();
  await context.close();
  return { runs };
}

async function expectResults(store: IngestStore, runs: CheckRun[]): Promise<void> {
  const byName = (name: string) => runs.filter((r) => r.check.name === name);
  for (const name of ['ready', 'health', 'hang', 'port']) expect(byName(name).length).toBeGreaterThanOrEqual(2);
  expect(byName('ready').every((r) => r.outcome.success)).toBe(true);
  expect(byName('hang').every((r) => r.timedOut && r.outcome.error === 'timed out after 150ms while waiting for the response headers')).toBe(true);
  const results = new Map((await store.checks.last()).map((r) => [r.check, r]));
  expect(results.get('health')).toMatchObject({ success: true, degraded: true, detail: 'cache: down' });
  expect(results.get('hang')).toMatchObject({ success: false, error: 'timed out after 150ms while waiting for the response headers' });
  expect(results.get('port')).toMatchObject({ success: true, kind: 'tcp' });
}

describe('scheduler with the real probes', () => {
  it('runs http, health and tcp checks and writes their results to the store', async () => {
    const store = new MemoryStore();
    const { runs } = await scenario(store);
    await expectResults(store, runs);
    const series = new Set(store.samples.all.map((s) => `${s.name}${JSON.stringify(s.labels)}`));
    expect(series).toContain('health_component_up{"component":"cache","env":"dev","service":"api","check":"health"}');
    expect(series).toContain('probe_http_status_code{"env":"dev","service":"api","check":"ready"}');
    expect(store.samples.all.filter((s) => s.name === 'probe_success')).toHaveLength(runs.length);
  });

  it('writes to the SQLite store', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-sched-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = await openSqliteStore(path.join(dir, 'vigil.db'));
    cleanups.push(() => store.close());
    const { runs } = await scenario(store);
    await expectResults(store, runs);
    const now = Date.now();
    const success = await store.samples.query({
      metric: 'probe_success',
      matchers: [{ label: 'check', op: '=', value: 'hang' }],
      from: now - 60_000,
      to: now + 1000,
      stepMs: 1000,
      aggregate: 'max',
    });
    expect(success.series).toHaveLength(1);
    expect(success.series[0].points.every(([, v]) => v === 0)).toBe(true);
  });
});
