import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createVigilMetrics } from '../../api/metrics.js';
import { OPENMETRICS_CONTENT_TYPE, EXPOSITION_CONTENT_TYPE, negotiateExposition, textToOpenMetrics } from '../../api/exposition.js';
import { PROBE_DURATION_BUCKETS, type ProbeMetricsCheck } from '../../api/probe-metrics.js';
import { LiveView } from '../../ingest/live-view.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const PROMTOOL = '/usr/bin/promtool';
const hasPromtool = fs.existsSync(PROMTOOL);

const CHECKS: ProbeMetricsCheck[] = [
  { id: 'prod/api/http', env: 'prod', service: 'api', name: 'http', kind: 'http', everyMs: 15_000, timeoutMs: 5_000 },
  { id: 'prod/db/health', env: 'prod', service: 'db', name: 'health', kind: 'health', everyMs: 30_000, timeoutMs: 10_000 },
  { id: 'dev/api/http', env: 'dev', service: 'api', name: 'http', kind: 'http', everyMs: 500, timeoutMs: 250 },
];

function setUp() {
  const live = new LiveView();
  const metrics = createVigilMetrics(new Registry(), ['http', 'health'], live, CHECKS);
  return { live, metrics };
}

function recordRun(live: LiveView, check: ProbeMetricsCheck, ts: number, durationSeconds: number): void {
  live.recordCheck({ checkId: check.id, env: check.env, service: check.service, check: check.name, kind: check.kind, ts, success: true, degraded: false, durationSeconds, error: null, detail: null });
  const labels = Object.freeze({ env: check.env, service: check.service, check: check.name });
  live.admit(
    [
      { name: 'probe_success', labels, ts, value: 1 },
      { name: 'probe_duration_seconds', labels, ts, value: durationSeconds },
    ],
    `check ${check.id}`,
    ts,
    60_000,
  );
}

function promtool(args: string[], input: string): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, args, { input, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const sampleValue = (text: string, line: string) => {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
};

describe('content negotiation of /metrics', () => {
  it.each([
    ['no Accept header', undefined, 'text'],
    ["Prometheus 2.x's header", 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'openmetrics'],
    ['unversioned OpenMetrics', 'application/openmetrics-text', 'openmetrics'],
    ['OpenMetrics with spaces and capitals', 'Application/OpenMetrics-Text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['only OpenMetrics 0.0.1, which Vigil does not write', 'application/openmetrics-text;version=0.0.1', 'text'],
    ['the text format preferred', 'application/openmetrics-text;q=0.3,text/plain;version=0.0.4', 'text'],
    ['OpenMetrics refused with q=0', 'application/openmetrics-text;q=0,*/*', 'text'],
    ['a browser', 'text/html,application/xhtml+xml,*/*;q=0.8', 'text'],
  ])('answers %s with the %s format', (_name, accept, format) => {
    expect(negotiateExposition(accept)).toBe(format);
  });
});

describe('per-check metrics on /metrics', () => {
  it('writes every configured check once in vigil_check_info, with its kind, interval and timeout', async () => {
    const { metrics } = setUp();
    const text = await metrics.render();
    expect(text).toMatch(/^# TYPE vigil_check_info gauge$/m);
    expect(text).toContain('\nvigil_check_info{check="http",env="prod",interval_seconds="15",kind="http",service="api",timeout_seconds="5"} 1\n');
    expect(text).toContain('\nvigil_check_info{check="http",env="dev",interval_seconds="0.5",kind="http",service="api",timeout_seconds="0.25"} 1\n');
    expect(text.match(/^vigil_check_info\{/gm)).toHaveLength(CHECKS.length);
  });

  it('counts run durations in cumulative latency buckets per check, every check at 0 before its first run', async () => {
    const { live, metrics } = setUp();
    const [api, db] = CHECKS;
    for (const [i, seconds] of [0.003, 0.07, 0.07, 0.4, 12].entries()) {
      metrics.observeRun({ kind: 'http', success: true, lagSeconds: 0, timedOut: false, checkId: api!.id, durationSeconds: seconds });
      recordRun(live, api!, NOW + i * 1000, seconds);
    }
    const text = await metrics.render();
    const bucket = (le: string, check = 'http', service = 'api', env = 'prod') => sampleValue(text, `vigil_probe_duration_seconds_bucket{check="${check}",env="${env}",le="${le}",service="${service}"}`);
    expect(text).toMatch(/^# TYPE vigil_probe_duration_seconds histogram$/m);
    expect(PROBE_DURATION_BUCKETS.map((le) => bucket(String(le)))).toEqual([1, 1, 1, 1, 3, 3, 4, 4, 4, 4]);
    expect(bucket('+Inf')).toBe(5);
    expect(sampleValue(text, 'vigil_probe_duration_seconds_count{check="http",env="prod",service="api"}')).toBe(5);
    expect(sampleValue(text, 'vigil_probe_duration_seconds_sum{check="http",env="prod",service="api"}')).toBeCloseTo(12.543, 9);
    expect(bucket('+Inf', 'health', 'db')).toBe(0);
    expect(sampleValue(text, 'vigil_probe_duration_seconds_count{check="health",env="prod",service="db"}')).toBe(0);
    // 13 series a check: the bounded cardinality the README states.
    expect(text.match(/^vigil_probe_duration_seconds_(bucket|sum|count)\{/gm)).toHaveLength(13 * CHECKS.length);
    // The last run's time, for checks that ran; the last value gauge under its new name.
    expect(sampleValue(text, 'vigil_probe_last_run_timestamp_seconds{check="http",env="prod",service="api"}')).toBe((NOW + 4000) / 1000);
    expect(text).not.toContain('vigil_probe_last_run_timestamp_seconds{check="health"');
    expect(sampleValue(text, 'vigil_probe_last_duration_seconds{check="http",env="prod",service="api"}')).toBe(12);
    expect(text).not.toMatch(/^# TYPE vigil_probe_duration_seconds gauge$/m);
  });

  it('ignores runs of checks that are not configured and durations that are not numbers', async () => {
    const { metrics } = setUp();
    metrics.observeRun({ kind: 'http', success: true, lagSeconds: 0, timedOut: false, checkId: 'prod/gone/http', durationSeconds: 1 });
    metrics.observeRun({ kind: 'http', success: true, lagSeconds: 0, timedOut: false, checkId: CHECKS[0]!.id, durationSeconds: NaN });
    const text = await metrics.render();
    expect(text).not.toContain('service="gone"');
    expect(sampleValue(text, 'vigil_probe_duration_seconds_count{check="http",env="prod",service="api"}')).toBe(0);
  });

  it('writes a check\'s histogram again when it ran between two scrapes, and as it was when it did not', async () => {
    const { live, metrics } = setUp();
    const [api, db] = CHECKS;
    const count = (text: string, check: ProbeMetricsCheck) => sampleValue(text, `vigil_probe_duration_seconds_count{check="${check.name}",env="${check.env}",service="${check.service}"}`);
    const sum = (text: string, check: ProbeMetricsCheck) => sampleValue(text, `vigil_probe_duration_seconds_sum{check="${check.name}",env="${check.env}",service="${check.service}"}`);
    metrics.observeRun({ kind: 'http', success: true, lagSeconds: 0, timedOut: false, checkId: api!.id, durationSeconds: 0.2 });
    recordRun(live, api!, NOW, 0.2);
    const first = await metrics.render();
    expect([count(first, api!), sum(first, api!), count(first, db!)]).toEqual([1, 0.2, 0]);
    // Runs that change the numbers' lengths (0.2 → 10.1, 1 → 10 runs), on one check only.
    for (let i = 0; i < 9; i++) metrics.observeRun({ kind: 'http', success: true, lagSeconds: 0, timedOut: false, checkId: api!.id, durationSeconds: i === 0 ? 9.9 : 0 });
    recordRun(live, api!, NOW + 1000, 9.9);
    const second = await metrics.render();
    expect([count(second, api!), sum(second, api!), count(second, db!)]).toEqual([10, 10.1, 0]);
    const bucket = (text: string, le: string) => sampleValue(text, `vigil_probe_duration_seconds_bucket{check="http",env="prod",le="${le}",service="api"}`);
    expect([bucket(second, '0.005'), bucket(second, '0.25'), bucket(second, '10'), bucket(second, '+Inf')]).toEqual([8, 9, 10, 10]);
    expect(sampleValue(second, 'vigil_probe_last_run_timestamp_seconds{check="http",env="prod",service="api"}')).toBe((NOW + 1000) / 1000);
    // No run since: the same lines again, as a parser reads them.
    const histogramLines = (text: string) => text.split('\n').filter((line) => line.startsWith('vigil_probe_duration_seconds'));
    expect(histogramLines(await metrics.render())).toEqual(histogramLines(second));
    expect(histogramLines(second)).toHaveLength(13 * CHECKS.length);
  });

  it('writes every check\'s info and histogram lines whole when they take many chunks (3,000 checks)', async () => {
    const checks = Array.from({ length: 3_000 }, (_, i): ProbeMetricsCheck => ({ id: `prod/svc-${i % 7}/c${i}`, env: 'prod', service: `svc-${i % 7}`, name: `c${i}`, kind: 'http', everyMs: 1000 * (i + 1), timeoutMs: 5_000 }));
    const metrics = createVigilMetrics(new Registry(), ['http'], new LiveView(), checks);
    for (const [i, check] of checks.entries()) metrics.observeRun({ kind: 'http', success: true, lagSeconds: 0, timedOut: false, checkId: check.id, durationSeconds: i / 1000 });
    const text = await metrics.render();
    const info = text.split('\n').filter((line) => line.startsWith('vigil_check_info{'));
    expect(info).toEqual(checks.map((check, i) => `vigil_check_info{check="${check.name}",env="prod",interval_seconds="${i + 1}",kind="http",service="${check.service}",timeout_seconds="5"} 1`));
    const counts = text.split('\n').filter((line) => line.startsWith('vigil_probe_duration_seconds_count{'));
    expect(counts).toEqual(checks.map((check) => `vigil_probe_duration_seconds_count{check="${check.name}",env="prod",service="${check.service}"} 1`));
  });

  it('writes label values outside ASCII as UTF-8 in the bytes of /metrics, at every scrape', async () => {
    const live = new LiveView();
    const check: ProbeMetricsCheck = { id: 'préprod/café/http', env: 'préprod', service: 'café', name: 'ページ "a"', kind: 'http', everyMs: 15_000, timeoutMs: 5_000 };
    const metrics = createVigilMetrics(new Registry(), ['http'], live, [check]);
    const scrapeText = async () => {
      const bytes = new Uint8Array(await new Response(metrics.scrape()).arrayBuffer());
      // fatal: a label value cut or encoded wrongly in the bytes throws here instead of becoming U+FFFD.
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    };
    const labels = 'check="ページ \\"a\\"",env="préprod",service="café"';
    for (const [round, seconds] of [0.02, 3].entries()) {
      metrics.observeRun({ kind: 'http', success: true, lagSeconds: 0, timedOut: false, checkId: check.id, durationSeconds: seconds });
      recordRun(live, check, NOW + round, seconds);
      const text = await scrapeText();
      expect(sampleValue(text, `vigil_probe_duration_seconds_count{${labels}}`)).toBe(round + 1);
      expect(sampleValue(text, `vigil_probe_duration_seconds_bucket{check="ページ \\"a\\"",env="préprod",le="0.025",service="café"}`)).toBe(1);
      expect(sampleValue(text, `vigil_probe_last_run_timestamp_seconds{${labels}}`)).toBe((NOW + round) / 1000);
      expect(sampleValue(text, `vigil_probe_last_duration_seconds{${labels}}`)).toBe(seconds);
      expect(text).toContain(`\nvigil_check_info{check="ページ \\"a\\"",env="préprod",interval_seconds="15",kind="http",service="café",timeout_seconds="5"} 1\n`);
    }
  });

  it.skipIf(!hasPromtool)('passes promtool check metrics with the histogram, the info metric and the last run times', async () => {
    const { live, metrics } = setUp();
    for (const [i, check] of CHECKS.entries()) {
      metrics.observeRun({ kind: check.kind, success: true, lagSeconds: 0, timedOut: false, checkId: check.id, durationSeconds: 0.01 * (i + 1) });
      recordRun(live, check, NOW, 0.01 * (i + 1));
    }
    const text = await metrics.render();
    expect(promtool(['check', 'metrics'], text)).toEqual({ status: 0, output: '' });
  });
});

describe('OpenMetrics exposition', () => {
  it('ends with # EOF, names counter families without _total and keeps it on their samples', async () => {
    const { live, metrics } = setUp();
    recordRun(live, CHECKS[0]!, NOW, 0.1);
    metrics.watchNotifications({ receivers: ['hook'], results: ['delivered'], depth: () => ({ pending: 0 }) });
    live.admit([{ name: 'span_requests_total', labels: { env: 'prod', service: 'api' }, ts: NOW, value: 42 }], 'otlp', NOW, 60_000);
    const text = await metrics.render('openmetrics');
    expect(metrics.contentTypeOf('openmetrics')).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(OPENMETRICS_CONTENT_TYPE).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(metrics.contentTypeOf('text')).toBe(EXPOSITION_CONTENT_TYPE);
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text.match(/^# EOF$/gm)).toHaveLength(1);
    // OpenMetrics has no empty lines; Prometheus refuses the whole scrape for one.
    expect(text).not.toMatch(/\n\n/);
    expect(text).toMatch(/^# TYPE vigil_probe_runs counter$/m);
    expect(text).toMatch(/^vigil_probe_runs_total\{kind="http",result="success"\} 0$/m);
    expect(text).toMatch(/^# TYPE process_cpu_seconds counter$/m);
    expect(text).toMatch(/^# TYPE vigil_check info$/m);
    expect(text).toMatch(/^vigil_check_info\{check="http",env="prod"/m);
    expect(text).toMatch(/^# TYPE vigil_span_requests counter$/m);
    expect(text).toMatch(/^vigil_span_requests_total\{env="prod",service="api"\} 42$/m);
    // Quotes in HELP are escaped in OpenMetrics (not in the text format).
    expect(text).toMatch(/^# HELP vigil_notifications_outbox .*state=\\"pending\\"/m);
    // Every sample's family was declared by a TYPE line before it.
    const declared = new Map<string, string>();
    for (const line of text.split('\n')) {
      const type = /^# TYPE (\S+) (\w+)$/.exec(line);
      if (type) declared.set(type[1]!, type[2]!);
      else if (line && !line.startsWith('#')) {
        const name = line.slice(0, line.search(/[{ ]/));
        const family = [name, name.replace(/_(total|bucket|sum|count|info|created)$/, '')].find((candidate) => declared.has(candidate));
        expect(family, line).toBeDefined();
        if (declared.get(family!) === 'counter') expect(name).toMatch(/_total$/);
      }
    }
    // In the text format the same counter keeps its _total family name.
    expect(await metrics.render()).toMatch(/^# TYPE vigil_probe_runs_total counter$/m);
  });

  it.each([
    ['a counter without _total gets it on its samples', '# HELP jobs Jobs.\n# TYPE jobs counter\njobs 3\n', '# HELP jobs Jobs.\n# TYPE jobs counter\njobs_total 3\n'],
    ['untyped becomes unknown', '# HELP x X.\n# TYPE x untyped\nx 1\n', '# HELP x X.\n# TYPE x unknown\nx 1\n'],
    ['NaN is spelled NaN', '# HELP g G.\n# TYPE g gauge\ng{a="b"} Nan\n', '# HELP g G.\n# TYPE g gauge\ng{a="b"} NaN\n'],
    ['escapes stay escapes', '# HELP g a \\\\ b\\nc "d"\n# TYPE g gauge\ng 1\n', '# HELP g a \\\\ b\\nc \\"d\\"\n# TYPE g gauge\ng 1\n'],
    ['empty lines between families go', '# HELP a A.\n# TYPE a gauge\na 1\n\n# HELP b B.\n# TYPE b gauge\nb 2\n', '# HELP a A.\n# TYPE a gauge\na 1\n# HELP b B.\n# TYPE b gauge\nb 2\n'],
  ])('rewrites prom-client text for OpenMetrics: %s', (_name, text, openMetrics) => {
    expect(textToOpenMetrics(text)).toBe(openMetrics);
  });
});
