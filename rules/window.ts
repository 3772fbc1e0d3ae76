// The rules' evaluation data: recent samples of the metrics rules reference, in memory, fed by the one
// ingest path (IngestWriter.onSamples) and backfilled from the store at start. A rule never knows where a
// series came from. Memory is bounded: only referenced metrics, only as far back as the longest window a
// rule of that metric needs, and a series whose last sample is older than that is forgotten.
import { matchAll, type CompiledMatcher } from '../lib/matchers.js';
import { labelsKey } from '../store/labels.js';
import type { Labels, Sample, SampleStore } from '../store/types.js';

/** One series' recent samples: parallel arrays, times ascending, live from index `start`. */
export interface WindowSeries {
  readonly key: string;
  readonly labels: Labels;
  readonly times: number[];
  readonly values: number[];
  /** Samples before this index are expired (compacted away now and then rather than shifted each prune). */
  start: number;
}

interface MetricWindow {
  readonly retainMs: number;
  readonly series: Map<string, WindowSeries>;
  /** Bumped when a series appears or goes, so a rule's matched series are recomputed only then. */
  generation: number;
  /** `label=value` → series with it: the candidates of an equality matcher, so 10,000 rules do not scan every series. */
  readonly byLabel: Map<string, Set<WindowSeries>>;
}

interface Selection {
  readonly generation: number;
  readonly series: readonly WindowSeries[];
}

/** Recent samples of the metrics rules reference, each kept for its own retention. */
export class SampleWindow {
  readonly #metrics = new Map<string, MetricWindow>();
  readonly #selections = new WeakMap<readonly CompiledMatcher[], Selection>();

  /** `retainMs`: per metric, the longest span any rule reads back from now. */
  constructor(retainMs: ReadonlyMap<string, number>) {
    for (const [metric, ms] of retainMs) this.#metrics.set(metric, { retainMs: ms, series: new Map(), generation: 0, byLabel: new Map() });
  }

  /** Metrics kept and how far back each is kept (for the backfill). */
  retention(): ReadonlyMap<string, number> {
    return new Map([...this.#metrics].map(([metric, window]) => [metric, window.retainMs]));
  }

  /** Adds samples of referenced metrics (others are ignored); a sample at a time already held replaces it. */
  add(samples: readonly Sample[]): void {
    for (const sample of samples) {
      const metric = this.#metrics.get(sample.name);
      if (metric === undefined || !Number.isFinite(sample.value) || !Number.isFinite(sample.ts)) continue;
      const key = labelsKey(sample.labels);
      let series = metric.series.get(key);
      if (series === undefined) {
        series = { key, labels: sample.labels, times: [], values: [], start: 0 };
        metric.series.set(key, series);
        this.#index(metric, series, true);
      }
      insert(series, sample.ts, sample.value);
    }
  }

  /** Drops samples older than each metric's retention before `at`, and series left with none. */
  prune(at: number): void {
    for (const metric of this.#metrics.values()) {
      const oldest = at - metric.retainMs;
      for (const series of metric.series.values()) {
        const { times } = series;
        while (series.start < times.length && times[series.start]! < oldest) series.start++;
        if (series.start === times.length) {
          metric.series.delete(series.key);
          this.#index(metric, series, false);
        } else if (series.start > 64 && series.start * 2 > times.length) {
          times.splice(0, series.start);
          series.values.splice(0, series.start);
          series.start = 0;
        }
      }
    }
  }

  /** Every series of `metric` whose labels satisfy `matchers` (the same array gets a cached answer until a series comes or goes). */
  select(metric: string, matchers: readonly CompiledMatcher[]): readonly WindowSeries[] {
    const window = this.#metrics.get(metric);
    if (window === undefined) return [];
    const cached = this.#selections.get(matchers);
    if (cached !== undefined && cached.generation === window.generation) return cached.series;
    let candidates: Iterable<WindowSeries> = window.series.values();
    let fewest = Infinity;
    for (const matcher of matchers) {
      if (matcher.op !== '=' || matcher.value === '') continue;
      const withIt = window.byLabel.get(`${matcher.label}=${matcher.value}`);
      if (withIt === undefined) {
        candidates = [];
        break;
      }
      if (withIt.size < fewest) {
        fewest = withIt.size;
        candidates = withIt;
      }
    }
    const series: WindowSeries[] = [];
    for (const candidate of candidates) if (matchAll(candidate.labels, matchers)) series.push(candidate);
    series.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#selections.set(matchers, { generation: window.generation, series });
    return series;
  }

  /** The series of `metric` with exactly these labels, if held. */
  get(metric: string, labels: Labels): WindowSeries | undefined {
    return this.#metrics.get(metric)?.series.get(labelsKey(labels));
  }

  /** Series and samples held, for /metrics and the memory bound's tests. */
  size(): { series: number; samples: number } {
    let series = 0;
    let samples = 0;
    for (const metric of this.#metrics.values()) {
      for (const one of metric.series.values()) {
        series++;
        samples += one.times.length - one.start;
      }
    }
    return { series, samples };
  }

  #index(metric: MetricWindow, series: WindowSeries, add: boolean): void {
    metric.generation++;
    for (const [label, value] of Object.entries(series.labels)) {
      const key = `${label}=${value}`;
      let set = metric.byLabel.get(key);
      if (add) {
        if (set === undefined) metric.byLabel.set(key, (set = new Set()));
        set.add(series);
      } else if (set !== undefined) {
        set.delete(series);
        if (set.size === 0) metric.byLabel.delete(key);
      }
    }
  }
}

/** Inserts in time order: appends in the usual case (samples arrive in order), replaces a sample at the same time. */
function insert(series: WindowSeries, ts: number, value: number): void {
  const { times, values } = series;
  const last = times.length - 1;
  if (last < series.start || ts > times[last]!) {
    times.push(ts);
    values.push(value);
    return;
  }
  let i = last;
  while (i >= series.start && times[i]! > ts) i--;
  if (i >= series.start && times[i] === ts) values[i] = value;
  else {
    times.splice(i + 1, 0, ts);
    values.splice(i + 1, 0, value);
  }
}


/** Store query bounds of the start-up backfill: every series of a metric, raw, over its window. */
const BACKFILL_LIMITS = { maxSeries: 1_000_000, maxPoints: 20_000_000, maxRowsScanned: 20_000_000 };

/**
 * Fills the window from the store's raw samples before `at`, each metric as far back as it is kept, so a
 * restart resets no `over` window. A metric the store cannot answer is logged and starts from live samples.
 */
export async function fillFromStore(window: SampleWindow, samples: Pick<SampleStore, 'query'>, at: number, log: (line: string) => void): Promise<void> {
  for (const [metric, retainMs] of window.retention()) {
    try {
      // A 1 ms step with `last` reads raw samples as they are.
      const result = await samples.query({ metric, matchers: [], from: at - retainMs, to: at + 1, stepMs: 1, aggregate: 'last' }, BACKFILL_LIMITS);
      for (const series of result.series) {
        window.add(series.points.map(([ts, value]) => ({ name: metric, labels: series.labels, ts, value })));
      }
    } catch (error) {
      log(`rules: could not backfill ${metric} from the store (its rules start from live samples only): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
