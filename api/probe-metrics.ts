// Per-check metrics Prometheus computes with: each check's static facts (`vigil_check_info`), its probe
// latency as a histogram (`vigil_probe_duration_seconds`, so that histogram_quantile() works over any
// window and any aggregation of checks), and when it last ran (`vigil_probe_last_run_timestamp_seconds`,
// so `time() - …` shows a stale check). Rendered by hand like the live view (api/exposition.ts), as bytes,
// in chunks between turns of the loop. Each check's histogram lines are kept as rendered: a check that has
// not run since the last scrape is one copy, and one that has is rendered again from its own bytes (the
// line prefixes are in them), so no prefix is kept twice. At 40,000 checks the blocks hold ~62 MB, where
// the prefixes kept as strings held ~128 MB; a scrape where every check ran costs ~30% more CPU than one
// where none did, both well under half of rendering strings (bench/metrics.mjs withChecks, withChecksIdle).
import type { LiveView } from '../ingest/live-view.js';
import type { CheckSpec } from '../probes/probe.js';
import { CHUNK_BYTES, ChunkWriter, LINE_FEED } from './chunk-writer.js';
import { escapeLabelValue, formatValue, type ChunkOptions, type ExpositionFormat } from './exposition.js';

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
const LAST_RUN_HELP = 'When each check last finished a run, in seconds since the epoch.';

/** The identity and schedule of a check, as these metrics need it. */
export type ProbeMetricsCheck = Pick<CheckSpec, 'id' | 'env' | 'service' | 'name' | 'kind' | 'everyMs' | 'timeoutMs'>;

interface CheckHistogram {
  /** `check="…",env="…",service="…"`, and its length in UTF-8. */
  readonly labels: string;
  readonly labelBytes: number;
  /** Cumulative counts per bucket (the last one is +Inf, the count). */
  readonly cumulative: Float64Array;
  sum: number;
  /** The check's 13 histogram lines as last rendered (`blockLength` bytes of it), null before the first scrape. */
  block: Buffer | null;
  blockLength: number;
  /** A run was counted since `block` was rendered. */
  changed: boolean;
}

/** `check="…",env="…",service="…"`: label names sorted, values escaped. */
function checkLabels(env: string, service: string, check: string): string {
  return `check="${escapeLabelValue(check)}",env="${escapeLabelValue(env)}",service="${escapeLabelValue(service)}"`;
}

/** Histograms and facts of a fixed set of checks (the config's); memory grows with checks, never with runs. */
export class ProbeMetrics {
  readonly #live: LiveView;
  readonly #byId = new Map<string, CheckHistogram>();
  /** Every `vigil_check_info` line, as bytes, and where to cut them into chunks (at line ends). */
  readonly #info: Buffer;
  readonly #infoCuts: readonly number[];
  readonly #les: readonly string[];
  /** Bytes of each histogram line's prefix other than the labels (`_bucket{`, `,le="0.005"`, `} `, …). */
  readonly #prefixOverheads: readonly number[];
  readonly #lastRunPrefixes = new Map<string, Buffer>();

  constructor(checks: readonly ProbeMetricsCheck[], live: LiveView) {
    this.#live = live;
    this.#les = [...PROBE_DURATION_BUCKETS.map(formatValue), '+Inf'];
    const someLabels = checkLabels('env', 'service', 'check');
    this.#prefixOverheads = this.#prefixesOf(someLabels).map((prefix) => Buffer.byteLength(prefix) - Buffer.byteLength(someLabels));
    let info = '';
    for (const check of checks) {
      const labels = checkLabels(check.env, check.service, check.name);
      // Series exist at 0 from the start: rate() over the first runs and "no run yet" both have data.
      this.#byId.set(check.id, { labels, labelBytes: Buffer.byteLength(labels), cumulative: new Float64Array(this.#les.length), sum: 0, block: null, blockLength: 0, changed: true });
      // Label names in sorted order, as every family Vigil renders writes them.
      info +=
        `vigil_check_info{check="${escapeLabelValue(check.name)}",env="${escapeLabelValue(check.env)}",interval_seconds="${formatValue(check.everyMs / 1000)}",` +
        `kind="${escapeLabelValue(check.kind)}",service="${escapeLabelValue(check.service)}",timeout_seconds="${formatValue(check.timeoutMs / 1000)}"} 1\n`;
    }
    this.#info = Buffer.from(info);
    this.#infoCuts = lineCuts(this.#info);
  }

  /** Counts one finished run of a configured check (an unknown id is ignored). */
  observe(checkId: string, durationSeconds: number): void {
    const histogram = this.#byId.get(checkId);
    if (!histogram || !Number.isFinite(durationSeconds)) return;
    const value = Math.max(0, durationSeconds);
    const { cumulative } = histogram;
    for (let i = cumulative.length - 1; i >= 0; i--) {
      // The +Inf bucket always counts; the others while the value is at or under their bound.
      if (i < PROBE_DURATION_BUCKETS.length && value > PROBE_DURATION_BUCKETS[i]!) break;
      cumulative[i]!++;
    }
    histogram.sum += value;
    histogram.changed = true;
  }

  /**
   * The three families in chunks of whole lines, `linesPerChunk` sample lines or `CHUNK_BYTES` at most per
   * chunk (about); with `reuse`, written into the same bytes each time (see ChunkWriter).
   */
  *chunks(format: ExpositionFormat, linesPerChunk: number, { reuse = false }: ChunkOptions = {}): Generator<Uint8Array, void, undefined> {
    const out = new ChunkWriter({ reuse });
    let lines = 0;
    if (this.#byId.size > 0) {
      out.text(format === 'openmetrics' ? '# HELP vigil_check ' + INFO_HELP + '\n# TYPE vigil_check info\n' : '# HELP vigil_check_info ' + INFO_HELP + '\n# TYPE vigil_check_info gauge\n');
      yield out.take();
      // The info lines never change: handed on as they are, without a copy.
      for (let i = 1; i < this.#infoCuts.length; i++) yield this.#info.subarray(this.#infoCuts[i - 1], this.#infoCuts[i]);
      out.text(`# HELP vigil_probe_duration_seconds ${DURATION_HELP}\n# TYPE vigil_probe_duration_seconds histogram\n`);
      for (const histogram of this.#byId.values()) {
        this.#writeHistogram(histogram, out);
        lines += histogram.cumulative.length + 2;
        if (lines >= linesPerChunk || out.full) {
          yield out.take();
          lines = 0;
        }
      }
    }
    let header = `# HELP vigil_probe_last_run_timestamp_seconds ${LAST_RUN_HELP}\n# TYPE vigil_probe_last_run_timestamp_seconds gauge\n`;
    for (const [id, result] of this.#live.checkResultsById()) {
      // Configured checks only: the store may still hold the last result of a check since removed.
      if (!this.#byId.has(id)) continue;
      if (header) out.text(header);
      header = '';
      let prefix = this.#lastRunPrefixes.get(id);
      if (prefix === undefined) {
        prefix = Buffer.from(`vigil_probe_last_run_timestamp_seconds{${checkLabels(result.env, result.service, result.check)}} `);
        this.#lastRunPrefixes.set(id, prefix);
      }
      out.bytes(prefix);
      out.ascii(formatValue(result.ts / 1000));
      out.byte(LINE_FEED);
      if (++lines >= linesPerChunk || out.full) {
        yield out.take();
        lines = 0;
      }
    }
    if (out.length > 0) yield out.take();
  }

  /** A check's 13 lines: a copy when it has not run since the last scrape, else rendered again and kept. */
  #writeHistogram(histogram: CheckHistogram, out: ChunkWriter): void {
    const { block, cumulative } = histogram;
    if (block !== null && !histogram.changed) {
      out.bytes(block, 0, histogram.blockLength);
      return;
    }
    const start = out.length;
    const count = cumulative.length;
    if (block === null) {
      const prefixes = this.#prefixesOf(histogram.labels);
      for (let i = 0; i < prefixes.length; i++) {
        out.text(prefixes[i]!);
        out.ascii(formatValue(i < count ? cumulative[i]! : i === count ? histogram.sum : cumulative[count - 1]!));
        out.byte(LINE_FEED);
      }
    } else {
      // The lines as last rendered, then each number replaced in place (a count rarely changes length,
      // so nothing moves): one copy a check, not one per line.
      out.bytes(block, 0, histogram.blockLength);
      let at = 0;
      let moved = 0;
      for (let i = 0; i < this.#prefixOverheads.length; i++) {
        const valueAt = at + histogram.labelBytes + this.#prefixOverheads[i]!;
        let lineEnd = valueAt;
        while (block[lineEnd] !== LINE_FEED) lineEnd++;
        const value = formatValue(i < count ? cumulative[i]! : i === count ? histogram.sum : cumulative[count - 1]!);
        out.replaceAscii(start + moved + valueAt, start + moved + lineEnd, value);
        moved += value.length - (lineEnd - valueAt);
        at = lineEnd + 1;
      }
    }
    const rendered = out.since(start);
    if (block === null || rendered.length > block.length) {
      // Room for numbers to grow by a few digits before the next copy; one allocation per check, not
      // pooled, so that a block that moves frees its old bytes.
      histogram.block = Buffer.allocUnsafeSlow(rendered.length + BLOCK_SLACK_BYTES);
    }
    histogram.block!.set(rendered);
    histogram.blockLength = rendered.length;
    histogram.changed = false;
  }

  #prefixesOf(labels: string): string[] {
    // Label names sorted: `le` goes between `env` and `service`.
    // An escaped value holds no bare `"`, so `,service="` is only ever the label itself.
    const at = labels.lastIndexOf(',service="');
    const bucket = this.#les.map((le) => `vigil_probe_duration_seconds_bucket{${labels.slice(0, at)},le="${le}"${labels.slice(at)}} `);
    return [...bucket, `vigil_probe_duration_seconds_sum{${labels}} `, `vigil_probe_duration_seconds_count{${labels}} `];
  }
}

const BLOCK_SLACK_BYTES = 16;

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
