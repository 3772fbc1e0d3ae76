// Every query of grafana/ and of the exported rules, run by a real Prometheus scraping the demo: what a
// platform team sees after `docker compose up`, minus Grafana itself (its variables substituted here).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dashboardQueries } from '../../grafana/dashboards.js';
import { startPrometheus, type PrometheusProcess } from '../helpers/prometheus.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { builtinProbes } from '../../probes/index.js';
import { loadDemoConfigForExport } from '../../config/demo.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** The demo's exported rules (test/rules/prometheus-export.test.ts keeps them equal to the export). */
const RULES_FILE = path.join(ROOT, 'deploy', 'vigil-rules.yml');
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/**
 * Grafana's variables as a viewer of the demo would have them: the datasource is the one Prometheus,
 * env prod (where the SLOs are), every service (All), and intervals for a 1 s scrape.
 */
function substitute(expr: string): string {
  return expr
    .replaceAll('$env', 'prod')
    .replaceAll('$service', 'api|db|web')
    .replaceAll('$__rate_interval', '30s')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '5m');
}

interface Answer {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/** Every check of the embedded demo, counted from its config. */
const DEMO_CHECKS = loadDemoConfigForExport(builtinProbes()).checks.length;

describe('Grafana dashboards and exported rules against a real Prometheus scraping the demo', () => {
  let vigil: VigilProcess;
  let prometheus: PrometheusProcess;
  const query = async (expr: string): Promise<Answer> => (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json() as Promise<Answer>;

  beforeAll(async () => {
    vigil = await startVigil();
    prometheus = await startPrometheus(new URL(vigil.url).host, { ruleFiles: [RULES_FILE] });
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
    await vigil?.stop();
  });

  it('is scraped in OpenMetrics without errors, and the rules load', async () => {
    const res = await fetch(`${vigil.url}/metrics`, { headers: { accept: PROMETHEUS_ACCEPT } });
    expect(res.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect((await res.text()).endsWith('# EOF\n')).toBe(true);
    const target = await waitFor(
      async () => ((await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; lastError: string }> } }).data.activeTargets[0],
      (t) => t?.health === 'up',
      30_000,
      'the Vigil target up',
    );
    expect(target!.lastError).toBe('');
    const groups = ((await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string; rules: Array<{ health: string; lastError?: string }> }> } }).data.groups;
    expect(groups.map((g) => g.name).sort()).toEqual(['vigil-check-down', 'vigil-rules', 'vigil-self', 'vigil-slos']);
  }, 40_000);

  it.skipIf(!fs.existsSync('/usr/bin/promtool'))("passes promtool check metrics on the demo's own /metrics", async () => {
    // After a run of every check, so that every family the demo has is there.
    const text = await waitFor(() => fetch(`${vigil.url}/metrics`).then((r) => r.text()), (t) => (t.match(/^vigil_probe_last_run_timestamp_seconds\{/gm) ?? []).length === DEMO_CHECKS, 30_000, 'every check run');
    const run = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, output: `${run.stdout}${run.stderr}` }).toEqual({ status: 0, output: '' });
    expect(text).toMatch(/^vigil_check_info\{check="http",env="prod",interval_seconds="5",kind="http",service="api",timeout_seconds="2"\} 1$/m);
    expect(text).toMatch(/^vigil_probe_duration_seconds_bucket\{check="health",env="prod",le="\+Inf",service="db"\} [1-9]/m);
  }, 40_000);

  it("answers every dashboard panel's query with data", async () => {
    // The SLO series are written once a minute, from the first minute with runs; rates need two scrapes.
    await waitFor(() => prometheus.query('vigil_slo_burn_rate'), (r) => r.length >= 4 * 7, 100_000, 'the SLO series in Prometheus');
    await waitFor(() => prometheus.query('vigil_slo:error_ratio'), (r) => r.length === 4 * 7, 20_000, 'the recorded SLO error ratios');
    await waitFor(() => prometheus.query('rate(vigil_probe_duration_seconds_count[30s]) > 0'), (r) => r.length === DEMO_CHECKS, 20_000, 'runs counted by the histogram');
    const empty: string[] = [];
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(40);
    for (const { dashboard, panel, expr } of queries) {
      const answer = await query(substitute(expr));
      expect(answer.status, `${dashboard} / ${panel}: ${expr}: ${answer.error}`).toBe('success');
      if (answer.data!.result.length === 0) empty.push(`${dashboard} / ${panel}: ${substitute(expr)}`);
    }
    expect(empty).toEqual([]);
  }, 160_000);

  it('parses every exported rule; recording rules return data now, alerting rules return data only while they fire', async () => {
    const rules = (parse(fs.readFileSync(RULES_FILE, 'utf8')) as { groups: Array<{ rules: Array<{ record?: string; alert?: string; expr: string; labels?: Record<string, string> }> }> }).groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(40);
    const noData: string[] = [];
    for (const rule of rules) {
      const answer = await query(rule.expr);
      expect(answer.status, `${rule.record ?? rule.alert}: ${rule.expr}: ${answer.error}`).toBe('success');
      // Over_time functions take what part of a window exists, so even the 3d windows have data after a minute.
      if (rule.record && answer.data!.result.length === 0) noData.push(`${rule.record}${JSON.stringify(rule.labels)}`);
    }
    expect(noData).toEqual([]);
    // Every rule Prometheus evaluated is healthy (no evaluation error).
    const evaluated = ((await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> } }).data.groups.flatMap((g) => g.rules);
    expect(evaluated.filter((r) => r.health !== 'ok')).toEqual([]);
  }, 60_000);

  it("agrees with Vigil's own SLO burn-rate alerts on the same data", async () => {
    type Rules = { rules: Array<{ name: string; kind: string; severity: string; alerts: Array<{ state: string; labels: Record<string, string> }> }> };
    const key = (labels: Record<string, string>, name: string, severity: string) => `${name}/${severity}/${labels.env}/${labels.service}/${labels.slo}`;
    const states = async () => {
      const rules = ((await (await fetch(`${vigil.url}/api/v1/rules`)).json()) as Rules).rules.filter((r) => r.kind === 'burn_rate');
      const inVigil = rules.flatMap((r) => r.alerts.filter((a) => a.state === 'firing').map((a) => key(a.labels, r.name, r.severity))).sort();
      const alerts = await prometheus.query('ALERTS{alertstate="firing",alertname=~".*BurnRate"}');
      const inPrometheus = alerts.map((a) => key(a.metric, a.metric.alertname!, a.metric.severity!)).sort();
      return { rules: rules.length, inVigil, inPrometheus };
    };
    // Prometheus has every SLO's error ratios: its burn-rate alerts read data, not nothing.
    await waitFor(() => prometheus.query('vigil_slo:error_ratio'), (r) => r.length === 4 * 7, 100_000, 'the recorded SLO error ratios');
    // Vigil evaluates every 5 s over runs, Prometheus every second over scrapes: the same verdict within a few cycles.
    const agreed = await waitFor(states, (s) => JSON.stringify(s.inVigil) === JSON.stringify(s.inPrometheus), 30_000, 'the same burn-rate alerts firing');
    expect(agreed.rules).toBe(8);
    // The demo's prod is healthy: no SLO pages (5 % errors during its cache outage stay under 13.44×).
    expect(agreed.inVigil.filter((k) => k.includes('/page/') && k.includes('/api/'))).toEqual([]);
  }, 140_000);
});
