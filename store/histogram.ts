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

/**
 * Counts per bucket index in a growable dense window. Faster than a Map for merging: folding 60
 * one-minute histograms into an hour is the hot loop of rollUp, and encoding needs no sort.
 */
class BucketCounts {
  private counts = new Float64Array(0);
  /** Bucket index of counts[0]. */
  private base = 0;
  /** Lowest and highest index with a count; min > max when empty. */
  min = Infinity;
  max = -Infinity;

  add(index: number, n: number): void {
    if (index < this.base || index >= this.base + this.counts.length) this.grow(index);
    this.counts[index - this.base]! += n;
    if (index < this.min) this.min = index;
    if (index > this.max) this.max = index;
  }

  get(index: number): number {
    return this.counts[index - this.base]!;
  }

  private grow(index: number): void {
    const low = Math.min(index, this.min);
    const high = Math.max(index, this.max);
    // Doubling with slack on both sides keeps a stream of growing or shrinking indexes amortised O(1).
    const capacity = Math.max(128, 2 * (high - low + 1));
    const base = low - Math.floor((capacity - (high - low + 1)) / 2);
    const counts = new Float64Array(capacity);
    if (this.min <= this.max) counts.set(this.counts.subarray(this.min - this.base, this.max - this.base + 1), this.min - base);
    this.counts = counts;
    this.base = base;
  }
}

/** Sparse log-scale histogram; `add`, `merge`, `quantile`, and a compact binary `encode`/`decode`. */
export class LogHistogram {
  private readonly positive = new BucketCounts();
  private readonly negative = new BucketCounts();
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
      this.positive.add(bucketIndex(value), times);
    } else if (value < -ZERO_THRESHOLD) {
      this.negative.add(bucketIndex(-value), times);
    } else {
      this.zeroCount += times;
    }
  }

  /** Adds every count of `other` into this histogram. */
  merge(other: LogHistogram): this {
    for (let index = other.positive.min; index <= other.positive.max; index++) {
      const n = other.positive.get(index);
      if (n > 0) this.positive.add(index, n);
    }
    for (let index = other.negative.min; index <= other.negative.max; index++) {
      const n = other.negative.get(index);
      if (n > 0) this.negative.add(index, n);
    }
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
    for (let index = this.negative.max; index >= this.negative.min; index--) {
      seen += this.negative.get(index);
      if (seen >= rank) return -bucketValue(index);
    }
    seen += this.zeroCount;
    if (seen >= rank) return 0;
    for (let index = this.positive.min; index <= this.positive.max; index++) {
      seen += this.positive.get(index);
      if (seen >= rank) return bucketValue(index);
    }
    return bucketValue(this.positive.max);
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

function writeBuckets(writer: VarintWriter, buckets: BucketCounts): void {
  let used = 0;
  for (let index = buckets.min; index <= buckets.max; index++) if (buckets.get(index) > 0) used++;
  writer.push(used);
  let previous = 0;
  for (let index = buckets.min; index <= buckets.max; index++) {
    const n = buckets.get(index);
    if (n === 0) continue;
    const delta = index - previous;
    writer.push(delta >= 0 ? delta * 2 : -delta * 2 - 1);
    writer.push(n);
    previous = index;
  }
}

function readBuckets(reader: VarintReader, into: BucketCounts): number {
  const length = reader.next();
  let index = 0;
  let total = 0;
  for (let i = 0; i < length; i++) {
    const zigzag = reader.next();
    index += zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
    const n = reader.next();
    into.add(index, n);
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
