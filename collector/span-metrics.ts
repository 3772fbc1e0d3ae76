// Span groups → the SLI series, per env, service, span name and kind (labels `span_name`, `span_kind`):
//   span_requests_total, span_errors_total: counters, running totals kept here;
//   span_duration_seconds: the durations as samples (exact values, at most `histogramSamples` per
//   request and series, see histogram-samples.ts), with span_duration_seconds_count and _sum counters.
// Samples are stamped when the request arrives (a counter must not go back in time when spans arrive
// late), one ms apart within a series. Totals restart at 0 when Vigil restarts: readers see a reset.
import { frozenLabels, labelsKey } from '../store/labels.js';
import type { Labels, Sample } from '../store/types.js';
import { representativeOfValues } from './histogram-samples.js';
import type { SpanGroup } from './otlp/traces.js';

export const SPAN_REQUESTS = 'span_requests_total';
export const SPAN_ERRORS = 'span_errors_total';
export const SPAN_DURATION = 'span_duration_seconds';

interface Totals {
  requests: number;
  errors: number;
  count: number;
  sum: number;
  lastTs: number;
  seenAt: number;
}

/** Running totals per (env, service, span name, kind). */
export class SpanMetrics {
  readonly #totals = new Map<string, Totals>();
  readonly #histogramSamples: number;

  constructor(histogramSamples: number) {
    this.#histogramSamples = histogramSamples;
  }

  get size(): number {
    return this.#totals.size;
  }

  /** The samples of one request's groups at `at`; `owner[i]` is the index of the group sample i came from. */
  toSamples(groups: readonly SpanGroup[], at: number, out: Sample[], owner: number[]): void {
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const labels: Labels = frozenLabels({ env: group.identity.env, service: group.identity.service, span_name: group.name, span_kind: group.kind });
      const key = labelsKey(labels);
      let totals = this.#totals.get(key);
      if (!totals) this.#totals.set(key, (totals = { requests: 0, errors: 0, count: 0, sum: 0, lastTs: -Infinity, seenAt: at }));
      totals.seenAt = at;
      const durations = representativeOfValues(group.durations, this.#histogramSamples);
      const start = Math.max(at - Math.max(0, durations.length - 1), totals.lastTs + 1);
      const ts = start + Math.max(0, durations.length - 1);
      totals.requests += group.count;
      totals.errors += group.errors;
      totals.count += group.durations.length;
      for (const d of group.durations) totals.sum += d;
      totals.lastTs = ts;
      const before = out.length;
      for (let j = 0; j < durations.length; j++) out.push({ name: SPAN_DURATION, labels, ts: start + j, value: durations[j]! });
      out.push({ name: SPAN_REQUESTS, labels, ts, value: totals.requests });
      out.push({ name: SPAN_ERRORS, labels, ts, value: totals.errors });
      out.push({ name: `${SPAN_DURATION}_count`, labels, ts, value: totals.count });
      out.push({ name: `${SPAN_DURATION}_sum`, labels, ts, value: totals.sum });
      for (let k = before; k < out.length; k++) owner.push(g);
    }
  }

  /** Drops the totals of a series the live view refused. */
  forget(labels: Labels): void {
    this.#totals.delete(labelsKey(labels));
  }

  /** Forgets series not seen since `before`. */
  prune(before: number): void {
    for (const [key, totals] of this.#totals) if (totals.seenAt < before) this.#totals.delete(key);
  }
}
