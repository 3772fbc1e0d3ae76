// Vigil's Grafana dashboards, built from one small description each so that they stay consistent: the
// same `${datasource}`, `env` and `service` variables, fixed uids, the current schema version. Written to
// grafana/dashboards/*.json by `npm run grafana` (grafana/generate.ts); a test keeps the files equal to
// this output and runs every query against a real Prometheus scraping the demo.

/** Grafana 11's dashboard schema version. */
export const SCHEMA_VERSION = 39;
/** The provisioned Prometheus datasource (grafana/provisioning/datasources/vigil.yaml). */
export const DATASOURCE_UID = 'prometheus';

const DS = { type: 'prometheus', uid: '${datasource}' } as const;
/** The env and service filters every Vigil query carries. */
const SEL = 'env=~"$env",service=~"$service"';

interface Query {
  readonly expr: string;
  readonly legend?: string;
  /** Table and stat panels read the last value only. */
  readonly instant?: boolean;
}

interface PanelSpec {
  readonly type: 'timeseries' | 'stat' | 'state-timeline' | 'table' | 'bargauge' | 'gauge';
  readonly title: string;
  readonly description: string;
  readonly queries: readonly Query[];
  readonly unit?: string;
  /** Grid width (of 24) and height. */
  readonly w?: number;
  readonly h?: number;
  readonly min?: number;
  readonly max?: number;
  /** Value → text (0 → DOWN). */
  readonly mappings?: ReadonlyArray<{ readonly value: string; readonly text: string; readonly color: string }>;
  readonly thresholds?: ReadonlyArray<{ readonly value: number | null; readonly color: string }>;
}

interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly panels: readonly PanelSpec[];
}

const UP_DOWN = [
  { value: '0', text: 'DOWN', color: 'red' },
  { value: '1', text: 'UP', color: 'green' },
];
const RED_BELOW_ONE = [
  { value: null, color: 'red' },
  { value: 1, color: 'green' },
];
const BUDGET = [
  { value: null, color: 'red' },
  { value: 0, color: 'orange' },
  { value: 0.25, color: 'green' },
];

const percentile = (q: number, by: string, selector = SEL) =>
  `histogram_quantile(${q}, sum by (${by}, le) (rate(vigil_probe_duration_seconds_bucket{${selector}}[$__rate_interval])))`;

export const DASHBOARDS: readonly DashboardSpec[] = [
  {
    uid: 'vigil-overview',
    title: 'Vigil / Overview',
    description: 'Every check of every environment: up or down, availability and latency.',
    panels: [
      { type: 'stat', title: 'Checks down', description: 'Checks whose last run failed.', w: 6, h: 5, queries: [{ expr: `count(vigil_probe_success{${SEL}} == 0) or vector(0)`, instant: true }], thresholds: [{ value: null, color: 'green' }, { value: 1, color: 'red' }] },
      { type: 'stat', title: 'Open incidents', description: 'Incidents not yet resolved, by severity.', w: 6, h: 5, queries: [{ expr: 'sum by (severity) (vigil_incidents_open)', legend: '{{severity}}', instant: true }] },
      { type: 'stat', title: 'Firing alerts', description: "Vigil's alerts firing now, all rules.", w: 6, h: 5, queries: [{ expr: 'sum(vigil_alerts{state="firing"})', instant: true }], thresholds: [{ value: null, color: 'green' }, { value: 1, color: 'red' }] },
      { type: 'stat', title: 'Stale checks', description: 'Checks whose last run finished more than a minute ago.', w: 6, h: 5, queries: [{ expr: `count((time() - vigil_probe_last_run_timestamp_seconds{${SEL}}) > 60) or vector(0)`, instant: true }], thresholds: [{ value: null, color: 'green' }, { value: 1, color: 'orange' }] },
      { type: 'state-timeline', title: 'Status', description: 'The last run of each check: up or down.', w: 24, h: 9, queries: [{ expr: `max by (env, service, check) (vigil_probe_success{${SEL}})`, legend: '{{env}}/{{service}}/{{check}}' }], mappings: UP_DOWN },
      { type: 'bargauge', title: 'Availability over the range', description: 'Share of scrapes whose last run succeeded, per service.', unit: 'percentunit', min: 0, max: 1, w: 12, h: 8, queries: [{ expr: `avg by (env, service) (avg_over_time(vigil_probe_success{${SEL}}[$__range]))`, legend: '{{env}}/{{service}}', instant: true }], thresholds: [{ value: null, color: 'red' }, { value: 0.99, color: 'orange' }, { value: 0.999, color: 'green' }] },
      {
        type: 'timeseries',
        title: 'Latency percentiles',
        description: 'p50, p95 and p99 of probe latency per service, from the histogram.',
        unit: 's',
        w: 12,
        h: 8,
        queries: [
          { expr: percentile(0.5, 'env, service'), legend: 'p50 {{env}}/{{service}}' },
          { expr: percentile(0.95, 'env, service'), legend: 'p95 {{env}}/{{service}}' },
          { expr: percentile(0.99, 'env, service'), legend: 'p99 {{env}}/{{service}}' },
        ],
      },
    ],
  },
  {
    uid: 'vigil-service',
    title: 'Vigil / Service detail',
    description: 'One service (pick env and service): each check, its latency and what its target reports.',
    panels: [
      { type: 'stat', title: 'Up', description: 'The last run of each check.', w: 8, h: 5, queries: [{ expr: `vigil_probe_success{${SEL}}`, legend: '{{env}}/{{check}}', instant: true }], mappings: UP_DOWN },
      { type: 'stat', title: 'Since the last run', description: "Seconds since each check's last run finished.", unit: 's', w: 8, h: 5, queries: [{ expr: `time() - vigil_probe_last_run_timestamp_seconds{${SEL}}`, legend: '{{env}}/{{check}}', instant: true }] },
      { type: 'stat', title: 'Last run duration', description: "The last run's duration.", unit: 's', w: 8, h: 5, queries: [{ expr: `vigil_probe_last_duration_seconds{${SEL}}`, legend: '{{env}}/{{check}}', instant: true }] },
      {
        type: 'timeseries',
        title: 'Latency percentiles per check',
        description: 'p50, p95 and p99 per check, from the histogram.',
        unit: 's',
        w: 12,
        h: 8,
        queries: [
          { expr: percentile(0.5, 'env, check'), legend: 'p50 {{env}}/{{check}}' },
          { expr: percentile(0.95, 'env, check'), legend: 'p95 {{env}}/{{check}}' },
          { expr: percentile(0.99, 'env, check'), legend: 'p99 {{env}}/{{check}}' },
        ],
      },
      { type: 'timeseries', title: 'Success ratio', description: 'Share of scrapes whose last run succeeded.', unit: 'percentunit', min: 0, max: 1, w: 12, h: 8, queries: [{ expr: `avg by (env, check) (avg_over_time(vigil_probe_success{${SEL}}[$__rate_interval]))`, legend: '{{env}}/{{check}}' }] },
      { type: 'timeseries', title: 'Runs per second', description: 'Check runs finished, from the histogram count.', unit: 'ops', w: 12, h: 8, queries: [{ expr: `sum by (env, check) (rate(vigil_probe_duration_seconds_count{${SEL}}[$__rate_interval]))`, legend: '{{env}}/{{check}}' }] },
      { type: 'state-timeline', title: 'Components', description: 'What health endpoints report of their components.', w: 12, h: 8, queries: [{ expr: `max by (env, service, component) (vigil_health_component_up{${SEL}})`, legend: '{{env}}/{{service}}/{{component}}' }], mappings: UP_DOWN },
      { type: 'table', title: 'Checks', description: 'Each check: kind, interval and timeout (vigil_check_info).', w: 24, h: 7, queries: [{ expr: `vigil_check_info{${SEL}}`, instant: true }] },
    ],
  },
  {
    uid: 'vigil-slos',
    title: 'Vigil / SLOs and error budgets',
    description: "Each SLO as Vigil accounts it (runs, maintenance left out), and Prometheus's own error ratio from the exported rules.",
    panels: [
      { type: 'stat', title: 'SLI over the SLO window', description: 'Good / valid events over each SLO window (vigil_slo_sli_ratio).', unit: 'percentunit', w: 12, h: 6, queries: [{ expr: `vigil_slo_sli_ratio{${SEL}}`, legend: '{{env}}/{{service}} {{slo}}', instant: true }] },
      { type: 'bargauge', title: 'Error budget remaining', description: 'Share of the error budget left; negative once overspent.', unit: 'percentunit', min: -1, max: 1, w: 12, h: 6, queries: [{ expr: `vigil_slo_error_budget_remaining_ratio{${SEL}}`, legend: '{{env}}/{{service}} {{slo}}', instant: true }], thresholds: BUDGET },
      { type: 'timeseries', title: 'Burn rate by window', description: 'How fast each SLO burns its budget (1 spends exactly the budget over the window).', w: 12, h: 8, queries: [{ expr: `vigil_slo_burn_rate{${SEL}}`, legend: '{{service}} {{slo}} {{window}}' }] },
      { type: 'timeseries', title: 'Error budget over time', description: 'vigil_slo_error_budget_remaining_ratio.', unit: 'percentunit', w: 12, h: 8, queries: [{ expr: `vigil_slo_error_budget_remaining_ratio{${SEL}}`, legend: '{{env}}/{{service}} {{slo}}' }], thresholds: BUDGET },
      { type: 'timeseries', title: 'Error ratio in Prometheus (exported rules)', description: 'vigil_slo:error_ratio, recorded by the rules of `vigil export prometheus-rules` (per scrape).', unit: 'percentunit', w: 12, h: 8, queries: [{ expr: `vigil_slo:error_ratio{${SEL},window=~"5m|1h"}`, legend: '{{service}} {{slo}} {{window}}' }] },
      { type: 'table', title: 'Burn-rate alerts', description: "Vigil's burn-rate alerts pending and firing, by rule.", w: 12, h: 8, queries: [{ expr: 'sum by (rule, state) (vigil_alerts{rule=~".*BurnRate"})', instant: true }] },
    ],
  },
  {
    uid: 'vigil-replication-queues',
    title: 'Vigil / Replica lag and queues',
    description: 'Replication lag and job queue depths, from health endpoints and queue probes.',
    panels: [
      { type: 'stat', title: 'Worst replica lag', description: 'The highest replica lag now.', unit: 's', w: 12, h: 5, queries: [{ expr: `max(vigil_replica_lag_seconds{${SEL}})`, instant: true }], thresholds: [{ value: null, color: 'green' }, { value: 20, color: 'red' }] },
      { type: 'stat', title: 'Jobs waiting', description: 'All queues, all environments selected.', w: 12, h: 5, queries: [{ expr: `sum(vigil_queue_depth{${SEL}})`, instant: true }] },
      { type: 'timeseries', title: 'Replica lag', description: 'vigil_replica_lag_seconds per check.', unit: 's', w: 12, h: 8, queries: [{ expr: `max by (env, service, check) (vigil_replica_lag_seconds{${SEL}})`, legend: '{{env}}/{{service}}/{{check}}' }] },
      { type: 'timeseries', title: 'Replica lag in bytes', description: 'vigil_replica_lag_bytes per check.', unit: 'bytes', w: 12, h: 8, queries: [{ expr: `max by (env, service, check) (vigil_replica_lag_bytes{${SEL}})`, legend: '{{env}}/{{service}}/{{check}}' }] },
      { type: 'timeseries', title: 'Queue depth', description: 'vigil_queue_depth per queue.', w: 12, h: 8, queries: [{ expr: `sum by (env, service, queue) (vigil_queue_depth{${SEL}})`, legend: '{{env}}/{{service}} {{queue}}' }] },
      { type: 'timeseries', title: 'Queue growth', description: 'Jobs per second a queue grows (negative: draining).', unit: 'ops', w: 12, h: 8, queries: [{ expr: `sum by (env, service, queue) (deriv(vigil_queue_depth{${SEL}}[5m]))`, legend: '{{env}}/{{service}} {{queue}}' }] },
    ],
  },
  {
    uid: 'vigil-self',
    title: 'Vigil / Vigil itself',
    description: 'How Vigil is doing: scheduler, store, ingest, alerting, notifications and the process.',
    panels: [
      { type: 'timeseries', title: 'Scheduler lag p99', description: 'How late check runs start (p50 and p99).', unit: 's', w: 8, h: 8, queries: [{ expr: 'histogram_quantile(0.99, sum by (le) (rate(vigil_scheduler_lag_seconds_bucket[$__rate_interval])))', legend: 'p99' }, { expr: 'histogram_quantile(0.5, sum by (le) (rate(vigil_scheduler_lag_seconds_bucket[$__rate_interval])))', legend: 'p50' }] },
      { type: 'timeseries', title: 'Check runs', description: 'Runs per second by result.', unit: 'ops', w: 8, h: 8, queries: [{ expr: 'sum by (result) (rate(vigil_probe_runs_total[$__rate_interval]))', legend: '{{result}}' }] },
      {
        type: 'timeseries',
        title: 'Scheduler queue and skips',
        description: 'Runs in flight and queued; runs skipped or stalled per second.',
        w: 8,
        h: 8,
        queries: [
          { expr: 'vigil_scheduler_runs_in_flight', legend: 'in flight' },
          { expr: 'vigil_scheduler_runs_queued', legend: 'queued' },
          { expr: 'rate(vigil_scheduler_overruns_skipped_total[$__rate_interval]) + rate(vigil_scheduler_late_ticks_skipped_total[$__rate_interval])', legend: 'skipped/s' },
          { expr: 'rate(vigil_scheduler_runs_stalled_total[$__rate_interval])', legend: 'stalled/s' },
        ],
      },
      {
        type: 'timeseries',
        title: 'Store writes',
        description: 'Samples appended per second, write errors, samples waiting and dropped.',
        w: 8,
        h: 8,
        queries: [
          { expr: 'rate(vigil_store_samples_appended_total[$__rate_interval])', legend: 'appended/s' },
          { expr: 'rate(vigil_store_write_errors_total[$__rate_interval])', legend: 'write errors/s' },
          { expr: 'vigil_store_buffered_samples', legend: 'buffered' },
          { expr: 'vigil_store_samples_dropped_total', legend: 'dropped' },
        ],
      },
      { type: 'timeseries', title: 'Ingest', description: 'Live series, and new series refused by the limits.', w: 8, h: 8, queries: [{ expr: 'vigil_ingest_live_series', legend: 'live series' }, { expr: 'sum by (reason) (rate(vigil_ingest_series_refused_total[$__rate_interval]))', legend: 'refused/s {{reason}}' }] },
      { type: 'timeseries', title: 'Incidents and alerts', description: 'Open incidents by severity; alerts pending and firing.', w: 8, h: 8, queries: [{ expr: 'sum by (severity) (vigil_incidents_open)', legend: 'open {{severity}}' }, { expr: 'sum by (state) (vigil_alerts)', legend: 'alerts {{state}}' }] },
      { type: 'timeseries', title: 'Notifications', description: 'Delivery attempts per second by receiver and result.', unit: 'ops', w: 12, h: 8, queries: [{ expr: 'sum by (receiver, result) (rate(vigil_notifications_total[$__rate_interval]))', legend: '{{receiver}} {{result}}' }] },
      { type: 'timeseries', title: 'Notification outbox', description: 'Notifications in the outbox by state (pending: still to deliver).', w: 12, h: 8, queries: [{ expr: 'sum by (state) (vigil_notifications_outbox)', legend: '{{state}}' }] },
      {
        type: 'timeseries',
        title: 'Process',
        description: "CPU, resident memory and event-loop lag of Vigil's process, and how long its event-loop thread waited for a CPU (a host short of CPU, not Vigil's own work, when it rises with the lag).",
        w: 24,
        h: 8,
        queries: [
          { expr: 'rate(process_cpu_seconds_total[$__rate_interval])', legend: 'CPU (cores)' },
          { expr: 'process_resident_memory_bytes / 2^30', legend: 'RSS (GiB)' },
          { expr: 'nodejs_eventloop_lag_p99_seconds', legend: 'event-loop lag p99 (s)' },
          { expr: 'rate(vigil_event_loop_cpu_wait_seconds_total[$__rate_interval])', legend: 'event-loop thread waiting for a CPU (s/s)' },
        ],
      },
    ],
  },
];

/** The dashboard variables: the datasource, then env and service read from vigil_probe_success. */
function templating(): object {
  const query = (name: string, label: string, expr: string) => ({
    name,
    label,
    type: 'query',
    datasource: DS,
    definition: expr,
    query: { query: expr, refId: `${name}-variable` },
    refresh: 2,
    includeAll: true,
    allValue: '.*',
    multi: true,
    sort: 1,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
  });
  return {
    list: [
      { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: { selected: true, text: 'Prometheus', value: DATASOURCE_UID }, hide: 0, options: [], refresh: 1 },
      query('env', 'Environment', 'label_values(vigil_probe_success, env)'),
      query('service', 'Service', 'label_values(vigil_probe_success{env=~"$env"}, service)'),
    ],
  };
}

function panelJson(panel: PanelSpec, id: number, x: number, y: number): object {
  const w = panel.w ?? 12;
  const h = panel.h ?? 8;
  const mappings = panel.mappings?.length
    ? [{ type: 'value', options: Object.fromEntries(panel.mappings.map((m, index) => [m.value, { text: m.text, color: m.color, index }])) }]
    : [];
  return {
    id,
    type: panel.type,
    title: panel.title,
    description: panel.description,
    datasource: DS,
    gridPos: { x, y, w, h },
    targets: panel.queries.map((q, i) => ({
      datasource: DS,
      refId: String.fromCharCode(65 + i),
      expr: q.expr,
      legendFormat: q.legend ?? '__auto',
      range: !q.instant,
      instant: Boolean(q.instant),
      ...(panel.type === 'table' ? { format: 'table' } : {}),
    })),
    fieldConfig: {
      defaults: {
        ...(panel.unit ? { unit: panel.unit } : {}),
        ...(panel.min !== undefined ? { min: panel.min } : {}),
        ...(panel.max !== undefined ? { max: panel.max } : {}),
        mappings,
        thresholds: { mode: 'absolute', steps: panel.thresholds ?? [{ value: null, color: 'green' }] },
        color: { mode: panel.thresholds || panel.mappings ? 'thresholds' : 'palette-classic' },
      },
      overrides: [],
    },
    options: panel.type === 'stat' || panel.type === 'bargauge' || panel.type === 'gauge' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } } : {},
  };
}

/** A dashboard's JSON model, panels laid out left to right, top to bottom. */
export function dashboardJson(spec: DashboardSpec): object {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = spec.panels.map((panel, i) => {
    const w = panel.w ?? 12;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const json = panelJson(panel, i + 1, x, y);
    x += w;
    rowHeight = Math.max(rowHeight, panel.h ?? 8);
    return json;
  });
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['vigil'],
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    links: [{ type: 'dashboards', tags: ['vigil'], asDropdown: true, title: 'Vigil', includeVars: true, keepTime: true }],
    templating: templating(),
    annotations: { list: [] },
    panels,
  };
}

/** Each dashboard's file name (under grafana/dashboards/) and JSON text. */
export function dashboardFiles(): Array<{ file: string; text: string }> {
  return DASHBOARDS.map((spec) => ({ file: `${spec.uid}.json`, text: `${JSON.stringify(dashboardJson(spec), null, 2)}\n` }));
}

/** Every PromQL expression of every panel, with its dashboard and panel (what the integration test runs). */
export function dashboardQueries(): Array<{ dashboard: string; panel: string; expr: string }> {
  return DASHBOARDS.flatMap((d) => d.panels.flatMap((p) => p.queries.map((q) => ({ dashboard: d.uid, panel: p.title, expr: q.expr }))));
}
