import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LiveView } from '../ingest/live-view.js';
import { readThreadSchedule } from '../lib/thread-schedule.js';
import type { AlertingView } from '../rules/types.js';
import { SEVERITIES } from '../store/types.js';
import { DEFAULT_SERIES_PER_CHUNK, EXPOSITION_CONTENT_TYPE, LiveExposition, chunkedBody, contentTypeOf, textToOpenMetrics, type ExpositionFormat } from './exposition.js';
import type { BodyPart } from './gzip-protocol.js';
import { PROBE_METRIC_NAMES, ProbeMetrics, type ChecksRenderer, type ProbeMetricsCheck } from './probe-metrics.js';
import { RATE_LIMIT_CLASSES } from './rate-limit.js';

// /metrics: Vigil's measurements as Prometheus gauges (the last value of every series, `vigil_` prefix,
// rendered by LiveExposition off prom-client), each check's facts, latency histogram and last run time
// (ProbeMetrics, also by hand), plus Vigil's own health (probe runs, scheduling lag, store writes) and
// Node's process metrics, which prom-client renders from the registry passed in. In the text format
// (0.0.4) or, when the scraper asks for it, OpenMetrics 1.0.

/** A finished check run as /metrics sees it. */
export interface RunObservation {
  readonly kind: string;
  readonly success: boolean;
  /** How late the run started against its planned time. */
  readonly lagSeconds: number;
  readonly timedOut: boolean;
  /** The check (`env/service/check`) and its run's duration, for the latency histogram; absent: not counted there. */
  readonly checkId?: string;
  readonly durationSeconds?: number;
}

/** The scheduler's own counters, read at scrape time. */
export interface SchedulerGaugeSource {
  stats(): { readonly checks: number; readonly running: number; readonly queued: number; readonly overrunsSkipped: number; readonly lateTicksSkipped: number; readonly runsStalled: number };
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

/**
 * prom-client's default metrics include three gauges named `nodejs_active_{handles,requests,resources}_total`,
 * which `promtool check metrics` flags (a `_total` that is not a counter) and OpenMetrics reserves for
 * counters. They are left out: each is the sum of its per-type gauge, `sum(nodejs_active_handles)`.
 */
const REDUNDANT_TOTAL_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Vigil's own metrics first (a live metric by the same name is left out), the checks' metrics, then the live view's. */
function exposition(registry: Registry, probes: ProbeMetrics, latest: LiveExposition, format: ExpositionFormat): AsyncGenerator<string | Uint8Array, void, undefined>;
function exposition(registry: Registry, probes: ProbeMetrics, latest: LiveExposition, format: ExpositionFormat, renderer: ChecksRenderer): AsyncGenerator<string | BodyPart, void, undefined>;
async function* exposition(registry: Registry, probes: ProbeMetrics, latest: LiveExposition, format: ExpositionFormat, renderer?: ChecksRenderer): AsyncGenerator<string | BodyPart, void, undefined> {
  const own = await registry.metrics();
  yield format === 'openmetrics' ? textToOpenMetrics(own) : own;
  yield* renderer ? probes.chunks(format, DEFAULT_SERIES_PER_CHUNK, renderer) : probes.chunks(format, DEFAULT_SERIES_PER_CHUNK);
  const taken = new Set([...registry.getMetricsAsArray().map((metric) => metric.name), ...PROBE_METRIC_NAMES]);
  yield* latest.byteChunks(taken, format, { reuse: renderer !== undefined });
  if (format === 'openmetrics') yield '# EOF\n';
}

export interface VigilMetrics {
  readonly registry: Registry;
  /** The content type of what `scrape` and `render` produce in the text format. */
  readonly contentType: string;
  /** The content type of a format's exposition. */
  contentTypeOf(format: ExpositionFormat): string;
  /**
   * The exposition as a response body: Vigil's own metrics, the checks' metrics, then the live view's
   * last values in chunks made as the reader asks for them, yielding to the event loop between chunks.
   */
  scrape(format?: ExpositionFormat): ReadableStream<Uint8Array>;
  /**
   * The same exposition for the gzip thread: its chunks share their bytes (it copies each before it reads
   * the next), and the checks' histogram and last-run lines are a section it renders from copies of
   * their counts and times.
   */
  scrapeParts(format: ExpositionFormat, renderer: ChecksRenderer): ReadableStream<BodyPart>;
  /** The whole exposition text at once (tests, small callers): `scrape` read to its end. */
  render(format?: ExpositionFormat): Promise<string>;
  observeRun(run: RunObservation): void;
  observeStoreWrite(samples: number, failed: boolean): void;
  /** Exposes the scheduler's queue and skip counters, read at each scrape. */
  watchScheduler(scheduler: SchedulerGaugeSource): void;
  /** Exposes how many samples wait for the store and how many were dropped while it failed. */
  watchIngest(writer: IngestGaugeSource): void;
  /** Exposes the requests each class of route refused with 429 (`server.rate_limit`), read at each scrape. */
  watchRateLimits(limits: RateLimitSource): void;
  /** Exposes open incidents by severity and alerts by rule and state, read from the engine at each scrape. */
  watchAlerting(alerting: Pick<AlertingView, 'alertCounts' | 'activeIncidents'>): void;
  /**
   * Notifications ([N1]): `vigil_notifications_total{receiver,result}` (every receiver × result at 0 up
   * front) counted through the returned `observe`, and the outbox depth by state, read at each scrape.
   */
  watchNotifications(source: NotificationGaugeSource): (receiver: string, result: string) => void;
  /**
   * SLA reports: `vigil_reports_total{report,result}` (made, failed; every report × result at 0 up front)
   * and `vigil_report_last_made_timestamp_seconds{report}`, through the returned `observe`.
   */
  watchReports(reports: readonly string[]): (report: string, result: ReportResult, at: number) => void;
}

/** What became of one scheduled report's run on this instance. */
export type ReportResult = 'made' | 'failed';

/** What /metrics reads of the rate limits: each class's refusals so far. */
export type RateLimitSource = Readonly<Record<(typeof RATE_LIMIT_CLASSES)[number], { readonly refused: number }>>;

/** What /metrics reads of notifications: the receivers and results to create at 0, and the outbox depth. */
export interface NotificationGaugeSource {
  readonly receivers: readonly string[];
  readonly results: readonly string[];
  /** The last outbox counts by state (refreshed by the caller; a scrape must not wait for the store). */
  depth(): Readonly<Record<string, number>>;
}

/**
 * Creates Vigil's metrics on the registry passed in (a fresh one per app; no global registry); `checks`
 * (the config's) get `vigil_check_info`, the latency histogram and their last run time.
 */
export function createVigilMetrics(registry: Registry, probeKinds: readonly string[], live: LiveView, checks: readonly ProbeMetricsCheck[] = []): VigilMetrics {
  collectDefaultMetrics({ register: registry });
  for (const name of REDUNDANT_TOTAL_GAUGES) registry.removeSingleMetric(name);
  const latest = new LiveExposition(live);
  const probes = new ProbeMetrics(checks, live);
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
  // Read by the scrape, which runs on the event loop's thread: that thread's own schedule.
  if (readThreadSchedule() !== null) {
    const schedule = () => readThreadSchedule() ?? { cpuSeconds: 0, runQueueSeconds: 0 };
    readAtScrape(registry, 'counter', 'vigil_event_loop_cpu_seconds_total', "CPU time of Vigil's event-loop thread (the scheduler, ingest, the API).", () => schedule().cpuSeconds);
    readAtScrape(
      registry,
      'counter',
      'vigil_event_loop_cpu_wait_seconds_total',
      "Time Vigil's event-loop thread was ready to run but waited for a CPU. A rate that is a large share of the thread's CPU rate means the host has too little CPU for its load: scheduling lag and event-loop delay then come from the host, not from Vigil's own work.",
      () => schedule().runQueueSeconds,
    );
  }
  readAtScrape(registry, 'gauge', 'vigil_ingest_live_series', 'Series that received a sample recently (in /metrics and the live view).', () => live.stats().series);
  // Series exist at 0 from the start so that rate() and alerts see them before the first failure.
  for (const kind of probeKinds) for (const result of ['success', 'failure', 'timeout']) runs.inc({ kind, result }, 0);

  return {
    registry,
    contentType: EXPOSITION_CONTENT_TYPE,
    contentTypeOf,
    scrape(format = 'text') {
      return chunkedBody(exposition(registry, probes, latest, format));
    },
    scrapeParts(format, renderer) {
      return chunkedBody(exposition(registry, probes, latest, format, renderer));
    },
    render(format = 'text') {
      return new Response(chunkedBody(exposition(registry, probes, latest, format))).text();
    },
    observeRun(run) {
      runs.inc({ kind: run.kind, result: run.timedOut ? 'timeout' : run.success ? 'success' : 'failure' });
      lag.observe(Math.max(0, run.lagSeconds));
      if (run.checkId !== undefined && run.durationSeconds !== undefined) probes.observe(run.checkId, run.durationSeconds);
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
      readAtScrape(registry, 'counter', 'vigil_scheduler_runs_stalled_total', "Runs whose duration left out a stall of Vigil's own event loop.", read((s) => s.runsStalled));
    },
    watchIngest(writer) {
      const read = (pick: (s: ReturnType<IngestGaugeSource['stats']>) => number) => () => pick(writer.stats());
      readAtScrape(registry, 'gauge', 'vigil_store_buffered_samples', 'Samples measured but not yet written to the store.', read((s) => s.bufferedSamples));
      readAtScrape(registry, 'counter', 'vigil_store_samples_dropped_total', 'Samples dropped because the store failed for longer than the buffer holds.', read((s) => s.droppedSamples));
    },
    watchNotifications(source) {
      const total = new Counter({
        name: 'vigil_notifications_total',
        help: 'Notification delivery attempts by receiver and result (delivered, retry, failed, dead, suppressed, disabled).',
        labelNames: ['receiver', 'result'],
        registers: [registry],
      });
      for (const receiver of source.receivers) for (const result of source.results) total.inc({ receiver, result }, 0);
      new Gauge({
        name: 'vigil_notifications_outbox',
        help: 'Notifications in the outbox by state; state="pending" is the depth still to deliver.',
        labelNames: ['state'],
        registers: [registry],
        collect() {
          for (const [state, count] of Object.entries(source.depth())) this.set({ state }, count);
        },
      });
      return (receiver, result) => total.inc({ receiver, result });
    },
    watchReports(reports) {
      const total = new Counter({
        name: 'vigil_reports_total',
        help: 'Scheduled SLA reports this instance made or failed to make (it retries a failure), by report.',
        labelNames: ['report', 'result'],
        registers: [registry],
      });
      // Absent until made: an alert on time() minus it then also fires for a report never made.
      const last = new Gauge({
        name: 'vigil_report_last_made_timestamp_seconds',
        help: 'When this instance last made (stored and queued for sending) each scheduled SLA report.',
        labelNames: ['report'],
        registers: [registry],
      });
      for (const report of reports) for (const result of ['made', 'failed'] as const) total.inc({ report, result }, 0);
      return (report, result, at) => {
        total.inc({ report, result });
        if (result === 'made') last.set({ report }, at / 1000);
      };
    },
    watchRateLimits(limits) {
      new Counter({
        name: 'vigil_http_requests_rate_limited_total',
        help: 'Requests refused with 429 because their client was past its rate (server.rate_limit), by class of route.',
        labelNames: ['class'],
        registers: [registry],
        collect() {
          this.reset();
          for (const name of RATE_LIMIT_CLASSES) this.inc({ class: name }, limits[name].refused);
        },
      });
    },
    watchAlerting(alerting) {
      new Gauge({
        name: 'vigil_incidents_open',
        help: 'Incidents not yet resolved (open or acknowledged), by severity.',
        labelNames: ['severity'],
        registers: [registry],
        collect() {
          // Every severity is a series from the start, at 0, so `vigil_incidents_open{severity="page"} > 0` has data before the first page.
          const counts = new Map<string, number>(SEVERITIES.map((severity) => [severity, 0]));
          for (const incident of alerting.activeIncidents()) counts.set(incident.severity, (counts.get(incident.severity) ?? 0) + 1);
          for (const [severity, count] of counts) this.set({ severity }, count);
        },
      });
      new Gauge({
        name: 'vigil_alerts',
        help: 'Alert instances of each rule that are pending or firing.',
        labelNames: ['rule', 'state'],
        registers: [registry],
        collect() {
          this.reset();
          // One series pair per rule name: the 40,000 default rules of 40,000 checks are all `CheckDown`,
          // summed here (each used to overwrite the last, so `CheckDown` showed one check's alert at most).
          for (const [rule, { pending, firing }] of alerting.alertCounts()) {
            this.set({ rule, state: 'pending' }, pending);
            this.set({ rule, state: 'firing' }, firing);
          }
        },
      });
    },
  };
}
