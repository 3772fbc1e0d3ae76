// The live view: the last value of every series and the last result of every check, as measured, for
// /metrics and the status page. It is also where the series limits are enforced: a source (a check, an
// OTLP resource) that keeps inventing label values is refused new series past its bound, and series
// that stop receiving samples leave the view, which frees their room.
import { labelsKey } from '../store/labels.js';
import type { CheckResult, Labels, Sample } from '../store/types.js';

export interface SeriesLimits {
  /** Live series one source (a check) may have. */
  readonly perSource: number;
  /** Live series one metric name may have over all sources. */
  readonly perMetric: number;
}

// Per metric: well above one series per check at the scale Vigil is measured at (60,000 checks), so only
// a runaway label (an OTLP attribute holding a request id) reaches it.
export const DEFAULT_SERIES_LIMITS: SeriesLimits = { perSource: 100, perMetric: 200_000 };

/** One live series: its last value and when it goes stale. */
export interface LiveSeries {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
  readonly ts: number;
  readonly source: string;
  readonly staleAt: number;
  /** It has left the view (gone stale) since it was handed out: its numbers are no longer kept. */
  readonly removed: boolean;
  /**
   * Where /metrics keeps the series' rendered line prefix (api/prefix-arena.ts): `prefixLength` bytes at
   * `prefixAt` of the arena of generation `prefixArena` (0: none). Kept on the series itself, as small
   * integers: in a WeakMap, 120,000 series at 40,000 checks cost V8's full GC tens of ms of ephemeron
   * marking inside its pause, and a Buffer each was 120,000 objects for it to mark.
   */
  prefixArena: number;
  prefixAt: number;
  prefixLength: number;
}

/** Why a new series was refused. */
export type RefusalReason = 'per_source' | 'per_metric';

/** What `admit` did with a write: the samples to store, and how many were refused and why. */
export interface Admission {
  readonly accepted: readonly Sample[];
  readonly refused: number;
  /** A sentence for the source's status detail, or null when nothing was refused. */
  readonly refusal: string | null;
  /** Indexes (in the samples passed) of the refused samples; empty when none was. */
  readonly refusedIndexes: readonly number[];
}

const NONE: readonly number[] = Object.freeze([]);

/**
 * The live series' numbers in columns, a slot per series: as three fields of each series they were three
 * boxed numbers each (V8 keeps a double field as a heap object), 360,000 objects at 40,000 checks for its
 * full GC to mark, and a new one at every update of a value that was not already a boxed double.
 */
class Columns {
  values = new Float64Array(1024);
  times = new Float64Array(1024);
  staleAts = new Float64Array(1024);
  #used = 0;
  readonly #free: number[] = [];

  take(): number {
    const slot = this.#free.pop();
    if (slot !== undefined) return slot;
    if (this.#used === this.values.length) {
      const grow = (from: Float64Array) => {
        const to = new Float64Array(from.length * 2);
        to.set(from);
        return to;
      };
      this.values = grow(this.values);
      this.times = grow(this.times);
      this.staleAts = grow(this.staleAts);
    }
    return this.#used++;
  }

  release(slot: number): void {
    this.#free.push(slot);
  }
}

/** A series as the live view keeps it; its numbers live in the view's columns. */
class Entry implements LiveSeries {
  prefixArena = 0;
  prefixAt = 0;
  prefixLength = 0;
  /** Its slot in the columns; -1 once it has left the view (a reader holding it sees NaN). */
  slot: number;

  constructor(
    readonly name: string,
    readonly labels: Labels,
    readonly source: string,
    readonly columns: Columns,
  ) {
    this.slot = columns.take();
  }

  get value(): number {
    return this.slot < 0 ? NaN : this.columns.values[this.slot]!;
  }

  get ts(): number {
    return this.slot < 0 ? NaN : this.columns.times[this.slot]!;
  }

  get staleAt(): number {
    return this.slot < 0 ? -Infinity : this.columns.staleAts[this.slot]!;
  }

  get removed(): boolean {
    return this.slot < 0;
  }

  remove(): void {
    this.columns.release(this.slot);
    this.slot = -1;
  }
}

/**
 * A metric's series by label key, with the metric's name as one string that each of them shares: a
 * sample's name from a probe worker thread arrives as a new copy each time, and kept per series it was
 * 40,000 strings at 40,000 checks for V8's full GC to mark.
 */
class MetricSeries extends Map<string, Entry> {
  constructor(readonly name: string) {
    super();
  }
}

/** Last values and check results, bounded by the series limits. */
export class LiveView {
  readonly #limits: SeriesLimits;
  readonly #byMetric = new Map<string, MetricSeries>();
  readonly #columns = new Columns();
  readonly #perSource = new Map<string, number>();
  readonly #checks = new Map<string, CheckResult>();
  /** When each check's result last changed, as a count of changes: what a status poll's cursor compares. */
  readonly #checkChanges = new Map<string, number>();
  #changes = 0;
  readonly #refused: Record<RefusalReason, number> = { per_source: 0, per_metric: 0 };
  #series = 0;

  constructor(limits: SeriesLimits = DEFAULT_SERIES_LIMITS) {
    this.#limits = limits;
  }

  /**
   * Takes a source's samples measured at `at`: a sample of a live series updates it; a new series is
   * admitted while the source and the metric are under their limits, else refused (not stored either).
   * Each series admitted or updated stays live until `at + staleAfterMs`. `perSourceLimit` replaces the
   * per-source limit for this source (an OTLP metric of one service has its own, configured, bound).
   */
  admit(samples: readonly Sample[], source: string, at: number, staleAfterMs: number, perSourceLimit?: number): Admission {
    const staleAt = at + staleAfterMs;
    let accepted: Sample[] | null = null;
    let refused = 0;
    let refusedIndexes: number[] | null = null;
    let lastReason: RefusalReason | null = null;
    const sourceLimit = perSourceLimit ?? this.#limits.perSource;
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i]!;
      let series = this.#byMetric.get(sample.name);
      const key = labelsKey(sample.labels);
      const entry = series?.get(key);
      if (entry) {
        const { columns, slot } = entry;
        if (sample.ts >= columns.times[slot]!) {
          columns.values[slot] = sample.value;
          columns.times[slot] = sample.ts;
        }
        if (staleAt > columns.staleAts[slot]!) columns.staleAts[slot] = staleAt;
        accepted?.push(sample);
        continue;
      }
      const reason = this.#refusal(sample.name, source, series, sourceLimit);
      if (reason) {
        this.#refused[reason]++;
        refused++;
        (refusedIndexes ??= []).push(i);
        lastReason = reason;
        // From the first refusal on, build the list of accepted samples (most writes refuse nothing).
        accepted ??= samples.slice(0, i) as Sample[];
        continue;
      }
      if (!series) {
        series = new MetricSeries(sample.name);
        this.#byMetric.set(sample.name, series);
      }
      const added = new Entry(series.name, sample.labels, source, this.#columns);
      this.#columns.values[added.slot] = sample.value;
      this.#columns.times[added.slot] = sample.ts;
      this.#columns.staleAts[added.slot] = staleAt;
      series.set(key, added);
      this.#perSource.set(source, (this.#perSource.get(source) ?? 0) + 1);
      this.#series++;
      accepted?.push(sample);
    }
    return {
      accepted: accepted ?? samples,
      refused,
      refusal: refused === 0 ? null : this.#describe(refused, lastReason!, sourceLimit, perSourceLimit === undefined ? 'check' : 'metric of a service'),
      refusedIndexes: refusedIndexes ?? NONE,
    };
  }

  /** Drops series whose source stopped sending them; returns how many went. */
  prune(at: number): number {
    let removed = 0;
    for (const step of this.pruneSteps(at)) removed += step;
    return removed;
  }

  /**
   * `prune` in steps of `entries` series looked at (each yields how many went in it), so that the caller
   * can give the event loop back between them: the ~160,000 series of 40,000 checks were one 18 ms task.
   * Series admitted between steps are looked at when the walk reaches them, as a Map iterates.
   */
  *pruneSteps(at: number, entries = Infinity): Generator<number, void, undefined> {
    let looked = 0;
    let removed = 0;
    for (const [metric, series] of this.#byMetric) {
      for (const [key, entry] of series) {
        if (++looked > entries) {
          yield removed;
          looked = 1;
          removed = 0;
        }
        if (entry.staleAt > at) continue;
        series.delete(key);
        entry.remove();
        const left = (this.#perSource.get(entry.source) ?? 1) - 1;
        if (left > 0) this.#perSource.set(entry.source, left);
        else this.#perSource.delete(entry.source);
        this.#series--;
        removed++;
      }
      if (series.size === 0) this.#byMetric.delete(metric);
    }
    yield removed;
  }

  /** Keeps a check's last result (a newer one replaces it, an older one does not). */
  recordCheck(result: CheckResult): void {
    const before = this.#checks.get(result.checkId);
    if (!before || result.ts >= before.ts) {
      this.#checks.set(result.checkId, result);
      this.#checkChanges.set(result.checkId, ++this.#changes);
    }
  }

  /** Check results recorded so far (a cursor): a check changed after a cursor when its `checkChangesById` is above it. */
  checkChanges(): number {
    return this.#changes;
  }

  /** The cursor of each check's last change, by check id: a read-only view, not a copy. */
  checkChangesById(): ReadonlyMap<string, number> {
    return this.#checkChanges;
  }

  /** The last result of every check that has run (since start, or as loaded from the store). */
  checkResults(): CheckResult[] {
    return [...this.#checks.values()];
  }

  /** The last result of every check, by check id: a read-only view, not a copy. */
  checkResultsById(): ReadonlyMap<string, CheckResult> {
    return this.#checks;
  }

  /** Metric names with live series. */
  metricNames(): string[] {
    return [...this.#byMetric.keys()];
  }

  /** The live series of a metric. */
  seriesOf(metric: string): Iterable<LiveSeries> {
    return this.#byMetric.get(metric)?.values() ?? [];
  }

  stats(): { readonly series: number; readonly refused: Readonly<Record<RefusalReason, number>> } {
    return { series: this.#series, refused: { ...this.#refused } };
  }

  #refusal(metric: string, source: string, series: Map<string, Entry> | undefined, sourceLimit: number): RefusalReason | null {
    if ((this.#perSource.get(source) ?? 0) >= sourceLimit) return 'per_source';
    if ((series?.size ?? 0) >= this.#limits.perMetric) return 'per_metric';
    return null;
  }

  #describe(refused: number, reason: RefusalReason, sourceLimit: number, sourceKind: string): string {
    const bound =
      reason === 'per_source'
        ? `the limit of ${sourceLimit} series per ${sourceKind}`
        : `the limit of ${this.#limits.perMetric} series per metric`;
    return `${refused} new series refused: over ${bound} (label values that change on every run?)`;
  }
}
