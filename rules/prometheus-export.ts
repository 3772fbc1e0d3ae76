// Vigil's alerting as Prometheus rules (`vigil export prometheus-rules`), over the metrics Vigil exposes
// on /metrics, for teams that would rather have Prometheus evaluate them. A pure function of the compiled
// config. What Prometheus sees is a scrape of last values, not every run, so some rules are approximations
// (each says so in the README, "Prometheus and Grafana"):
// - availability SLIs are per scrape: the share of scrapes whose last run succeeded, from
//   sum_over_time / count_over_time of vigil_probe_success (each check weighted by its scrapes, not runs);
// - latency SLIs count runs exactly from the histogram when the threshold is one of its bucket bounds
//   (`le` is ≤ where Vigil's is <), else per scrape from the last run's duration (a subquery);
// - CheckDown holds while the last run failed for (after − 1) intervals, or `or_after`, whichever is shorter;
// - maintenance windows, silences and inhibition are not rules: they belong to Alertmanager.
import { stringify } from 'yaml';
import { exposedName } from '../api/exposition.js';
import { PROBE_DURATION_BUCKETS } from '../api/probe-metrics.js';
import type { Matcher } from '../lib/matchers.js';
import { formatDuration } from '../lib/duration.js';
import type { CheckSpec } from '../probes/probe.js';
import type { Labels } from '../store/types.js';
import type { AlertingConfig, BurnRateRule, CheckDownRule, NoDataRule, RuleAggregate, SloSpec, ThresholdRule } from './types.js';

/** One Prometheus rule, as a rule file writes it. */
export type PrometheusRule =
  | { readonly record: string; readonly expr: string; readonly labels?: Labels }
  | {
      readonly alert: string;
      readonly expr: string;
      readonly for?: string;
      readonly keep_firing_for?: string;
      readonly labels: Labels;
      readonly annotations: Labels;
    };

/** A rule group, as a rule file writes it. */
export interface PrometheusRuleGroup {
  readonly name: string;
  readonly rules: readonly PrometheusRule[];
}

/** The recording rule every SLO's error ratio is written to, one series per SLO and window (`window="1h"`). */
export const SLO_ERROR_RATIO_RECORD = 'vigil_slo:error_ratio';

/** Prometheus's function for each of Vigil's threshold aggregates (`m` is the selector with its range). */
const AGGREGATE_FUNCTIONS: Readonly<Record<RuleAggregate, (m: string) => string>> = {
  last: (m) => `last_over_time(${m})`,
  avg: (m) => `avg_over_time(${m})`,
  min: (m) => `min_over_time(${m})`,
  max: (m) => `max_over_time(${m})`,
  sum: (m) => `sum_over_time(${m})`,
  count: (m) => `count_over_time(${m})`,
  rate: (m) => `rate(${m})`,
  increase: (m) => `increase(${m})`,
  p50: (m) => `quantile_over_time(0.5, ${m})`,
  p90: (m) => `quantile_over_time(0.9, ${m})`,
  p95: (m) => `quantile_over_time(0.95, ${m})`,
  p99: (m) => `quantile_over_time(0.99, ${m})`,
};

/** A PromQL string literal. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** `vigil_name{a="b",c=~"d"}` for a metric as Vigil names it inside (probe_duration_seconds) and matchers. */
export function selector(metric: string, matchers: readonly Matcher[]): string {
  const inside = matchers.map((m) => `${m.label}${m.op}${quote(m.value)}`).join(',');
  return `${exposedName(metric)}${inside ? `{${inside}}` : ''}`;
}

const equal = (labels: Labels): Matcher[] => Object.entries(labels).map(([label, value]) => ({ label, op: '=' as const, value }));

/** A Prometheus duration for milliseconds (`1h30m`), at least 1s. */
export function promDuration(ms: number): string {
  return formatDuration(Math.max(1_000, Math.round(ms / 1_000) * 1_000));
}

/** Vigil's `{{value}}`, `{{labels.X}}`, `{{env}}` in Prometheus's Go templates. */
export function promTemplate(template: string): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
    if (name === 'value') return '{{ $value }}';
    const label = name.startsWith('labels.') ? name.slice('labels.'.length) : name;
    return `{{ index $labels ${quote(label)} }}`;
  });
}

function annotations(summary: string | null, runbook: string | null): Labels {
  return {
    ...(summary === null ? {} : { summary: promTemplate(summary) }),
    ...(runbook === null ? {} : { runbook_url: promTemplate(runbook) }),
  };
}

/** Every window an SLO's burn-rate alerts read, shortest first. */
function sloWindows(slo: SloSpec, rules: readonly BurnRateRule[]): number[] {
  const windows = new Set<number>();
  for (const rule of rules) if (rule.sloId === slo.id) for (const w of rule.windows) windows.add(w.longWindowMs).add(w.shortWindowMs);
  return [...windows].sort((a, b) => a - b);
}

/** The error ratio (bad / all) of an SLO's events over a window, in PromQL. */
export function sloErrorRatio(slo: SloSpec, windowMs: number): string {
  const range = `[${promDuration(windowMs)}]`;
  const by = 'sum by (env, service) ';
  const where = equal({ env: slo.env, service: slo.service });
  if (slo.sli.kind === 'availability') {
    const success = selector('probe_success', where);
    return `1 - (${by}(sum_over_time(${success}${range})) / ${by}(count_over_time(${success}${range})))`;
  }
  const threshold = slo.sli.thresholdSeconds;
  if (PROBE_DURATION_BUCKETS.includes(threshold)) {
    const fast = `vigil_probe_duration_seconds_bucket{env=${quote(slo.env)},service=${quote(slo.service)},le=${quote(String(threshold))}}`;
    const all = `vigil_probe_duration_seconds_count{env=${quote(slo.env)},service=${quote(slo.service)}}`;
    return `1 - (${by}(increase(${fast}${range})) / ${by}(increase(${all}${range})))`;
  }
  const fast = `(${selector('probe_duration_seconds', where)} < bool ${threshold})`;
  const subquery = `[${promDuration(windowMs)}:]`;
  return `1 - (${by}(sum_over_time(${fast}${subquery})) / ${by}(count_over_time(${fast}${subquery})))`;
}

function sloRecordingRules(slo: SloSpec, windows: readonly number[]): PrometheusRule[] {
  return windows.map((windowMs) => ({
    record: SLO_ERROR_RATIO_RECORD,
    expr: sloErrorRatio(slo, windowMs),
    // env and service are on the series already; written here too so that promtool sees distinct rules.
    labels: { env: slo.env, service: slo.service, slo: slo.name, window: promDuration(windowMs) },
  }));
}

/** The workbook's multiwindow alert: any pair whose long and short windows both burn above its factor. */
function burnRateAlert(rule: BurnRateRule, slo: SloSpec): PrometheusRule {
  const ratio = (windowMs: number) => `${SLO_ERROR_RATIO_RECORD}{env=${quote(slo.env)},service=${quote(slo.service)},slo=${quote(slo.name)},window=${quote(promDuration(windowMs))}}`;
  // As in Vigil (rules/evaluate.ts), a pair judges only once its short window is full of data: the
  // service's probe results reach back at least that far. Without it a fresh install's first failing
  // minute is 100 % of its "1 h" and Prometheus paged where Vigil did not.
  const full = (windowMs: number) => `sum by (env, service) (present_over_time(${selector('probe_success', equal({ env: slo.env, service: slo.service }))}[${promDuration(windowMs)}] offset ${promDuration(windowMs)}))`;
  const pairs = rule.windows.map((w) => {
    const bound = +(w.factor * (1 - slo.objective)).toPrecision(12);
    return `(${ratio(w.longWindowMs)} > ${bound} and ignoring (window) ${ratio(w.shortWindowMs)} > ${bound} and on (env, service) ${full(w.shortWindowMs)})`;
  });
  return {
    alert: rule.name,
    // One alert per SLO and severity, as Vigil has it: the pairs' series (each labelled with its long window) folded together.
    expr: `max without (window) (${pairs.join(' or ')})`,
    ...(rule.forMs > 0 ? { for: promDuration(rule.forMs) } : {}),
    labels: { severity: rule.severity, ...rule.labels },
    annotations: {
      ...annotations(rule.summary?.replace('{{value}}×', '{{value}} (error ratio)') ?? null, rule.runbook),
      description: `SLO ${slo.id}: objective ${+(slo.objective * 100).toPrecision(10)}%; alerting above ` + rule.windows.map((w) => `${w.factor}× over ${promDuration(w.longWindowMs)} and ${promDuration(w.shortWindowMs)}`).join(', or '),
    },
  };
}

/**
 * The equality matchers as labels (on the series already): rules of one name over different label sets
 * (TlsCertExpiring per env and service) then differ for promtool, which flags duplicate rules.
 */
function matchedLabels(matchers: readonly Matcher[]): Labels {
  return Object.fromEntries(matchers.filter((m) => m.op === '=' && m.value !== '').map((m) => [m.label, m.value]));
}

/**
 * The shortest range a threshold rule reads: a range must hold two scrapes for rate() and one for
 * last_over_time(); 1 minute does at scrape intervals up to 30 s (Vigil's own windows may be shorter,
 * `last` over 3 runs of a 5 s check: 17 s).
 */
export const MIN_RANGE_MS = 60_000;

function thresholdAlert(rule: ThresholdRule): PrometheusRule {
  const value = AGGREGATE_FUNCTIONS[rule.aggregate](`${selector(rule.metric, rule.matchers)}[${promDuration(Math.max(MIN_RANGE_MS, rule.overMs))}]`);
  const op = rule.op === 'above' ? '>' : '<';
  let expr = `${value} ${op} ${rule.threshold}`;
  if (rule.recover !== null && rule.recover !== rule.threshold) {
    // Hysteresis, as Vigil has it: a firing alert resolves only once past `recover`.
    const ignoring = ['alertname', 'alertstate', 'severity', ...Object.keys(rule.labels).filter((label) => !(label in matchedLabels(rule.matchers)))].join(', ');
    expr = `${value} ${op} ${rule.threshold} or (${value} ${op} ${rule.recover} and ignoring (${ignoring}) ALERTS{alertname=${quote(rule.name)},alertstate="firing"})`;
  }
  return {
    alert: rule.name,
    expr,
    ...(rule.forMs > 0 ? { for: promDuration(rule.forMs) } : {}),
    ...(rule.keepFiringForMs > 0 ? { keep_firing_for: promDuration(rule.keepFiringForMs) } : {}),
    labels: { severity: rule.severity, ...matchedLabels(rule.matchers), ...rule.labels },
    annotations: annotations(rule.summary, rule.runbook),
  };
}

/** A series silent for `nodata` (seen in the window before), or none matching at all. */
function noDataAlert(rule: NoDataRule): PrometheusRule {
  const m = selector(rule.metric, rule.matchers);
  const silent = `(present_over_time(${m}[${promDuration(2 * rule.nodataMs)}]) unless present_over_time(${m}[${promDuration(rule.nodataMs)}]))`;
  return {
    alert: rule.name,
    expr: `${silent} or absent_over_time(${m}[${promDuration(rule.nodataMs)}])`,
    ...(rule.forMs > 0 ? { for: promDuration(rule.forMs) } : {}),
    ...(rule.keepFiringForMs > 0 ? { keep_firing_for: promDuration(rule.keepFiringForMs) } : {}),
    labels: { severity: rule.severity, ...matchedLabels(rule.matchers), ...rule.labels },
    annotations: annotations(rule.summary, rule.runbook),
  };
}

function checkDownAlert(rule: CheckDownRule, check: CheckSpec | undefined): PrometheusRule {
  const every = check?.everyMs ?? 0;
  const downFor = Math.min((rule.afterFailures - 1) * every, rule.orAfterMs);
  return {
    alert: rule.name,
    expr: `${selector('probe_success', equal({ env: rule.env, service: rule.service, check: rule.check }))} == 0`,
    ...(downFor > 0 ? { for: promDuration(downFor) } : {}),
    labels: { severity: rule.severity, env: rule.env, service: rule.service, check: rule.check, ...rule.labels },
    annotations: {
      summary: rule.summary === null ? `${rule.checkId} is down: its last run failed` : promTemplate(rule.summary),
      ...(rule.runbook ?? check?.runbook ? { runbook_url: promTemplate((rule.runbook ?? check?.runbook)!) } : {}),
    },
  };
}

/**
 * Alerts on Vigil itself, the same for every config: what Vigil cannot tell about itself (that it fell
 * behind, lost samples, could not deliver an alert, or runs on a host short of CPU) is for the Prometheus
 * that scrapes it to say. Per scraped instance (`instance`, `job` kept); thresholds an operator would act on.
 */
export function selfAlerts(): PrometheusRule[] {
  const self = (alert: string, expr: string, forMs: number, severity: string, summary: string, description: string): PrometheusRule => ({
    alert,
    expr,
    ...(forMs > 0 ? { for: promDuration(forMs) } : {}),
    labels: { severity },
    annotations: { summary, description },
  });
  return [
    self(
      'VigilSchedulerLagging',
      'histogram_quantile(0.99, sum by (instance, job, le) (rate(vigil_scheduler_lag_seconds_bucket[5m]))) > 1',
      10 * 60_000,
      'ticket',
      'Vigil at {{ $labels.instance }} starts 1 % of its check runs over {{ $value | humanizeDuration }} late',
      "Results arrive late and alerts open late. If vigil_event_loop_cpu_wait_seconds_total rises with it, the host is short of CPU; if not, Vigil's own work is (README: Latency and Vigil's own stalls).",
    ),
    self(
      'VigilSkippingRuns',
      'increase(vigil_scheduler_late_ticks_skipped_total[10m]) > 0',
      0,
      'ticket',
      'Vigil at {{ $labels.instance }} skipped check runs: it fell more than an interval behind',
      'Skipped runs are gaps in the checks\' data and SLOs. See VigilSchedulerLagging and the host\'s CPU.',
    ),
    self(
      'VigilDroppingSamples',
      'increase(vigil_store_samples_dropped_total[10m]) > 0',
      0,
      'page',
      'Vigil at {{ $labels.instance }} dropped {{ $value | humanize }} samples: its store failed for longer than the buffer holds',
      'Measurements are being lost. vigil_store_write_errors_total and the log say why (disk full, PostgreSQL down).',
    ),
    self(
      'VigilStoreWriteErrors',
      'increase(vigil_store_write_errors_total[5m]) > 0',
      5 * 60_000,
      'ticket',
      'Vigil at {{ $labels.instance }} fails to write to its store',
      'Samples are buffered and retried; past the buffer they are dropped (VigilDroppingSamples). The log says why.',
    ),
    self(
      'VigilNotificationsDead',
      'sum by (instance, job, receiver) (increase(vigil_notifications_total{result="dead"}[15m])) > 0',
      0,
      'page',
      'Vigil at {{ $labels.instance }} gave up delivering notifications to {{ $labels.receiver }}',
      'An alert never reached its receiver after every retry. GET /api/v1/notifications?state=dead lists them; POST /api/v1/notifications/:id/replay sends one again once the receiver works.',
    ),
    self(
      'VigilHostShortOfCpu',
      'rate(vigil_event_loop_cpu_wait_seconds_total[5m]) > 0.25',
      15 * 60_000,
      'ticket',
      "Vigil's event loop at {{ $labels.instance }} waits for a CPU {{ $value | humanizePercentage }} of the time",
      'The host has too little CPU for its load: scheduling lag and event-loop delay come from the host, not from Vigil. Give it more cores or move other load off it.',
    ),
  ];
}

/**
 * The rule groups equivalent to a config's alerting: `vigil-slos` (each SLO's error ratio per window,
 * recorded, then its burn-rate alerts), `vigil-rules` (threshold and nodata rules, defaults included),
 * `vigil-check-down` (one CheckDown per check), and `vigil-self` (alerts on Vigil itself).
 */
export function prometheusRuleGroups(alerting: AlertingConfig, checks: readonly CheckSpec[]): PrometheusRuleGroup[] {
  const burnRules = alerting.rules.filter((rule): rule is BurnRateRule => rule.kind === 'burn_rate');
  const slos: PrometheusRule[] = [];
  for (const slo of alerting.slos) {
    slos.push(...sloRecordingRules(slo, sloWindows(slo, burnRules)));
    for (const rule of burnRules) if (rule.sloId === slo.id) slos.push(burnRateAlert(rule, slo));
  }
  const rules: PrometheusRule[] = [];
  const down: PrometheusRule[] = [];
  const checksById = new Map(checks.map((check) => [check.id, check]));
  for (const rule of alerting.rules) {
    if (rule.kind === 'threshold') rules.push(thresholdAlert(rule));
    else if (rule.kind === 'nodata') rules.push(noDataAlert(rule));
    else if (rule.kind === 'check_down') down.push(checkDownAlert(rule, checksById.get(rule.checkId)));
  }
  return [
    { name: 'vigil-slos', rules: slos },
    { name: 'vigil-rules', rules },
    { name: 'vigil-check-down', rules: down },
    { name: 'vigil-self', rules: selfAlerts() },
  ].filter((group) => group.rules.length > 0);
}

/** A rule file (YAML) of the groups, with a header saying where it came from. */
export function prometheusRulesYaml(groups: readonly PrometheusRuleGroup[], source: string): string {
  const header = [
    `# Prometheus rules equivalent to Vigil's alerting in ${source}: \`vigil export prometheus-rules\`.`,
    '# Over the metrics Vigil exposes on /metrics; SLIs are per scrape where Vigil counts runs (see the README,',
    '# "Prometheus and Grafana"). Maintenance windows, silences and inhibition belong to Alertmanager.',
  ];
  return `${header.join('\n')}\n${stringify({ groups }, { lineWidth: 0 })}`;
}
