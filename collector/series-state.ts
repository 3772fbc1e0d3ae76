// What a metric record becomes in the store, with the little state that takes per series:
//   - gauge: the value, as is;
//   - cumulative counter: kept monotonic across the application's restarts. A reset (the start time
//     moved, or the value went down) adds the last value before it to an offset, so the stored counter
//     goes on from where it was; rate and increase then see no drop at all;
//   - delta counter: accumulated into a running total, a counter like any other;
//   - histogram: `<name>_count` and `<name>_sum` as counters (as above), and the interval's observations
//     as samples of `<name>` (histogram-samples.ts) so that percentiles work on it.
// A point at or before the series' last time is a repeat (an exporter's retry) or out of order: a delta
// is not counted twice, a cumulative point at the same time writes the same sample again.
// State lives in memory: after Vigil restarts, a delta counter starts its total again from 0 (readers see
// a counter reset) and the first cumulative point of a series is its baseline.
import { labelsKey } from '../store/labels.js';
import type { Sample } from '../store/types.js';
import { bucketsOf, representativeValues } from './histogram-samples.js';
import type { HistogramLayout, MetricRecord } from './otlp/metrics.js';

interface CounterState {
  startTs: number;
  /** The last value as the source sent it (cumulative), or the running total (delta). */
  raw: number;
  offset: number;
  lastTs: number;
  seenAt: number;
  /** Whether the last `advance` saw a reset (a histogram then takes the new point whole). */
  resetNow: boolean;
  /** Pruned or forgotten: a label object that still points at it must not use it. */
  dropped: boolean;
}

interface HistogramState {
  count: CounterState;
  sum: CounterState;
  previous: HistogramLayout | null;
  /** The last ms a representative sample of `<name>` went to: the next interval's start after it. */
  lastSampleTs: number;
}

export interface SeriesStateOptions {
  /** Samples per histogram interval at most (DEFAULT_HISTOGRAM_SAMPLES). */
  readonly histogramSamples: number;
  /**
   * The first cumulative histogram point of a series whose start is at most this old counts as an
   * interval (a process that just started); an older one is only the baseline. Default 10 minutes.
   */
  readonly freshStartMs?: number;
}

/** Turns records into samples, per series; `owner[i]` is the index of the record sample i came from. */
export class SeriesState {
  readonly #counters = new Map<string, CounterState>();
  /**
   * The same states by frozen label object, per name: the collector hands the same interned object for
   * a series from export to export, and finding it by identity skips building and hashing the key text
   * (~5 % of OTLP ingest CPU). `#counters` stays the truth; an entry here lives as long as its object.
   */
  readonly #countersByObject = new Map<string, WeakMap<Sample['labels'], CounterState>>();
  readonly #histograms = new Map<string, HistogramState>();
  readonly #histogramSamples: number;
  readonly #freshStartMs: number;

  constructor(options: SeriesStateOptions) {
    this.#histogramSamples = options.histogramSamples;
    this.#freshStartMs = options.freshStartMs ?? 600_000;
  }

  /** Series with state (for /metrics and the bound on memory). */
  get size(): number {
    return this.#counters.size + this.#histograms.size;
  }

  /** Appends the samples of `records` to `out`, and the index of each one's record to `owner`. */
  toSamples(records: readonly MetricRecord[], at: number, out: Sample[], owner: number[]): void {
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const before = out.length;
      // A gauge record is its own sample (name, labels, ts, value): one object less a point to collect.
      if (record.type === 'gauge') out.push(record);
      else if (record.type === 'counter') {
        const state = this.#counter(record.name, record.labels);
        const value = advance(state, record.temporality, record.startTs, record.ts, record.value, at);
        if (value !== null) out.push({ name: record.name, labels: record.labels, ts: record.ts, value });
      } else this.#histogram(record, at, out);
      for (let k = before; k < out.length; k++) owner.push(i);
    }
  }

  #counter(name: string, labels: Sample['labels']): CounterState {
    let byObject = this.#countersByObject.get(name);
    const known = byObject?.get(labels);
    if (known !== undefined && !known.dropped) return known;
    const key = seriesKey(name, labels);
    let state = this.#counters.get(key);
    if (!state) this.#counters.set(key, (state = newCounter()));
    if (Object.isFrozen(labels)) {
      if (byObject === undefined) this.#countersByObject.set(name, (byObject = new WeakMap()));
      byObject.set(labels, state);
    }
    return state;
  }

  /** Drops the state of a series (one the live view refused: it must not hold memory). */
  forget(name: string, labels: Sample['labels']): void {
    const key = seriesKey(name, labels);
    const counter = this.#counters.get(key);
    if (counter) counter.dropped = true;
    this.#counters.delete(key);
    this.#histograms.delete(key);
    for (const suffix of ['_count', '_sum']) {
      if (name.endsWith(suffix)) this.#histograms.delete(seriesKey(name.slice(0, -suffix.length), labels));
    }
  }

  /** Forgets series not seen since `before`. */
  prune(before: number): void {
    for (const [key, state] of this.#counters) {
      if (state.seenAt >= before) continue;
      state.dropped = true;
      this.#counters.delete(key);
    }
    for (const [key, state] of this.#histograms) if (state.count.seenAt < before) this.#histograms.delete(key);
  }

  #histogram(record: Extract<MetricRecord, { type: 'histogram' }>, at: number, out: Sample[]): void {
    const key = seriesKey(record.name, record.labels);
    let state = this.#histograms.get(key);
    const first = !state;
    if (!state) this.#histograms.set(key, (state = { count: newCounter(), sum: newCounter(), previous: null, lastSampleTs: -Infinity }));
    const repeat = record.ts <= state.count.lastTs;
    const count = advance(state.count, record.temporality, record.startTs, record.ts, record.count, at);
    const sum = advance(state.sum, record.temporality, record.startTs, record.ts, record.sum, at);
    if (count === null || sum === null) return;
    out.push({ name: `${record.name}_count`, labels: record.labels, ts: record.ts, value: count });
    out.push({ name: `${record.name}_sum`, labels: record.labels, ts: record.ts, value: sum });
    if (repeat) return;
    let interval: HistogramLayout | null = record.layout;
    if (record.temporality === 'cumulative') {
      const previous = state.previous;
      state.previous = record.layout;
      if (first) interval = record.startTs > 0 && record.ts - record.startTs <= this.#freshStartMs ? record.layout : null;
      else if (previous && !state.count.resetNow) interval = subtract(record.layout, previous);
    }
    if (interval === null) return;
    const values = representativeValues(bucketsOf(interval, record.min, record.max), this.#histogramSamples);
    if (values.length === 0) return;
    const start = Math.max(record.ts - (values.length - 1), state.lastSampleTs + 1);
    for (let j = 0; j < values.length; j++) out.push({ name: record.name, labels: record.labels, ts: start + j, value: values[j]! });
    state.lastSampleTs = start + values.length - 1;
  }
}

function newCounter(): CounterState {
  return { startTs: 0, raw: 0, offset: 0, lastTs: -Infinity, seenAt: 0, resetNow: false, dropped: false };
}

/** Moves a counter to a new point; returns the value to store, or null for a repeat or an older point. */
function advance(state: CounterState, temporality: 'cumulative' | 'delta', startTs: number, ts: number, value: number, at: number): number | null {
  state.seenAt = at;
  state.resetNow = false;
  if (ts < state.lastTs) return null;
  if (ts === state.lastTs) return temporality === 'delta' ? null : state.offset + state.raw;
  const first = state.lastTs === -Infinity;
  state.lastTs = ts;
  if (temporality === 'delta') {
    state.raw += value;
    return state.raw;
  }
  if (!first && ((startTs > 0 && state.startTs > 0 && startTs !== state.startTs) || value < state.raw)) {
    state.offset += state.raw;
    state.resetNow = true;
  }
  state.startTs = startTs;
  state.raw = value;
  return state.offset + value;
}

/** The observations of `current` not in `previous` (both cumulative); null when they cannot be subtracted. */
export function subtract(current: HistogramLayout, previous: HistogramLayout): HistogramLayout | null {
  if (current.kind === 'explicit' && previous.kind === 'explicit') {
    if (current.bounds.length !== previous.bounds.length || current.bounds.some((b, i) => b !== previous.bounds[i])) return current;
    const counts = current.counts.map((n, i) => n - (previous.counts[i] ?? 0));
    return counts.some((n) => n < 0) ? current : { kind: 'explicit', bounds: current.bounds, counts };
  }
  if (current.kind === 'exponential' && previous.kind === 'exponential') {
    // Scale only goes down over a cumulative histogram's life (it rescales to fit); a rise is a reset.
    if (current.scale > previous.scale) return current;
    const shift = previous.scale - current.scale;
    const positive = minus(current.positive, downscale(previous.positive, shift));
    const negative = minus(current.negative, downscale(previous.negative, shift));
    const zeroCount = current.zeroCount - previous.zeroCount;
    if (positive === null || negative === null || zeroCount < 0) return current;
    return { kind: 'exponential', scale: current.scale, zeroCount, positive, negative };
  }
  return current;
}

function downscale(buckets: ReadonlyMap<number, number>, shift: number): Map<number, number> {
  const out = new Map<number, number>();
  const factor = Math.pow(2, shift);
  for (const [index, n] of buckets) {
    const to = Math.floor(index / factor);
    out.set(to, (out.get(to) ?? 0) + n);
  }
  return out;
}

function minus(current: ReadonlyMap<number, number>, previous: ReadonlyMap<number, number>): Map<number, number> | null {
  const out = new Map<number, number>();
  for (const [index, n] of current) {
    const d = n - (previous.get(index) ?? 0);
    if (d < 0) return null;
    if (d > 0) out.set(index, d);
  }
  for (const [index, n] of previous) if (n > 0 && !current.has(index)) return null;
  return out;
}

function seriesKey(name: string, labels: Sample['labels']): string {
  // The collector's label sets carry their key (frozenLabels): no work here for them.
  return `${name}\u0000${labelsKey(labels)}`;
}
