// A mergeable log-scale histogram (the DDSketch idea) for latency percentiles in rollups.
//
// A positive value v falls in bucket i = ceil(log_γ(v)), i.e. γ^(i-1) < v ≤ γ^i, and a bucket is
// estimated by 2·γ^i / (γ + 1), the point whose relative distance to both bucket edges is equal.
// With γ = 1.02 the estimate of any value is within ±(γ-1)/(γ+1) ≈ 0.990 % of it, so a quantile read
// from a histogram is within HISTOGRAM_RELATIVE_ERROR of the exact sample of the same rank. Merging
// histograms adds bucket counts, so the bound holds for 1h rollups merged from 1m rollups too.
// Negative values use the same buckets on |v|; values with |v| below ZERO_THRESHOLD count as zero.

/** Growth factor between consecutive bucket bounds. */
export const HISTOGRAM_GAMMA = 1.02;
/** Stated accuracy: a quantile estimate is within ±this fraction of the exact value of that rank. */
export const HISTOGRAM_RELATIVE_ERROR = (HISTOGRAM_GAMMA - 1) / (HISTOGRAM_GAMMA + 1);
/** Values whose magnitude is below this (1 ns in seconds) are counted in the zero bucket. */
export const ZERO_THRESHOLD = 1e-9;

const LOG_GAMMA = Math.log(HISTOGRAM_GAMMA);
const ENCODING_VERSION = 1;
// Indexes beyond these cover |v| up to ~1e300; larger magnitudes are clamped into the last bucket.
const MAX_INDEX = 35_000;

function bucketIndex(magnitude: number): number {
  const index = Math.ceil(Math.log(magnitude) / LOG_GAMMA);
  return index > MAX_INDEX ? MAX_INDEX : index;
}

function bucketValue(index: number): number {
  return (2 * Math.pow(HISTOGRAM_GAMMA, index)) / (HISTOGRAM_GAMMA + 1);
}

/** Sparse log-scale histogram; `add`, `merge`, `quantile`, and a compact binary `encode`/`decode`. */
export class LogHistogram {
  private readonly positive = new Map<number, number>();
  private readonly negative = new Map<number, number>();
  private zeroCount = 0;
  private total = 0;

  /** Number of values added (including merged ones). */
  get count(): number {
    return this.total;
  }

  /** Adds one value; NaN is ignored. */
  add(value: number, times = 1): void {
    if (Number.isNaN(value)) return;
    this.total += times;
    if (value > ZERO_THRESHOLD) {
      const index = bucketIndex(value);
      this.positive.set(index, (this.positive.get(index) ?? 0) + times);
    } else if (value < -ZERO_THRESHOLD) {
      const index = bucketIndex(-value);
      this.negative.set(index, (this.negative.get(index) ?? 0) + times);
    } else {
      this.zeroCount += times;
    }
  }

  /** Adds every count of `other` into this histogram. */
  merge(other: LogHistogram): this {
    for (const [index, n] of other.positive) this.positive.set(index, (this.positive.get(index) ?? 0) + n);
    for (const [index, n] of other.negative) this.negative.set(index, (this.negative.get(index) ?? 0) + n);
    this.zeroCount += other.zeroCount;
    this.total += other.total;
    return this;
  }

  /** Decodes `bytes` and adds its counts here, without building an intermediate histogram. */
  mergeEncoded(bytes: Uint8Array): this {
    const reader = new VarintReader(bytes);
    const version = reader.next();
    if (version !== ENCODING_VERSION) throw new Error(`histogram: unknown encoding version ${version}`);
    const zero = reader.next();
    this.zeroCount += zero;
    this.total += zero;
    this.total += readBuckets(reader, this.positive);
    this.total += readBuckets(reader, this.negative);
    return this;
  }

  /**
   * The value of rank ceil(q·n) (nearest rank, 1-based) estimated within HISTOGRAM_RELATIVE_ERROR;
   * NaN when empty.
   */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.min(this.total, Math.max(1, Math.ceil(q * this.total)));
    let seen = 0;
    // Ascending order: most negative first (largest |v| index), then zero, then positive.
    const negativeIndexes = [...this.negative.keys()].sort((a, b) => b - a);
    for (const index of negativeIndexes) {
      seen += this.negative.get(index)!;
      if (seen >= rank) return -bucketValue(index);
    }
    seen += this.zeroCount;
    if (seen >= rank) return 0;
    const positiveIndexes = [...this.positive.keys()].sort((a, b) => a - b);
    for (const index of positiveIndexes) {
      seen += this.positive.get(index)!;
      if (seen >= rank) return bucketValue(index);
    }
    return bucketValue(positiveIndexes[positiveIndexes.length - 1]!);
  }

  /**
   * Compact binary form: varints of [version, zeroCount, positive buckets, negative buckets], each
   * bucket list as [length, then per bucket: zigzag delta of the index from the previous one, count].
   * A typical 1-minute latency bucket encodes in a few tens of bytes.
   */
  encode(): Uint8Array {
    const writer = new VarintWriter();
    writer.push(ENCODING_VERSION);
    writer.push(this.zeroCount);
    writeBuckets(writer, this.positive);
    writeBuckets(writer, this.negative);
    return writer.finish();
  }

  /** Builds a histogram from `encode()` output. */
  static decode(bytes: Uint8Array): LogHistogram {
    return new LogHistogram().mergeEncoded(bytes);
  }
}

function writeBuckets(writer: VarintWriter, buckets: Map<number, number>): void {
  const indexes = [...buckets.keys()].sort((a, b) => a - b);
  writer.push(indexes.length);
  let previous = 0;
  for (const index of indexes) {
    const delta = index - previous;
    writer.push(delta >= 0 ? delta * 2 : -delta * 2 - 1);
    writer.push(buckets.get(index)!);
    previous = index;
  }
}

function readBuckets(reader: VarintReader, into: Map<number, number>): number {
  const length = reader.next();
  let index = 0;
  let total = 0;
  for (let i = 0; i < length; i++) {
    const zigzag = reader.next();
    index += zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
    const n = reader.next();
    into.set(index, (into.get(index) ?? 0) + n);
    total += n;
  }
  return total;
}

// Unsigned LEB128 with plain arithmetic (not 32-bit bit ops) so counts up to 2^53 survive.
class VarintWriter {
  private bytes = new Uint8Array(64);
  private length = 0;

  push(value: number): void {
    if (this.length + 8 > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    let rest = value;
    while (rest >= 0x80) {
      this.bytes[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.bytes[this.length++] = rest;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

class VarintReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  next(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.offset >= this.bytes.length) throw new Error('histogram: truncated encoding');
      const byte = this.bytes[this.offset++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  }
}
