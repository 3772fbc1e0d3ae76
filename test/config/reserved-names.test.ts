import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createVigilMetrics } from '../../api/metrics.js';
import { createCollectorMetrics } from '../../collector/metrics.js';
import { loadConfigText } from '../../config/load.js';
import { LiveView } from '../../ingest/live-view.js';
import { ConfigError, formatProblem } from '../../lib/errors.js';
import { OWN_METRIC_NAMES, reservedMetricProblem } from '../../lib/reserved-metric-names.js';
import { builtinProbes } from '../../probes/index.js';

const registry = builtinProbes();
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;
const head = ['environments: [prod]', 'services:', '  api:', '    checks:'];

function problemsOf(text: string): string[] {
  try {
    loadConfigText(text, { file: 'vigil.yaml', env: {}, registry });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map(formatProblem);
  }
  throw new Error('expected the config to be rejected');
}

describe('series names reserved for Vigil', () => {
  it.each([
    {
      name: "a health metric named after Vigil's own counter",
      check: '      - health: { url: "https://api.example.com/health", metrics: [ { name: probe_runs_total, path: $.runs } ] }',
      problem: /^vigil\.yaml:5 services\.api\.checks\[0\]\.health\.metrics\[0\]\.name: metric names starting with "probe_" are reserved/,
    },
    {
      name: "a health metric that would be exposed over Vigil's scheduler gauge",
      check: '      - health: { url: "https://api.example.com/health", metrics: [ { name: scheduler_lag_seconds, path: $.lag } ] }',
      problem: /^vigil\.yaml:5 services\.api\.checks\[0\]\.health\.metrics\[0\]\.name: "scheduler_lag_seconds" is reserved: it would replace Vigil's own vigil_scheduler_lag_seconds on \/metrics/,
    },
    {
      name: 'a SQL metric with the vigil_ prefix',
      check: '      - sql: { dsn: "postgres://vigil@db:5432/app", query: "select 1 as n", metrics: [ { name: vigil_jobs, column: n } ] }',
      problem: /^vigil\.yaml:5 services\.api\.checks\[0\]\.sql\.metrics\[0\]\.name: metric names starting with "vigil_" are reserved/,
    },
    {
      name: "a SQL metric named after the health probe's component series",
      check: '      - sql: { dsn: "postgres://vigil@db:5432/app", query: "select 1 as n", metrics: [ { name: health_component_up, column: n } ] }',
      problem: /health_component_up" is reserved/,
    },
  ])('refuses $name with file and line', ({ check, problem }) => {
    const problems = problemsOf(yaml(...head, check));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('accepts the standard names an app may also report (queue_depth, replica_lag_seconds)', () => {
    const config = loadConfigText(
      yaml(...head, '      - health: { url: "https://api.example.com/health", metrics: [ { name: queue_depth, path: $.q }, { name: replica_lag_seconds, path: $.lag } ] }'),
      { file: 'vigil.yaml', env: {}, registry },
    );
    expect(config.checks).toHaveLength(1);
  });

  it("covers every metric Vigil itself puts on /metrics, so no live series can be exposed over one", async () => {
    const metricsRegistry = new Registry();
    const metrics = createVigilMetrics(metricsRegistry, registry.kinds(), new LiveView(), []);
    metrics.watchScheduler({ stats: () => ({ checks: 0, running: 0, queued: 0, overrunsSkipped: 0, lateTicksSkipped: 0, runsStalled: 0 }) });
    metrics.watchIngest({ stats: () => ({ bufferedSamples: 0, droppedSamples: 0 }) });
    metrics.watchAlerting({ alertCounts: () => new Map(), activeIncidents: () => [] });
    metrics.watchNotifications({ receivers: ['chat'], results: ['delivered'], depth: () => ({}) });
    createCollectorMetrics(metricsRegistry).watch({ queueBytes: () => 0, stateSize: () => 0 });
    const own = (await metricsRegistry.getMetricsAsJSON()).map((metric) => metric.name).filter((name) => name.startsWith('vigil_'));
    expect(own.length).toBeGreaterThan(5);
    for (const name of own) {
      expect(OWN_METRIC_NAMES, `${name} is on /metrics but not in OWN_METRIC_NAMES`).toContain(name);
      expect(reservedMetricProblem(name.slice('vigil_'.length)), name).not.toBeNull();
    }
    for (const name of ['process_cpu_seconds_total', 'nodejs_heap_size_total_bytes', 'span_requests_total', 'probe_success']) expect(reservedMetricProblem(name), name).not.toBeNull();
    for (const name of ['queue_depth', 'orders_total', 'http_server_duration_seconds', 'store_orders_total']) expect(reservedMetricProblem(name), name).toBeNull();
  });
});
