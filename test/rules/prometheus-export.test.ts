import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDemoConfigForExport } from '../../config/demo.js';
import { loadConfigText } from '../../config/load.js';
import { OWN_METRIC_NAMES } from '../../lib/reserved-metric-names.js';
import { builtinProbes } from '../../probes/index.js';
import { prometheusRuleGroups, prometheusRulesYaml, type PrometheusRuleGroup } from '../../rules/prometheus-export.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PROMTOOL = '/usr/bin/promtool';
const hasPromtool = fs.existsSync(PROMTOOL);
const COMMITTED_RULES = path.join(ROOT, 'deploy', 'vigil-rules.yml');
const RULE_TESTS = path.join(ROOT, 'test', 'prometheus', 'vigil-rules.test.yml');

const registry = builtinProbes();
const demoYaml = () => prometheusRulesYaml(prometheusRuleGroups(loadDemoConfigForExport(registry).alerting, loadDemoConfigForExport(registry).checks), 'the embedded demo');

/** promtool with fixed arguments (a subcommand and a file this test wrote or the repo holds). */
function promtool(args: readonly string[]): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, args, { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function withRuleFile<T>(text: string, use: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-rules-'));
  try {
    const file = path.join(dir, 'rules.yml');
    fs.writeFileSync(file, text);
    return use(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const CONFIG = `
environments: [prod]
services:
  api:
    checks:
      - http: { url: "http://127.0.0.1:1/", every: 10s }
    slos:
      - availability: { objective: 99.9%, window: 30d }
      - latency: { under: 300ms, objective: 99%, window: 30d }
      - latency: { name: checkout-latency, under: 250ms, objective: 95%, window: 7d }
rules:
  - { name: LagLast, metric: replica_lag_seconds, match: { env: prod, service: "=~api|web" }, over: 10s, above: 30, severity: page }
  - { name: LagAvg, metric: replica_lag_seconds, aggregate: avg, over: 10m, above: 30, severity: page }
  - { name: LagMin, metric: replica_lag_seconds, aggregate: min, over: 10m, above: 30, severity: page }
  - { name: LagMax, metric: replica_lag_seconds, aggregate: max, over: 10m, above: 30, recover_below: 10, for: 2m, keep_firing_for: 5m, severity: page }
  - { name: DepthSum, metric: queue_depth, aggregate: sum, over: 5m, above: 1000, severity: page }
  - { name: Runs, metric: probe_success, aggregate: count, over: 5m, below: 1, severity: page }
  - { name: ErrorRate, metric: span_errors_total, aggregate: rate, over: 5m, above: 0.5, severity: page }
  - { name: Errors, metric: span_errors_total, aggregate: increase, over: 1h, above: 100, severity: page }
  - { name: SlowP50, metric: probe_duration_seconds, aggregate: p50, over: 15m, above: 0.2, severity: page }
  - { name: SlowP90, metric: probe_duration_seconds, aggregate: p90, over: 15m, above: 0.4, severity: page }
  - { name: SlowP95, metric: probe_duration_seconds, aggregate: p95, over: 15m, above: 0.6, severity: page }
  - { name: SlowP99, metric: probe_duration_seconds, aggregate: p99, over: 15m, above: 0.8, summary: 'p99 {{value}}s on {{labels.env}}/{{service}} say "hi"', severity: page }
  - { name: ExportsStalled, metric: queue_depth, match: { queue: exports, env: "!=dev" }, nodata: 10m, severity: ticket }
`;

function groupsOf(text: string): PrometheusRuleGroup[] {
  const config = loadConfigText(text, { file: 'vigil.yaml', env: {}, registry });
  return prometheusRuleGroups(config.alerting, config.checks);
}

const alertExpr = (groups: PrometheusRuleGroup[], name: string) => {
  const rule = groups.flatMap((g) => g.rules).find((r) => 'alert' in r && r.alert === name);
  return rule?.expr;
};

describe('vigil export prometheus-rules', () => {
  it('keeps deploy/vigil-rules.yml (what docker compose loads) equal to the export of the demo', () => {
    expect(fs.readFileSync(COMMITTED_RULES, 'utf8'), 'run: npx tsx cli/vigil.ts export prometheus-rules > deploy/vigil-rules.yml').toBe(demoYaml());
  });

  it.each([
    // A range shorter than a minute would hold no scrape at 30 s intervals: 1m at least.
    ['LagLast', 'last_over_time(vigil_replica_lag_seconds{env="prod",service=~"api|web"}[1m]) > 30'],
    ['LagAvg', 'avg_over_time(vigil_replica_lag_seconds[10m]) > 30'],
    ['LagMin', 'min_over_time(vigil_replica_lag_seconds[10m]) > 30'],
    ['LagMax', 'max_over_time(vigil_replica_lag_seconds[10m]) > 30 or (max_over_time(vigil_replica_lag_seconds[10m]) > 10 and ignoring (alertname, alertstate, severity) ALERTS{alertname="LagMax",alertstate="firing"})'],
    ['DepthSum', 'sum_over_time(vigil_queue_depth[5m]) > 1000'],
    ['Runs', 'count_over_time(vigil_probe_success[5m]) < 1'],
    ['ErrorRate', 'rate(vigil_span_errors_total[5m]) > 0.5'],
    ['Errors', 'increase(vigil_span_errors_total[1h]) > 100'],
    ['SlowP50', 'quantile_over_time(0.5, vigil_probe_last_duration_seconds[15m]) > 0.2'],
    ['SlowP99', 'quantile_over_time(0.99, vigil_probe_last_duration_seconds[15m]) > 0.8'],
    [
      'ExportsStalled',
      '(present_over_time(vigil_queue_depth{queue="exports",env!="dev"}[20m]) unless present_over_time(vigil_queue_depth{queue="exports",env!="dev"}[10m])) or absent_over_time(vigil_queue_depth{queue="exports",env!="dev"}[10m])',
    ],
    ['CheckDown', 'vigil_probe_success{env="prod",service="api",check="http"} == 0'],
  ])('maps %s to its PromQL over the exposed metric names', (name, expr) => {
    expect(alertExpr(groupsOf(CONFIG), name)).toBe(expr);
  });

  it('records each SLO error ratio per window: availability per scrape, latency from the histogram when the threshold is a bucket bound', () => {
    const records = groupsOf(CONFIG)[0]!.rules.filter((r) => 'record' in r);
    const expr = (slo: string, window: string) => records.find((r) => r.labels?.slo === slo && r.labels.window === window)?.expr;
    expect(expr('availability', '1h')).toBe(
      '1 - (sum by (env, service) (sum_over_time(vigil_probe_success{env="prod",service="api"}[1h])) / sum by (env, service) (count_over_time(vigil_probe_success{env="prod",service="api"}[1h])))',
    );
    expect(expr('checkout-latency', '5m')).toContain('increase(vigil_probe_duration_seconds_bucket{env="prod",service="api",le="0.25"}[5m])');
    // 300 ms is no bucket bound: the share of scrapes whose last run was faster, by subquery.
    expect(expr('latency', '5m')).toBe(
      '1 - (sum by (env, service) (sum_over_time((vigil_probe_last_duration_seconds{env="prod",service="api"} < bool 0.3)[5m:])) / sum by (env, service) (count_over_time((vigil_probe_last_duration_seconds{env="prod",service="api"} < bool 0.3)[5m:])))',
    );
    // The workbook windows: 5m, 30m, 1h, 2h, 6h, 1d, 3d for each SLO.
    expect(records.filter((r) => r.labels?.slo === 'availability').map((r) => r.labels!.window)).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
  });

  it('alerts once per SLO and severity, any window pair burning above its factor', () => {
    const groups = groupsOf(CONFIG);
    const burn = groups[0]!.rules.filter((r) => 'alert' in r);
    expect(burn.map((r) => ('alert' in r ? `${r.alert}/${r.labels.slo}/${r.labels.severity}` : ''))).toEqual([
      'SloBurnRate/availability/page',
      'SloBurnRate/availability/ticket',
      'SloBurnRate/latency/page',
      'SloBurnRate/latency/ticket',
      'CheckoutLatencyBurnRate/checkout-latency/page',
      'CheckoutLatencyBurnRate/checkout-latency/ticket',
    ]);
    const ratio = (window: string) => `vigil_slo:error_ratio{env="prod",service="api",slo="availability",window="${window}"}`;
    // A pair judges once the service's results reach back over its short window, as in Vigil.
    const full = (window: string) => `sum by (env, service) (present_over_time(vigil_probe_success{env="prod",service="api"}[${window}] offset ${window}))`;
    expect(burn[0]!.expr).toBe(
      `max without (window) ((${ratio('1h')} > 0.0144 and ignoring (window) ${ratio('5m')} > 0.0144 and on (env, service) ${full('5m')}) or (${ratio('6h')} > 0.006 and ignoring (window) ${ratio('30m')} > 0.006 and on (env, service) ${full('30m')}))`,
    );
  });

  it('turns Vigil templates into Prometheus templates', () => {
    const rule = groupsOf(CONFIG).flatMap((g) => g.rules).find((r) => 'alert' in r && r.alert === 'SlowP99');
    expect(rule && 'alert' in rule ? rule.annotations.summary : null).toBe('p99 {{ $value }}s on {{ index $labels "env" }}/{{ index $labels "service" }} say "hi"');
  });

  it('alerts on Vigil itself in every export, over metrics Vigil exposes', () => {
    const minimal = groupsOf('environments: [prod]\nservices:\n  api:\n    checks:\n      - http: { url: "http://127.0.0.1:1/", every: 10s }\n');
    const self = minimal.find((group) => group.name === 'vigil-self');
    const alerts = self?.rules.flatMap((rule) => ('alert' in rule ? [rule] : [])) ?? [];
    expect(alerts.map((rule) => rule.alert)).toEqual([
      'VigilSchedulerLagging',
      'VigilSkippingRuns',
      'VigilDroppingSamples',
      'VigilStoreWriteErrors',
      'VigilNotificationsDead',
      'VigilHostShortOfCpu',
    ]);
    for (const rule of alerts) {
      const metrics = [...rule.expr.matchAll(/\bvigil_[a-z_]+/g)].map(([name]) => name.replace(/_bucket$/, ''));
      expect(metrics.length, rule.alert).toBeGreaterThan(0);
      for (const metric of metrics) expect(OWN_METRIC_NAMES, `${rule.alert} reads ${metric}`).toContain(metric);
      expect(['page', 'ticket'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toContain('{{ $labels.instance }}');
    }
  });

  it.skipIf(!hasPromtool)('writes rules promtool check rules passes, for the demo and for every aggregate', () => {
    for (const text of [demoYaml(), prometheusRulesYaml(groupsOf(CONFIG), 'vigil.yaml')]) {
      expect(parse(text).groups.length).toBeGreaterThan(0);
      const result = withRuleFile(text, (file) => promtool(['check', 'rules', file]));
      expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
      expect(result.status).toBe(0);
    }
  });

  it.skipIf(!hasPromtool)("passes the promtool unit tests of the demo's rules (test/prometheus/vigil-rules.test.yml)", () => {
    const result = promtool(['test', 'rules', RULE_TESTS]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
    // promtool evaluates every rule of the demo every 15 s of each case's hours: 11-15 s on a busy 2-core machine.
  }, 60_000);
});
