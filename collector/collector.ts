// The collector: decoded OTLP requests → samples through the one ingest path (IngestWriter), with the
// per-metric series limit, partial success, and each OTLP source shown on the status page as a service
// in its environment.
import type { Clock } from '../lib/clock.js';
import type { IngestWriter } from '../ingest/writer.js';
import type { CheckResult, Sample } from '../store/types.js';
import { LabelSets, type IdentityDefaults, type LabelSetLimits, type SourceIdentity } from './otlp/attributes.js';
import { mapMetrics } from './otlp/metrics.js';
import type { MetricsRequest, TracesRequest } from './otlp/schema.js';
import { mapTraces } from './otlp/traces.js';
import { SeriesState } from './series-state.js';
import { SpanMetrics, SPAN_DURATION, SPAN_ERRORS, SPAN_REQUESTS } from './span-metrics.js';
import type { CollectorMetrics } from './metrics.js';

/** The check kind of an OTLP source's status entry (`otlp:<env>/<service>`). */
export const OTLP_CHECK_KIND = 'otlp';

export interface CollectorSettings {
  readonly defaults: IdentityDefaults;
  /** Series one OTLP metric of one service may have (a histogram's label set counts 3: `<name>`, `_count`, `_sum`). */
  readonly seriesPerMetric: number;
  /** Samples per histogram interval at most (histogram-samples.ts). */
  readonly histogramSamples: number;
  /** How long an OTLP series and source stay live without data. */
  readonly staleAfterMs: number;
  /** Bounds of the cache of point label sets; default DEFAULT_LABEL_SET_LIMITS. */
  readonly labelSets?: LabelSetLimits;
}

/** What one export request came to: points (or spans) received, refused, and why. */
export interface IngestOutcome {
  readonly received: number;
  readonly rejected: number;
  readonly message: string;
}

export type CollectorWriter = Pick<IngestWriter, 'writeSamples' | 'write'>;

/** Turns OTLP requests into samples; one per process, shared by every listener. */
export class OtlpCollector {
  readonly #writer: CollectorWriter;
  readonly #clock: Clock;
  readonly #settings: CollectorSettings;
  readonly #metrics: CollectorMetrics | null;
  readonly #series: SeriesState;
  readonly #spans: SpanMetrics;
  readonly #labelSets: LabelSets;
  /** When each source's status entry was last written: at most one a second per source. */
  readonly #statusWrittenAt = new Map<string, number>();
  #prunedAt = 0;

  constructor(writer: CollectorWriter, clock: Clock, settings: CollectorSettings, metrics: CollectorMetrics | null = null) {
    this.#writer = writer;
    this.#clock = clock;
    this.#settings = settings;
    this.#metrics = metrics;
    this.#series = new SeriesState({ histogramSamples: settings.histogramSamples });
    this.#spans = new SpanMetrics(settings.histogramSamples);
    this.#labelSets = new LabelSets(settings.labelSets);
  }

  /** Series and span groups the collector keeps state for. */
  stateSize(): number {
    return this.#series.size + this.#spans.size;
  }

  ingestMetrics(request: MetricsRequest): IngestOutcome {
    const now = this.#clock.now();
    this.#prune(now);
    const mapped = mapMetrics(request, this.#settings.defaults, now, this.#labelSets);
    let rejected = mapped.unmapped;
    let message = mapped.unmappedReason ?? '';
    if (mapped.unmapped > 0) this.#metrics?.rejected('metrics', 'invalid', mapped.unmapped);
    for (const resource of mapped.resources) {
      let resourceRejected = 0;
      for (const { metric, records } of resource.metrics) {
        const samples: Sample[] = [];
        const owner: number[] = [];
        this.#series.toSamples(records, now, samples, owner);
        const result = this.#write(samples, `${metric}`, resource.identity);
        if (result.refused === 0) continue;
        const refusedRecords = new Set<number>();
        for (const i of result.refusedIndexes) {
          refusedRecords.add(owner[i]!);
          this.#series.forget(samples[i]!.name, samples[i]!.labels);
        }
        resourceRejected += refusedRecords.size;
        message ||= `${metric} of ${resource.identity.service} in ${resource.identity.env}: ${result.refusal}`;
      }
      rejected += resourceRejected;
      if (resourceRejected > 0) this.#metrics?.rejected('metrics', 'series_limit', resourceRejected);
      this.#recordSource(resource.identity, now, resourceRejected, 'data points');
    }
    this.#metrics?.received('metrics', mapped.points);
    return { received: mapped.points, rejected, message };
  }

  ingestTraces(request: TracesRequest): IngestOutcome {
    const now = this.#clock.now();
    this.#prune(now);
    const mapped = mapTraces(request, this.#settings.defaults);
    const samples: Sample[] = [];
    const owner: number[] = [];
    this.#spans.toSamples(mapped.groups, now, samples, owner);
    // Per source and metric, as the limit counts: split the samples by service and name.
    const bySource = new Map<string, { identity: SourceIdentity; metric: string; samples: Sample[]; owner: number[] }>();
    for (let i = 0; i < samples.length; i++) {
      const group = mapped.groups[owner[i]!]!;
      const metric = metricOfSpanSample(samples[i]!.name);
      const key = `${group.identity.env}\u0000${group.identity.service}\u0000${metric}`;
      let entry = bySource.get(key);
      if (!entry) bySource.set(key, (entry = { identity: group.identity, metric, samples: [], owner: [] }));
      entry.samples.push(samples[i]!);
      entry.owner.push(owner[i]!);
    }
    const refusedGroups = new Set<number>();
    let message = '';
    for (const entry of bySource.values()) {
      const result = this.#write(entry.samples, entry.metric, entry.identity);
      for (const i of result.refusedIndexes) refusedGroups.add(entry.owner[i]!);
      if (result.refused > 0) message ||= `${entry.metric} of ${entry.identity.service} in ${entry.identity.env}: ${result.refusal}`;
    }
    let rejected = 0;
    for (const g of refusedGroups) {
      const group = mapped.groups[g]!;
      rejected += group.count;
      this.#spans.forget({ env: group.identity.env, service: group.identity.service, span_name: group.name, span_kind: group.kind });
    }
    if (rejected > 0) this.#metrics?.rejected('traces', 'series_limit', rejected);
    const identities = new Map<string, SourceIdentity>();
    for (const group of mapped.groups) identities.set(`${group.identity.env}\u0000${group.identity.service}`, group.identity);
    for (const identity of identities.values()) this.#recordSource(identity, now, 0, 'spans');
    this.#metrics?.received('traces', mapped.spans);
    return { received: mapped.spans, rejected, message };
  }

  #write(samples: readonly Sample[], metric: string, identity: SourceIdentity) {
    const source = `otlp:${identity.env}/${identity.service}/${metric}`;
    return this.#writer.writeSamples(samples, source, this.#settings.staleAfterMs, this.#settings.seriesPerMetric);
  }

  /** The source's status entry: up while it sends, degraded while some of its series are refused. */
  #recordSource(identity: SourceIdentity, now: number, rejected: number, what: string): void {
    const checkId = `${OTLP_CHECK_KIND}:${identity.env}/${identity.service}`;
    const last = this.#statusWrittenAt.get(checkId);
    if (rejected === 0 && last !== undefined && now - last < 1000) return;
    this.#statusWrittenAt.set(checkId, now);
    const result: CheckResult = {
      checkId,
      env: identity.env,
      service: identity.service,
      check: 'otlp',
      kind: OTLP_CHECK_KIND,
      ts: now,
      success: true,
      degraded: rejected > 0,
      durationSeconds: 0,
      error: null,
      detail: rejected > 0 ? `${rejected} ${what} refused in the last export: over the limit of ${this.#settings.seriesPerMetric} series per metric` : 'receiving OTLP',
    };
    this.#writer.write([], result, this.#settings.staleAfterMs);
  }

  #prune(now: number): void {
    if (now - this.#prunedAt < 60_000) return;
    this.#prunedAt = now;
    const before = now - Math.max(this.#settings.staleAfterMs, 3_600_000);
    this.#series.prune(before);
    this.#spans.prune(before);
    for (const [id, at] of this.#statusWrittenAt) if (at < before) this.#statusWrittenAt.delete(id);
  }
}

function metricOfSpanSample(name: string): string {
  if (name === SPAN_REQUESTS || name === SPAN_ERRORS) return name;
  return SPAN_DURATION;
}
