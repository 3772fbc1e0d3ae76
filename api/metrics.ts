import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Labels, Sample } from '../store/types.js';

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
 * The last value of every series, exposed as one gauge per metric name. The label names of a
 * prom-client gauge are fixed at creation, and a metric can gain a label later (a health metric with a
 * `queue` label), so a gauge is re-created with the wider label set when that happens.
 */
class LatestValueGauges {
  readonly #registry: Registry;
  readonly #values = new Map<string, Map<string, { labels: Labels; value: number }>>();
  readonly #labelNames = new Map<string, Set<string>>();
  /** The scheduler hands the same frozen label object for a check on every run: sort and key it once. */
  readonly #canonical = new WeakMap<Labels, { labels: Labels; key: string }>();

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  observe(samples: readonly Sample[]): void {
    for (const sample of samples) {
      if (!METRIC_NAME.test(sample.name)) continue;
      let byLabels = this.#values.get(sample.name);
      if (!byLabels) {
        byLabels = new Map();
        this.#values.set(sample.name, byLabels);
      }
      const { labels, key } = this.#canonicalLabels(sample.labels);
      byLabels.set(key, { labels, value: sample.value });
      this.#ensureGauge(sample.name, Object.keys(labels));
    }
  }

  /** Valid label names only, sorted so that the exposition is stable whatever order a probe wrote them in. */
  #canonicalLabels(written: Labels): { labels: Labels; key: string } {
    let canonical = this.#canonical.get(written);
    if (!canonical) {
      const labels = Object.fromEntries(Object.keys(written).filter((k) => LABEL_NAME.test(k)).sort().map((k) => [k, written[k]]));
      canonical = { labels, key: JSON.stringify(labels) };
      this.#canonical.set(written, canonical);
    }
    return canonical;
  }

  #ensureGauge(name: string, labelNames: string[]): void {
    const known = this.#labelNames.get(name);
    if (known && labelNames.every((l) => known.has(l))) return;
    const all = new Set([...(known ?? []), ...labelNames]);
    this.#labelNames.set(name, all);
    const fullName = `vigil_${name}`;
    this.#registry.removeSingleMetric(fullName);
    const values = this.#values;
    new Gauge({
      name: fullName,
      help: HELP[name] ?? `Last value of ${name}.`,
      labelNames: [...all].sort(),
      registers: [this.#registry],
      collect() {
        this.reset();
        for (const { labels, value } of values.get(name)?.values() ?? []) this.set(labels, value);
      },
    });
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

/** The result writer's buffer, read at scrape time. */
export interface ResultWriterGaugeSource {
  stats(): { readonly bufferedSamples: number; readonly droppedSamples: number };
}

/** A metric whose value is read from its owner at each scrape; counters stay counters so rate() works. */
function readAtScrape(registry: Registry, type: 'gauge' | 'counter', name: string, help: string, read: () => number): void {
  if (type === 'gauge') new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  else new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()); } });
}

export interface VigilMetrics {
  readonly registry: Registry;
  /** Samples just measured: their values become the gauges' current values. */
  observeSamples(samples: readonly Sample[]): void;
  observeRun(run: RunObservation): void;
  observeStoreWrite(samples: number, failed: boolean): void;
  /** Exposes the scheduler's queue and skip counters, read at each scrape. */
  watchScheduler(scheduler: SchedulerGaugeSource): void;
  /** Exposes how many samples wait for the store and how many were dropped while it failed. */
  watchResultWriter(writer: ResultWriterGaugeSource): void;
}

/** Creates Vigil's metrics on the registry passed in (a fresh one per app; no global registry). */
export function createVigilMetrics(registry: Registry, probeKinds: readonly string[]): VigilMetrics {
  collectDefaultMetrics({ register: registry });
  const latest = new LatestValueGauges(registry);
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
  // Series exist at 0 from the start so that rate() and alerts see them before the first failure.
  for (const kind of probeKinds) for (const result of ['success', 'failure', 'timeout']) runs.inc({ kind, result }, 0);

  return {
    registry,
    observeSamples: (samples) => latest.observe(samples),
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
    watchResultWriter(writer) {
      const read = (pick: (s: ReturnType<ResultWriterGaugeSource['stats']>) => number) => () => pick(writer.stats());
      readAtScrape(registry, 'gauge', 'vigil_store_buffered_samples', 'Samples measured but not yet written to the store.', read((s) => s.bufferedSamples));
      readAtScrape(registry, 'counter', 'vigil_store_samples_dropped_total', 'Samples dropped because the store failed for longer than the buffer holds.', read((s) => s.droppedSamples));
    },
  };
}
