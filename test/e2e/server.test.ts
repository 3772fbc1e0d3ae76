import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeriesResponse, StatusResponse } from '../../api/types.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';
import { startPrometheus, type PrometheusProcess } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/wait-for.js';
import { loadDemoConfigForExport } from '../../config/demo.js';
import { builtinProbes } from '../../probes/index.js';
import { createSuiteDatabase, type SuiteDatabase } from '../helpers/postgres-db.js';

const ENVIRONMENTS = ['dev', 'staging', 'prod'];
/** Every check of the embedded demo, counted from its config (web, api, db's health and backup heartbeat, edge's dns and tls, per environment). */
const DEMO_CHECKS = loadDemoConfigForExport(builtinProbes()).checks.length;

// The same demo on each store engine: an embedded SQLite file, and a PostgreSQL database.
describe.each(['sqlite', 'postgres'] as const)('Vigil serving the embedded demo on %s', (engine) => {
  let vigil: VigilProcess;
  let prometheus: PrometheusProcess | undefined;
  let database: SuiteDatabase | undefined;

  beforeAll(async () => {
    if (engine === 'postgres') database = await createSuiteDatabase();
    vigil = await startVigil(database ? { db: database.url } : {});
  });
  afterAll(async () => {
    await prometheus?.stop();
    await vigil?.stop();
    await database?.drop();
  });

  it('says which store it runs on', () => {
    expect(vigil.output()).toMatch(engine === 'postgres' ? /store: postgres postgres:\/\/root@127\.0\.0\.1:5432\/vigil_e2e_/ : /store: sqlite \S+vigil\.db/);
  });

  const getJson = async <T>(path: string): Promise<T> => {
    const res = await fetch(vigil.url + path);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  it('shows live status for every environment within a minute', async () => {
    const status = await waitFor(
      () => getJson<StatusResponse>('/api/v1/status'),
      (s) => ENVIRONMENTS.every((env) => s.cells.some((c) => c.env === env && c.status !== 'unknown')),
      60_000,
      'a known status in every environment',
    );
    expect(status.environments).toEqual(ENVIRONMENTS);
    for (const cell of status.cells.filter((c) => c.status !== 'unknown')) {
      const ran = cell.checks.filter((c) => c.lastRunAt !== null);
      expect(ran.length).toBeGreaterThan(0);
      for (const check of ran.filter((c) => c.status === 'down')) expect(check.error).toMatch(/\w/);
    }
  }, 70_000);

  it('is ready once the store and the scheduler run', async () => {
    const res = await fetch(`${vigil.url}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('exposes every environment on /metrics in the Prometheus text format', async () => {
    const text = await waitFor(
      () => fetch(`${vigil.url}/metrics`).then((r) => r.text()),
      // First runs are spread over the 5 s interval: wait for every check, not just the first one.
      (t) => (t.match(/^vigil_probe_success\{/gm) ?? []).length === DEMO_CHECKS && /^vigil_queue_depth\{/m.test(t),
      30_000,
      'every check and a health reading on /metrics',
    );
    for (const env of ENVIRONMENTS) expect(text).toMatch(new RegExp(`^vigil_probe_success\\{[^}]*env="${env}"[^}]*\\} [01]$`, 'm'));
    // The latency histogram took this name in [G1]; the last run's duration is vigil_probe_last_duration_seconds.
    expect(text).toMatch(/^# TYPE vigil_probe_duration_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE vigil_probe_last_duration_seconds gauge$/m);
    expect(text).toMatch(/^vigil_replica_lag_seconds\{/m);
    expect(text).toMatch(/^vigil_queue_depth\{[^}]*queue="exports"/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(new RegExp(`^vigil_scheduler_checks ${DEMO_CHECKS}$`, 'm'));
    expect(text).toMatch(/^vigil_store_samples_dropped_total 0$/m);
    expect(text).toMatch(/^vigil_probe_runs_total\{kind="health",result="success"\} [1-9]/m);
  }, 40_000);

  it('serves probe latency series for every environment', async () => {
    const series = await waitFor(
      () => getJson<SeriesResponse>('/api/v1/series?metric=probe_duration_seconds&match=service=web&from=now-10m&step=5s&agg=max'),
      (s) => ENVIRONMENTS.every((env) => s.series.some((x) => x.labels.env === env && x.points.length > 0)),
      30_000,
      'latency points in every environment',
    );
    expect(series.resolution).toBe('raw');
    for (const s of series.series) for (const [, v] of s.points) expect(v).toBeGreaterThan(0);
  }, 40_000);

  it('is scraped by a real Prometheus that sees all three environments', async () => {
    prometheus = await startPrometheus(new URL(vigil.url).host);
    const up = await waitFor(() => prometheus!.query('up{job="vigil"}'), (r) => r.length === 1 && r[0].value[1] === '1', 30_000, 'up == 1');
    expect(up[0].metric.job).toBe('vigil');
    const byEnv = await waitFor(
      () => prometheus!.query('count by (env) (vigil_probe_success)'),
      (r) => r.length === 3,
      30_000,
      'vigil_probe_success in three environments',
    );
    expect(byEnv.map((r) => r.metric.env).sort()).toEqual([...ENVIRONMENTS].sort());
  }, 70_000);
});
