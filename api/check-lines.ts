// Each configured check's lines on /metrics that change with its runs, rendered from flat arrays: the 13
// lines of its latency histogram (`vigil_probe_duration_seconds`) from its counts, and its last run time
// (`vigil_probe_last_run_timestamp_seconds`). The histogram lines are kept as bytes between scrapes: a
// check whose counts are what its lines show is one copy, and one that ran is its own lines copied with
// each number replaced in place (the line prefixes are in them), so no prefix is kept twice. At 40,000
// checks the blocks hold ~62 MB, where the prefixes kept as strings held ~128 MB. The same code renders
// on the main thread (a plain scrape) and in the gzip thread (a gzipped one: the main thread hands it a
// copy of the arrays, api/gzip-worker.ts), so both write the same bytes.
import { type ChunkWriter, LINE_FEED } from './chunk-writer.js';
import { formatValue } from './exposition.js';

/** The HELP and TYPE lines of the last-run family, written before its first line (none when no check has run). */
export const LAST_RUN_HEADER =
  '# HELP vigil_probe_last_run_timestamp_seconds When each check last finished a run, in seconds since the epoch.\n' +
  '# TYPE vigil_probe_last_run_timestamp_seconds gauge\n';

/** Room for numbers to grow by a few digits before a block is copied to a larger one. */
const BLOCK_SLACK_BYTES = 16;

/**
 * Values per check in a counts array with `les` buckets (the last is `+Inf`): the cumulative count of
 * each bucket, then the sum of the durations.
 */
export function histogramStride(les: readonly string[]): number {
  return les.length + 1;
}

/** The run-driven lines of a fixed list of checks, each check known by its index in the list. */
export class CheckLines {
  readonly #labels: readonly string[];
  readonly #les: readonly string[];
  readonly #stride: number;
  /** Bytes of each line's prefix other than the labels (`_bucket{`, `,le="0.005"`, `} `, …). */
  readonly #prefixOverheads: readonly number[];
  readonly #labelBytes: Int32Array;
  /** Each check's lines as last rendered (`#lengths[i]` bytes of it), null before the first time. */
  readonly #blocks: Array<Buffer | null>;
  readonly #lengths: Int32Array;
  /** The counts each block shows. */
  readonly #shown: Float64Array;
  /** Each check's last-run line up to its value, made the first time it is written. */
  readonly #lastRunPrefixes: Array<Buffer | undefined>;

  /**
   * `labels`: each check's `check="…",env="…",service="…"` (label names sorted, values escaped);
   * `les`: each bucket's upper bound as written (`0.005`, …, `+Inf`).
   */
  constructor(labels: readonly string[], les: readonly string[]) {
    this.#labels = labels;
    this.#les = les;
    this.#stride = histogramStride(les);
    const someLabels = 'check="c",env="e",service="s"';
    this.#prefixOverheads = this.#prefixesOf(someLabels).map((prefix) => Buffer.byteLength(prefix) - someLabels.length);
    this.#labelBytes = Int32Array.from(labels, (label) => Buffer.byteLength(label));
    this.#blocks = new Array<Buffer | null>(labels.length).fill(null);
    this.#lengths = new Int32Array(labels.length);
    this.#shown = new Float64Array(labels.length * this.#stride);
    this.#lastRunPrefixes = new Array<Buffer | undefined>(labels.length);
  }

  /** Checks. */
  get size(): number {
    return this.#labels.length;
  }

  /**
   * Every check's histogram lines for `counts`, then the last-run family for `lastRuns` (its header and a
   * line per check that has run), yielding the number of lines written after each check's, so that the
   * caller can hand on a chunk between them.
   */
  *section(counts: Float64Array, lastRuns: Float64Array, out: ChunkWriter): Generator<number, void, undefined> {
    if (counts.length !== this.size * this.#stride || lastRuns.length !== this.size) {
      throw new Error(`the section's arrays are for ${counts.length / this.#stride} and ${lastRuns.length} checks, not ${this.size}`);
    }
    for (let i = 0; i < this.size; i++) {
      this.#write(i, counts, out);
      yield this.#stride + 1;
    }
    if (!lastRuns.some((at) => !Number.isNaN(at))) return;
    out.text(LAST_RUN_HEADER);
    for (let i = 0; i < this.size; i++) if (this.#writeLastRun(i, lastRuns, out)) yield 1;
  }

  /** Check `i`'s 13 lines for the counts at `counts[i * stride …]`: a copy when it shows them already, else rendered again and kept. */
  #write(i: number, counts: Float64Array, out: ChunkWriter): void {
    const stride = this.#stride;
    const from = i * stride;
    const block = this.#blocks[i]!;
    if (block !== null && this.#shows(i, counts)) {
      out.bytes(block, 0, this.#lengths[i]);
      return;
    }
    const buckets = stride - 1;
    const value = (line: number) => formatValue(counts[from + (line < buckets ? line : line === buckets ? buckets : buckets - 1)]!);
    const start = out.length;
    if (block === null) {
      const prefixes = this.#prefixesOf(this.#labels[i]!);
      for (let line = 0; line < prefixes.length; line++) {
        out.text(prefixes[line]!);
        out.ascii(value(line));
        out.byte(LINE_FEED);
      }
    } else {
      // The lines as last rendered, then each number replaced in place (a count rarely changes length,
      // so nothing moves): one copy a check, not one per line.
      const length = this.#lengths[i]!;
      out.bytes(block, 0, length);
      let at = 0;
      let moved = 0;
      for (let line = 0; line < this.#prefixOverheads.length; line++) {
        const valueAt = at + this.#labelBytes[i]! + this.#prefixOverheads[line]!;
        let lineEnd = valueAt;
        while (block[lineEnd] !== LINE_FEED) lineEnd++;
        const text = value(line);
        out.replaceAscii(start + moved + valueAt, start + moved + lineEnd, text);
        moved += text.length - (lineEnd - valueAt);
        at = lineEnd + 1;
      }
    }
    const rendered = out.since(start);
    let kept = block;
    if (kept === null || rendered.length > kept.length) {
      // One allocation per check, not pooled, so that a block that moves frees its old bytes.
      kept = Buffer.allocUnsafeSlow(rendered.length + BLOCK_SLACK_BYTES);
      this.#blocks[i] = kept;
    }
    kept.set(rendered);
    this.#lengths[i] = rendered.length;
    this.#shown.set(counts.subarray(from, from + stride), from);
  }

  /**
   * Check `i`'s last-run line for `lastRuns[i]` (when it finished its last run, in ms since the epoch),
   * none when that is NaN (no run yet); true when it wrote one.
   */
  #writeLastRun(i: number, lastRuns: Float64Array, out: ChunkWriter): boolean {
    const at = lastRuns[i]!;
    if (Number.isNaN(at)) return false;
    let prefix = this.#lastRunPrefixes[i];
    if (prefix === undefined) {
      prefix = Buffer.from(`vigil_probe_last_run_timestamp_seconds{${this.#labels[i]!}} `);
      this.#lastRunPrefixes[i] = prefix;
    }
    out.bytes(prefix);
    out.ascii(formatValue(at / 1000));
    out.byte(LINE_FEED);
    return true;
  }

  #shows(i: number, counts: Float64Array): boolean {
    const shown = this.#shown;
    for (let at = i * this.#stride, end = at + this.#stride; at < end; at++) if (shown[at] !== counts[at]) return false;
    return true;
  }

  #prefixesOf(labels: string): string[] {
    // Label names sorted: `le` goes between `env` and `service`.
    // An escaped value holds no bare `"`, so `,service="` is only ever the label itself.
    const at = labels.lastIndexOf(',service="');
    const bucket = this.#les.map((le) => `vigil_probe_duration_seconds_bucket{${labels.slice(0, at)},le="${le}"${labels.slice(at)}} `);
    return [...bucket, `vigil_probe_duration_seconds_sum{${labels}} `, `vigil_probe_duration_seconds_count{${labels}} `];
  }
}
