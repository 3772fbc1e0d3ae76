// ExportMetricsServiceRequest → Vigil's own metric records: one per data point, named the Prometheus
// way, labelled with env, service and the point's attributes, times in ms. What a record becomes in
// the store (counters kept monotonic, deltas accumulated, histograms as samples) is series-state.ts.
import { sourceIdentity, type IdentityDefaults, type LabelSets, type SourceIdentity } from './attributes.js';
import { metricName } from './names.js';
import { reservedMetricProblem } from '../../lib/reserved-metric-names.js';
import {
  TEMPORALITY_CUMULATIVE,
  TEMPORALITY_DELTA,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type MetricsRequest,
  type OtlpMetric,
} from './schema.js';
import type { Labels } from '../../store/types.js';

/** One histogram bucket: observations in (lower, upper]; `exponential` buckets are read at their midpoint. */
export interface Bucket {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
}

/** A histogram's buckets in the layout it came in, so that cumulative ones can be subtracted. */
export type HistogramLayout =
  | { readonly kind: 'explicit'; readonly bounds: readonly number[]; readonly counts: readonly number[] }
  | {
      readonly kind: 'exponential';
      readonly scale: number;
      readonly zeroCount: number;
      /** Bucket index → count: (base^index, base^(index+1)], base = 2^(2^-scale). */
      readonly positive: ReadonlyMap<number, number>;
      readonly negative: ReadonlyMap<number, number>;
    };

interface RecordBase {
  readonly name: string;
  readonly labels: Labels;
  /** The point's time, ms. */
  readonly ts: number;
  /** The start of the point's accumulation (cumulative: the counter's start), ms; 0 when unknown. */
  readonly startTs: number;
}

/** What one OTLP data point is, in Vigil's terms. */
export type MetricRecord =
  | (RecordBase & { readonly type: 'gauge'; readonly value: number })
  | (RecordBase & { readonly type: 'counter'; readonly temporality: 'cumulative' | 'delta'; readonly value: number })
  | (RecordBase & {
      readonly type: 'histogram';
      readonly temporality: 'cumulative' | 'delta';
      readonly count: number;
      readonly sum: number;
      readonly min: number | undefined;
      readonly max: number | undefined;
      readonly layout: HistogramLayout;
    });

/** The records of one resource (one source: an env and a service), grouped by metric. */
export interface ResourceRecords {
  readonly identity: SourceIdentity;
  /** Records by OTLP metric: the unit the series-cardinality limit counts in. */
  readonly metrics: ReadonlyArray<{ readonly metric: string; readonly records: readonly MetricRecord[] }>;
}

/** A request mapped: records per resource, and the points that could not be mapped (counted as rejected). */
export interface MappedMetrics {
  readonly resources: readonly ResourceRecords[];
  readonly points: number;
  readonly unmapped: number;
  /** Why points were not mapped (the first reason), for the partial-success message. */
  readonly unmappedReason: string | null;
}

/**
 * ns → ms; absent or 0 → `fallback`. Times arrive as doubles (~1.8e18 ns is past 2^53: they are off by
 * up to 128 ns, and the division by up to 3e-4 ms), so a time on an exact ms could floor to the ms
 * before: 1 µs of tolerance keeps it on its own.
 */
export function toMs(ns: number | undefined, fallback: number): number {
  return ns ? Math.floor(ns / 1e6 + 1e-3) : fallback;
}

function temporalityOf(value: number | undefined): 'cumulative' | 'delta' | null {
  if (value === TEMPORALITY_CUMULATIVE) return 'cumulative';
  if (value === TEMPORALITY_DELTA) return 'delta';
  return null;
}

/** Maps a request to records; `now` stands for points without a time; `labelSets` makes and keeps their labels. */
export function mapMetrics(request: MetricsRequest, defaults: IdentityDefaults, now: number, labelSets: LabelSets): MappedMetrics {
  const resources: ResourceRecords[] = [];
  let points = 0;
  let unmapped = 0;
  let unmappedReason: string | null = null;
  const refuse = (n: number, reason: string) => {
    unmapped += n;
    unmappedReason ??= reason;
  };
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    const identity = sourceIdentity(resourceMetrics.resource?.attributes, defaults);
    const byMetric = new Map<string, MetricRecord[]>();
    for (const scope of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scope.metrics ?? []) {
        const refusedBefore = unmapped;
        const mapped = mapMetric(metric, identity, now, labelSets, refuse);
        points += mapped.points;
        // Refused whole, not renamed: a renamed series would surprise whoever queries it by its name.
        const reserved = reservedMetricProblem(mapped.name);
        if (reserved !== null && mapped.points > 0) {
          unmapped = refusedBefore;
          refuse(mapped.points, `${mapped.name}: ${reserved}`);
          continue;
        }
        if (mapped.records.length === 0) continue;
        const list = byMetric.get(mapped.name);
        if (list) list.push(...mapped.records);
        else byMetric.set(mapped.name, mapped.records);
      }
    }
    resources.push({ identity, metrics: [...byMetric].map(([metric, records]) => ({ metric, records })) });
  }
  return { resources, points, unmapped, unmappedReason };
}

function mapMetric(
  metric: OtlpMetric,
  identity: SourceIdentity,
  now: number,
  labelSets: LabelSets,
  refuse: (n: number, reason: string) => void,
): { name: string; points: number; records: MetricRecord[] } {
  const otlpName = metric.name ?? '';
  const records: MetricRecord[] = [];
  if (metric.gauge) {
    const name = metricName(otlpName, metric.unit, 'gauge');
    const dataPoints = metric.gauge.dataPoints ?? [];
    for (const p of dataPoints) {
      const ts = toMs(p.timeUnixNano, now);
      records.push({ type: 'gauge', name, labels: labelSets.labels(identity, p.attributes), ts, startTs: toMs(p.startTimeUnixNano, 0), value: p.asDouble ?? p.asInt ?? 0 });
    }
    return { name, points: dataPoints.length, records };
  }
  if (metric.sum) {
    const dataPoints = metric.sum.dataPoints ?? [];
    const temporality = temporalityOf(metric.sum.aggregationTemporality);
    const monotonic = metric.sum.isMonotonic === true;
    // A non-monotonic cumulative sum (an UpDownCounter) is a level: kept as a gauge, as Prometheus does.
    const asGauge = !monotonic && temporality === 'cumulative';
    const name = metricName(otlpName, metric.unit, asGauge || !monotonic ? 'gauge' : 'counter');
    if (temporality === null) {
      refuse(dataPoints.length, `${otlpName}: a sum without aggregation temporality`);
      return { name, points: dataPoints.length, records };
    }
    for (const p of dataPoints) {
      const base = { name, labels: labelSets.labels(identity, p.attributes), ts: toMs(p.timeUnixNano, now), startTs: toMs(p.startTimeUnixNano, 0) };
      const value = p.asDouble ?? p.asInt ?? 0;
      records.push(asGauge ? { type: 'gauge', ...base, value } : { type: 'counter', temporality, ...base, value });
    }
    return { name, points: dataPoints.length, records };
  }
  if (metric.histogram || metric.exponentialHistogram) {
    const explicit = metric.histogram;
    const dataPoints: ReadonlyArray<HistogramDataPoint | ExponentialHistogramDataPoint> =
      (explicit ? explicit.dataPoints : metric.exponentialHistogram!.dataPoints) ?? [];
    const temporality = temporalityOf((explicit ?? metric.exponentialHistogram)!.aggregationTemporality);
    const name = metricName(otlpName, metric.unit, 'histogram');
    if (temporality === null) {
      refuse(dataPoints.length, `${otlpName}: a histogram without aggregation temporality`);
      return { name, points: dataPoints.length, records };
    }
    for (const p of dataPoints) {
      const layout = explicit ? explicitLayout(p as HistogramDataPoint) : exponentialLayout(p as ExponentialHistogramDataPoint);
      if (typeof layout === 'string') {
        refuse(1, `${otlpName}: ${layout}`);
        continue;
      }
      records.push({
        type: 'histogram',
        temporality,
        name,
        labels: labelSets.labels(identity, p.attributes),
        ts: toMs(p.timeUnixNano, now),
        startTs: toMs(p.startTimeUnixNano, 0),
        count: p.count ?? 0,
        sum: p.sum ?? 0,
        min: p.min,
        max: p.max,
        layout,
      });
    }
    return { name, points: dataPoints.length, records };
  }
  if (metric.summary) {
    // A summary's quantiles are gauges (`{quantile="0.99"}`), its count and sum cumulative counters.
    const name = metricName(otlpName, metric.unit, 'summary');
    const dataPoints = metric.summary.dataPoints ?? [];
    for (const p of dataPoints) {
      const ts = toMs(p.timeUnixNano, now);
      const startTs = toMs(p.startTimeUnixNano, 0);
      for (const q of p.quantileValues ?? []) {
        records.push({ type: 'gauge', name, labels: labelSets.labels(identity, p.attributes, { quantile: String(q.quantile ?? 0) }), ts, startTs, value: q.value ?? 0 });
      }
      const labels = labelSets.labels(identity, p.attributes);
      records.push({ type: 'counter', temporality: 'cumulative', name: `${name}_count`, labels, ts, startTs, value: p.count ?? 0 });
      records.push({ type: 'counter', temporality: 'cumulative', name: `${name}_sum`, labels, ts, startTs, value: p.sum ?? 0 });
    }
    return { name, points: dataPoints.length, records };
  }
  // A metric with no data (or a type this version of OTLP does not know) has no points to reject.
  return { name: otlpName, points: 0, records };
}

function explicitLayout(p: HistogramDataPoint): HistogramLayout | string {
  const bounds = p.explicitBounds ?? [];
  const counts = p.bucketCounts ?? [];
  if (counts.length === 0) return { kind: 'explicit', bounds: [], counts: [p.count ?? 0] };
  if (counts.length !== bounds.length + 1) return `bucket_counts has ${counts.length} entries for ${bounds.length} explicit_bounds (expected ${bounds.length + 1})`;
  for (let i = 1; i < bounds.length; i++) if (!(bounds[i]! > bounds[i - 1]!)) return 'explicit_bounds are not strictly increasing';
  return { kind: 'explicit', bounds, counts };
}

function exponentialLayout(p: ExponentialHistogramDataPoint): HistogramLayout {
  const toMap = (buckets: { offset?: number; bucketCounts?: number[] } | undefined) => {
    const map = new Map<number, number>();
    const offset = buckets?.offset ?? 0;
    (buckets?.bucketCounts ?? []).forEach((n, i) => {
      if (n > 0) map.set(offset + i, n);
    });
    return map;
  };
  return { kind: 'exponential', scale: p.scale ?? 0, zeroCount: p.zeroCount ?? 0, positive: toMap(p.positive), negative: toMap(p.negative) };
}
