// Per-check metrics Prometheus computes with: each check's static facts (`vigil_check_info`), its probe
// latency as a histogram (`vigil_probe_duration_seconds`, so that histogram_quantile() works over any
// window and any aggregation of checks), and when it last ran (`vigil_probe_last_run_timestamp_seconds`,
// so `time() - …` shows a stale check). Rendered by hand like the live view (api/exposition.ts), as bytes,
// in chunks between turns of the loop. The histogram and last-run lines (14 a check: ~50 of the 67 MB of
// a scrape at 40,000 checks) come from flat arrays (api/check-lines.ts): a plain scrape renders them
// here, and a gzipped one (Prometheus asks for gzip) hands copies of the arrays to the gzip thread, which
// renders and compresses them there, at background priority.
import type { LiveView } from '../ingest/live-view.js';
import { flatString } from '../lib/flat-string.js';
import type { CheckSpec } from '../probes/probe.js';
import { CHUNK_BYTES, ChunkWriter, LINE_FEED } from './chunk-writer.js';
import { escapeLabelValue, formatValue, type ExpositionFormat } from './exposition.js';
import type { BodyPart } from './gzip-protocol.js';
import { CheckLines, histogramStride } from './check-lines.js';

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

/** The identity and schedule of a check, as these metrics need it. */
export type ProbeMetricsCheck = Pick<CheckSpec, 'id' | 'env' | 'service' | 'name' | 'kind' | 'everyMs' | 'timeoutMs'>;

/** `check="…",env="…",service="…"`: label names sorted, values escaped. */
function checkLabels(env: string, service: string, check: string): string {
  // Flat: kept per check while Vigil runs, and a template literal's pieces are a heap object each.
  return flatString(`check="${escapeLabelValue(check)}",env="${escapeLabelValue(env)}",service="${escapeLabelValue(service)}"`);
}

/** Renders the histogram and last-run lines of a layout of checks it was given once: the gzip thread (api/gzip-thread.ts). */
export interface ChecksRenderer {
  /** Makes a layout known: each check's labels and the buckets' bounds as written; returns its id. */
  registerChecks(labels: readonly string[], les: readonly string[]): number;
}

/** Histograms and facts of a fixed set of checks (the config's); memory grows with checks, never with runs. */
export class ProbeMetrics {
  readonly #live: LiveView;
  /** Each configured check's index in `#labels` and in the counts. */
  readonly #index = new Map<string, number>();
  /** Each check's `check="…",env="…",service="…"`: label names sorted, values escaped. */
  readonly #labels: string[] = [];
  readonly #les: readonly string[];
  readonly #stride: number;
  /** Per check, the cumulative count of each bucket (the last one is +Inf, the count), then the sum. */
  readonly #counts: Float64Array;
  /** The histogram and last-run lines as a plain scrape renders them here; made on the first one. */
  #lines: CheckLines | null = null;
  /** The layout id each renderer gave these checks. */
  readonly #layouts = new WeakMap<ChecksRenderer, number>();
  /** Every `vigil_check_info` line, as bytes, and where to cut them into chunks (at line ends). */
  readonly #info: Buffer;
  readonly #infoCuts: readonly number[];

  constructor(checks: readonly ProbeMetricsCheck[], live: LiveView) {
    this.#live = live;
    this.#les = [...PROBE_DURATION_BUCKETS.map(formatValue), '+Inf'];
    this.#stride = histogramStride(this.#les);
    let info = '';
    for (const check of checks) {
      const labels = checkLabels(check.env, check.service, check.name);
      const i = this.#index.get(check.id);
      if (i === undefined) {
        this.#index.set(check.id, this.#labels.length);
        this.#labels.push(labels);
      } else this.#labels[i] = labels;
      // Label names in sorted order, as every family Vigil renders writes them.
      info +=
        `vigil_check_info{check="${escapeLabelValue(check.name)}",env="${escapeLabelValue(check.env)}",interval_seconds="${formatValue(check.everyMs / 1000)}",` +
        `kind="${escapeLabelValue(check.kind)}",service="${escapeLabelValue(check.service)}",timeout_seconds="${formatValue(check.timeoutMs / 1000)}"} 1\n`;
    }
    // Series exist at 0 from the start: rate() over the first runs and "no run yet" both have data.
    this.#counts = new Float64Array(this.#labels.length * this.#stride);
    this.#info = Buffer.from(info);
    this.#infoCuts = lineCuts(this.#info);
  }

  /** Counts one finished run of a configured check (an unknown id is ignored). */
  observe(checkId: string, durationSeconds: number): void {
    const i = this.#index.get(checkId);
    if (i === undefined || !Number.isFinite(durationSeconds)) return;
    const value = Math.max(0, durationSeconds);
    const counts = this.#counts;
    const from = i * this.#stride;
    const buckets = this.#les.length;
    for (let b = buckets - 1; b >= 0; b--) {
      // The +Inf bucket always counts; the others while the value is at or under their bound.
      if (b < PROBE_DURATION_BUCKETS.length && value > PROBE_DURATION_BUCKETS[b]!) break;
      counts[from + b]!++;
    }
    counts[from + buckets]! += value;
  }

  /**
   * The three families in chunks of whole lines, `linesPerChunk` sample lines or `CHUNK_BYTES` at most per
   * chunk (about). With a `renderer`, the histogram and last-run lines are one section it renders from
   * copies of their arrays taken now, and every chunk is written into the same bytes (see ChunkWriter
   * `reuse`): the renderer, the gzip thread, copies each chunk before it reads the next.
   */
  chunks(format: ExpositionFormat, linesPerChunk: number): Generator<Uint8Array, void, undefined>;
  chunks(format: ExpositionFormat, linesPerChunk: number, renderer: ChecksRenderer): Generator<BodyPart, void, undefined>;
  *chunks(format: ExpositionFormat, linesPerChunk: number, renderer?: ChecksRenderer): Generator<BodyPart, void, undefined> {
    if (this.#labels.length === 0) return;
    const out = new ChunkWriter({ reuse: renderer !== undefined });
    out.text(format === 'openmetrics' ? '# HELP vigil_check ' + INFO_HELP + '\n# TYPE vigil_check info\n' : '# HELP vigil_check_info ' + INFO_HELP + '\n# TYPE vigil_check_info gauge\n');
    yield out.take();
    // The info lines never change: handed on as they are, without a copy.
    for (let i = 1; i < this.#infoCuts.length; i++) yield this.#info.subarray(this.#infoCuts[i - 1], this.#infoCuts[i]);
    out.text(`# HELP vigil_probe_duration_seconds ${DURATION_HELP}\n# TYPE vigil_probe_duration_seconds histogram\n`);
    if (renderer !== undefined) {
      yield out.take();
      yield { kind: 'checks', layout: this.#layoutFor(renderer), counts: this.#counts.slice(), lastRuns: this.#lastRuns() };
      return;
    }
    let lines = 0;
    const checkLines = (this.#lines ??= new CheckLines(this.#labels, this.#les));
    for (const written of checkLines.section(this.#counts, this.#lastRuns(), out)) {
      lines += written;
      if (lines >= linesPerChunk || out.full) {
        yield out.take();
        lines = 0;
      }
    }
    if (out.length > 0) yield out.take();
  }

  /** When each configured check finished its last run, as the live view has it (NaN: not yet). */
  #lastRuns(): Float64Array {
    const lastRuns = new Float64Array(this.#labels.length).fill(NaN);
    // Configured checks only: the store may still hold the last result of a check since removed.
    for (const [id, result] of this.#live.checkResultsById()) {
      const i = this.#index.get(id);
      if (i !== undefined) lastRuns[i] = result.ts;
    }
    return lastRuns;
  }

  #layoutFor(renderer: ChecksRenderer): number {
    let layout = this.#layouts.get(renderer);
    if (layout === undefined) {
      layout = renderer.registerChecks(this.#labels, this.#les);
      this.#layouts.set(renderer, layout);
    }
    return layout;
  }
}

/** Offsets in `text` (0, then line ends) that cut it into pieces of whole lines of about `CHUNK_BYTES`. */
function lineCuts(text: Buffer): number[] {
  const cuts = [0];
  while (cuts.at(-1)! < text.length) {
    const from = cuts.at(-1)!;
    const lineEnd = from + CHUNK_BYTES >= text.length ? text.length - 1 : text.indexOf(LINE_FEED, from + CHUNK_BYTES);
    cuts.push(lineEnd < 0 ? text.length : lineEnd + 1);
  }
  return cuts;
}
