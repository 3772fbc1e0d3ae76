// Names a user cannot give a series ([X1]): a series named in the config (a health check's or a SQL
// check's `metrics`) or pushed over OTLP lands in the store beside Vigil's own, and on /metrics as
// `vigil_<name>`. With one of these names it would mix with Vigil's own series (a rule on
// `probe_success` counting it), or replace one of Vigil's own metrics on /metrics (a gauge
// `probe_runs_total` exposed over the counter `vigil_probe_runs_total`).
import { z } from 'zod';

/** Prefixes of Vigil's own series: probes' standard series, span metrics from traces, /metrics' own and prom-client's defaults. */
export const RESERVED_METRIC_PREFIXES: readonly string[] = ['vigil_', 'probe_', 'span_', 'process_', 'nodejs_'];

/**
 * Vigil's own metrics on /metrics (api/metrics.ts, api/probe-metrics.ts, collector/metrics.ts), each
 * the name a live series would need to be exposed over it (`vigil_` + name). A test checks the list
 * against a real registry.
 */
export const OWN_METRIC_NAMES: readonly string[] = [
  'vigil_alerts',
  'vigil_check_info',
  'vigil_event_loop_cpu_seconds_total',
  'vigil_event_loop_cpu_wait_seconds_total',
  'vigil_incidents_open',
  'vigil_ingest_live_series',
  'vigil_ingest_series_refused_total',
  'vigil_notifications_outbox',
  'vigil_notifications_total',
  'vigil_otlp_queue_bytes',
  'vigil_otlp_received_total',
  'vigil_otlp_rejected_total',
  'vigil_otlp_requests_total',
  'vigil_otlp_state_series',
  'vigil_probe_duration_seconds',
  'vigil_probe_last_run_timestamp_seconds',
  'vigil_probe_runs_total',
  'vigil_scheduler_checks',
  'vigil_scheduler_lag_seconds',
  'vigil_scheduler_late_ticks_skipped_total',
  'vigil_scheduler_overruns_skipped_total',
  'vigil_scheduler_runs_in_flight',
  'vigil_scheduler_runs_queued',
  'vigil_scheduler_runs_stalled_total',
  'vigil_store_buffered_samples',
  'vigil_store_samples_appended_total',
  'vigil_store_samples_dropped_total',
  'vigil_store_write_errors_total',
];

/** Series a probe of Vigil writes under a name of its own choosing besides the probe_ ones. */
const OWN_SERIES: readonly string[] = ['health_component_up'];

/** Suffixes a metric family's samples take (a histogram's `_bucket`, a counter's `_created`). */
const SAMPLE_SUFFIXES = ['', '_bucket', '_sum', '_count', '_created', '_total', '_info'];

// A counter's OpenMetrics family drops `_total`: `otlp_requests` would be the family of vigil_otlp_requests_total.
const FAMILIES = OWN_METRIC_NAMES.flatMap((name) => [name, name.replace(/_total$/, '')]).map((name) => name.slice('vigil_'.length));
const RESERVED_EXACT = new Set([...OWN_SERIES, ...FAMILIES.flatMap((family) => SAMPLE_SUFFIXES.map((suffix) => family + suffix))]);

/** Why a user may not name a series `name`, or null when the name is free. */
export function reservedMetricProblem(name: string): string | null {
  const prefix = RESERVED_METRIC_PREFIXES.find((p) => name.startsWith(p));
  if (prefix !== undefined) return `metric names starting with "${prefix}" are reserved for Vigil's own series; choose another name`;
  if (RESERVED_EXACT.has(name)) return `"${name}" is reserved: it would replace Vigil's own vigil_${name} on /metrics; choose another name`;
  return null;
}

/** A series name written in the config (a health or SQL check's `metrics`): Prometheus-like, not reserved. */
export const userMetricNameSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_]*$/, 'expected a metric name like queue_depth')
  .superRefine((name, ctx) => {
    const problem = reservedMetricProblem(name);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });
