import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LiveView } from '../ingest/live-view.js';
import type { Labels } from '../store/types.js';

// /metrics: Vigil's measurements as Prometheus gauges (the last value of every series, `vigil_` prefix)
// plus Vigil's own health (probe runs, scheduling lag, store writes) and Node's process metrics.

const HELP: Record<string, string> = {
  probe_success: 'Whether the last run of the check succeeded (1) or failed (0).',
  probe_duration_seconds: 'Duration of the last run of the check.',
  probe_http_status_code: 'HTTP status code of the last run of the check.',
  tls_cert_expiry_seconds: 'Seconds until the TLS certificate of the target expires.',
  replica_lag_seconds: 'Replication lag reported by the target, in seconds.',
  replica_lag_bytes: 'Replication lag reported by the target, in bytes.',
  queue_depth: 'Jobs waiting in the queue, as reported by the target.',
  heartbeat_age_seconds: 'Seconds since the last heartbeat.',
  health_component_up: 'Whether a component of the target reports itself up (1) or down (0).',
};

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The last value of every live series, read from the live view at each scrape, one gauge per metric
 * name. The label names of a prom-client gauge are fixed at creation, and a metric can gain a label
 * later (a health metric with a `queue` label), so a gauge is re-created with the wider label set when
 * that happens; a metric whose series all went stale leaves the exposition.
 */
class LiveGauges {
  readonly #registry: Registry;
  readonly #live: LiveView;
  readonly #labelNames = new Map<string, string[]>();
  /** Sources hand the same frozen label object for a series on every run: filter and sort it once. */
  readonly #canonical = new WeakMap<Labels, Labels>();

  constructor(registry: Registry, live: LiveView) {
    this.#registry = registry;
    this.#live = live;
  }

  /** Creates, widens and removes gauges so that they match the live view's metrics. */
  sync(): void {
    const live = new Set<string>();
    for (const name of this.#live.metricNames()) {
      if (!METRIC_NAME.test(name)) continue;
      live.add(name);
      const names = new Set<string>();
      for (const series of this.#live.seriesOf(name)) for (const label in this.#labelsOf(series.labels)) names.add(label);
      const known = this.#labelNames.get(name);
      if (known && [...names].every((label) => known.includes(label))) continue;
      this.#create(name, [...new Set([...(known ?? []), ...names])].sort());
    }
    for (const name of this.#labelNames.keys()) {
      if (live.has(name)) continue;
      this.#registry.removeSingleMetric(`vigil_${name}`);
      this.#labelNames.delete(name);
    }
  }

  #create(name: string, labelNames: string[]): void {
    const fullName = `vigil_${name}`;
    this.#registry.removeSingleMetric(fullName);
    this.#labelNames.set(name, labelNames);
    const live = this.#live;
    const labelsOf = (labels: Labels) => this.#labelsOf(labels);
    new Gauge({
      name: fullName,
      help: HELP[name] ?? `Last value of ${name}.`,
      labelNames,
      registers: [this.#registry],
      collect() {
        this.reset();
        for (const series of live.seriesOf(name)) this.set(labelsOf(series.labels), series.value);
      },
    });
  }

  /** Valid label names only, sorted so that the exposition is stable whatever order a source wrote them in. */
  #labelsOf(written: Labels): Labels {
    let labels = this.#canonical.get(written);
    if (!labels) {
      labels = Object.fromEntries(Object.keys(written).filter((k) => LABEL_NAME.test(k)).sort().map((k) => [k, written[k]]));
      if (Object.isFrozen(written)) this.#canonical.set(written, labels);
    }
    return labels;
  }
}

/** A finished check run as /metrics sees it. */
export interface RunObservation {
  readonly kind: string;
  readonly success: boolean;
  /** How late the run started against its planned time. */
  readonly lagSeconds: number;
  readonly timedOut: boolean;
}

/** The scheduler's own counters, read at scrape time. */
export interface SchedulerGaugeSource {
  stats(): { readonly checks: number; readonly running: number; readonly queued: number; readonly overrunsSkipped: number; readonly lateTicksSkipped: number };
}

/** The ingest writer's buffer, read at scrape time. */
export interface IngestGaugeSource {
  stats(): { readonly bufferedSamples: number; readonly droppedSamples: number };
}

/** A metric whose value is read from its owner at each scrape; counters stay counters so rate() works. */
function readAtScrape(registry: Registry, type: 'gauge' | 'counter', name: string, help: string, read: () => number): void {
  if (type === 'gauge') new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  else new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()); } });
}

export interface VigilMetrics {
  readonly registry: Registry;
  /** The exposition text: the live view's last values plus Vigil's own metrics. */
  render(): Promise<string>;
  observeRun(run: RunObservation): void;
  observeStoreWrite(samples: number, failed: boolean): void;
  /** Exposes the scheduler's queue and skip counters, read at each scrape. */
  watchScheduler(scheduler: SchedulerGaugeSource): void;
  /** Exposes how many samples wait for the store and how many were dropped while it failed. */
  watchIngest(writer: IngestGaugeSource): void;
}

/** Creates Vigil's metrics on the registry passed in (a fresh one per app; no global registry). */
export function createVigilMetrics(registry: Registry, probeKinds: readonly string[], live: LiveView): VigilMetrics {
  collectDefaultMetrics({ register: registry });
  const latest = new LiveGauges(registry, live);
  const runs = new Counter({
    name: 'vigil_probe_runs_total',
    help: 'Check runs by probe kind and result.',
    labelNames: ['kind', 'result'],
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'vigil_scheduler_lag_seconds',
    help: 'How late check runs started against their planned time.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const appended = new Counter({
    name: 'vigil_store_samples_appended_total',
    help: 'Samples written to the store.',
    registers: [registry],
  });
  const writeErrors = new Counter({
    name: 'vigil_store_write_errors_total',
    help: 'Batches the store failed to write (kept and retried).',
    registers: [registry],
  });
  new Counter({
    name: 'vigil_ingest_series_refused_total',
    help: 'New series refused by the series limits (per check or other source, per metric); their samples are dropped.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      const { refused } = live.stats();
      this.inc({ reason: 'per_source' }, refused.per_source);
      this.inc({ reason: 'per_metric' }, refused.per_metric);
    },
  });
  readAtScrape(registry, 'gauge', 'vigil_ingest_live_series', 'Series that received a sample recently (in /metrics and the live view).', () => live.stats().series);
  // Series exist at 0 from the start so that rate() and alerts see them before the first failure.
  for (const kind of probeKinds) for (const result of ['success', 'failure', 'timeout']) runs.inc({ kind, result }, 0);

  return {
    registry,
    render() {
      latest.sync();
      return registry.metrics();
    },
    observeRun(run) {
      runs.inc({ kind: run.kind, result: run.timedOut ? 'timeout' : run.success ? 'success' : 'failure' });
      lag.observe(Math.max(0, run.lagSeconds));
    },
    observeStoreWrite(samples, failed) {
      if (failed) writeErrors.inc();
      else appended.inc(samples);
    },
    watchScheduler(scheduler) {
      const read = (pick: (s: ReturnType<SchedulerGaugeSource['stats']>) => number) => () => pick(scheduler.stats());
      readAtScrape(registry, 'gauge', 'vigil_scheduler_checks', 'Checks the scheduler runs.', read((s) => s.checks));
      readAtScrape(registry, 'gauge', 'vigil_scheduler_runs_in_flight', 'Check runs in flight now.', read((s) => s.running));
      readAtScrape(registry, 'gauge', 'vigil_scheduler_runs_queued', 'Check runs waiting for a free slot (concurrency limit).', read((s) => s.queued));
      readAtScrape(registry, 'counter', 'vigil_scheduler_overruns_skipped_total', 'Runs skipped because the previous run of the same check was still going.', read((s) => s.overrunsSkipped));
      readAtScrape(registry, 'counter', 'vigil_scheduler_late_ticks_skipped_total', 'Runs skipped because the process fell more than an interval behind.', read((s) => s.lateTicksSkipped));
    },
    watchIngest(writer) {
      const read = (pick: (s: ReturnType<IngestGaugeSource['stats']>) => number) => () => pick(writer.stats());
      readAtScrape(registry, 'gauge', 'vigil_store_buffered_samples', 'Samples measured but not yet written to the store.', read((s) => s.bufferedSamples));
      readAtScrape(registry, 'counter', 'vigil_store_samples_dropped_total', 'Samples dropped because the store failed for longer than the buffer holds.', read((s) => s.droppedSamples));
    },
  };
}
