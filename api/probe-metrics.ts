// Per-check metrics Prometheus computes with: each check's static facts (`vigil_check_info`), its probe
// latency as a histogram (`vigil_probe_duration_seconds`, so that histogram_quantile() works over any
// window and any aggregation of checks), and when it last ran (`vigil_probe_last_run_timestamp_seconds`,
// so `time() - …` shows a stale check). Rendered by hand like the live view (api/exposition.ts): every
// line prefix is built once per check, a scrape only appends numbers, in chunks between turns of the loop.
import type { LiveView } from '../ingest/live-view.js';
import type { CheckSpec } from '../probes/probe.js';
import { escapeLabelValue, formatValue, type ExpositionFormat } from './exposition.js';

/**
 * Upper bounds of the latency buckets, in seconds. Ten finite buckets (+Inf, `_sum` and `_count`: 13
 * series a check) span a fast TCP connect (5 ms) to the default timeout (10 s) at roughly ×2.5 steps,
 * which is what histogram_quantile() interpolates between: enough to tell 100 ms from 250 ms from 1 s,
 * the thresholds people write (`latency_under`). More buckets multiply by the number of checks: at 10,000
 * checks these are 130,000 series already.
 */
export const PROBE_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** The families this module writes (full names), so that a live metric never takes one of them. */
export const PROBE_METRIC_NAMES: readonly string[] = ['vigil_check_info', 'vigil_probe_duration_seconds', 'vigil_probe_last_run_timestamp_seconds'];

const INFO_HELP = 'Static facts of each configured check: its probe kind, interval and timeout (always 1).';
const DURATION_HELP = 'Duration of check runs, per check (buckets: ' + PROBE_DURATION_BUCKETS.join(', ') + ' s).';
const LAST_RUN_HELP = 'When each check last finished a run, in seconds since the epoch.';

/** The identity and schedule of a check, as these metrics need it. */
export type ProbeMetricsCheck = Pick<CheckSpec, 'id' | 'env' | 'service' | 'name' | 'kind' | 'everyMs' | 'timeoutMs'>;

interface CheckHistogram {
  /** `vigil_probe_duration_seconds_bucket{check="…",env="…",service="…",le="` and so on: built on first render. */
  prefixes: string[] | null;
  readonly labels: string;
  /** Cumulative counts per bucket (the last one is +Inf, the count). */
  readonly cumulative: Float64Array;
  sum: number;
}

/** `check="…",env="…",service="…"`: label names sorted, values escaped. */
function checkLabels(env: string, service: string, check: string): string {
  return `check="${escapeLabelValue(check)}",env="${escapeLabelValue(env)}",service="${escapeLabelValue(service)}"`;
}

/** Histograms and facts of a fixed set of checks (the config's); memory grows with checks, never with runs. */
export class ProbeMetrics {
  readonly #live: LiveView;
  readonly #byId = new Map<string, CheckHistogram>();
  readonly #infoText: string;
  readonly #les: readonly string[];
  readonly #lastRunPrefixes = new Map<string, string>();

  constructor(checks: readonly ProbeMetricsCheck[], live: LiveView) {
    this.#live = live;
    this.#les = [...PROBE_DURATION_BUCKETS.map(formatValue), '+Inf'];
    let info = '';
    for (const check of checks) {
      const labels = checkLabels(check.env, check.service, check.name);
      // Series exist at 0 from the start: rate() over the first runs and "no run yet" both have data.
      this.#byId.set(check.id, { prefixes: null, labels, cumulative: new Float64Array(this.#les.length), sum: 0 });
      // Label names in sorted order, as every family Vigil renders writes them.
      info +=
        `vigil_check_info{check="${escapeLabelValue(check.name)}",env="${escapeLabelValue(check.env)}",interval_seconds="${formatValue(check.everyMs / 1000)}",` +
        `kind="${escapeLabelValue(check.kind)}",service="${escapeLabelValue(check.service)}",timeout_seconds="${formatValue(check.timeoutMs / 1000)}"} 1\n`;
    }
    this.#infoText = info;
  }

  /** Counts one finished run of a configured check (an unknown id is ignored). */
  observe(checkId: string, durationSeconds: number): void {
    const histogram = this.#byId.get(checkId);
    if (!histogram || !Number.isFinite(durationSeconds)) return;
    const value = Math.max(0, durationSeconds);
    const { cumulative } = histogram;
    for (let i = cumulative.length - 1; i >= 0; i--) {
      // The +Inf bucket always counts; the others while the value is at or under their bound.
      if (i < PROBE_DURATION_BUCKETS.length && value > PROBE_DURATION_BUCKETS[i]!) break;
      cumulative[i]!++;
    }
    histogram.sum += value;
  }

  /** The three families in whole lines, `linesPerChunk` sample lines at most per chunk. */
  *chunks(format: ExpositionFormat, linesPerChunk: number): Generator<string, void, undefined> {
    let out = '';
    let lines = 0;
    if (this.#byId.size > 0) {
      const infoType = format === 'openmetrics' ? '# HELP vigil_check ' + INFO_HELP + '\n# TYPE vigil_check info\n' : '# HELP vigil_check_info ' + INFO_HELP + '\n# TYPE vigil_check_info gauge\n';
      out += infoType + this.#infoText;
      lines += this.#byId.size;
      out += `# HELP vigil_probe_duration_seconds ${DURATION_HELP}\n# TYPE vigil_probe_duration_seconds histogram\n`;
      for (const histogram of this.#byId.values()) {
        const prefixes = (histogram.prefixes ??= this.#prefixesOf(histogram.labels));
        const { cumulative } = histogram;
        for (let i = 0; i < cumulative.length; i++) out += prefixes[i] + formatValue(cumulative[i]!) + '\n';
        out += prefixes[cumulative.length] + formatValue(histogram.sum) + '\n' + prefixes[cumulative.length + 1] + formatValue(cumulative[cumulative.length - 1]!) + '\n';
        lines += cumulative.length + 2;
        if (lines >= linesPerChunk) {
          yield out;
          out = '';
          lines = 0;
        }
      }
    }
    let header = `# HELP vigil_probe_last_run_timestamp_seconds ${LAST_RUN_HELP}\n# TYPE vigil_probe_last_run_timestamp_seconds gauge\n`;
    for (const [id, result] of this.#live.checkResultsById()) {
      // Configured checks only: the store may still hold the last result of a check since removed.
      if (!this.#byId.has(id)) continue;
      out += header;
      header = '';
      let prefix = this.#lastRunPrefixes.get(id);
      if (prefix === undefined) {
        prefix = `vigil_probe_last_run_timestamp_seconds{${checkLabels(result.env, result.service, result.check)}} `;
        this.#lastRunPrefixes.set(id, prefix);
      }
      out += prefix + formatValue(result.ts / 1000) + '\n';
      if (++lines >= linesPerChunk) {
        yield out;
        out = '';
        lines = 0;
      }
    }
    if (out) yield out;
  }

  #prefixesOf(labels: string): string[] {
    // Label names sorted: `le` goes between `env` and `service`.
    // An escaped value holds no bare `"`, so `,service="` is only ever the label itself.
    const at = labels.lastIndexOf(',service="');
    const bucket = this.#les.map((le) => `vigil_probe_duration_seconds_bucket{${labels.slice(0, at)},le="${le}"${labels.slice(at)}} `);
    return [...bucket, `vigil_probe_duration_seconds_sum{${labels}} `, `vigil_probe_duration_seconds_count{${labels}} `];
  }
}
