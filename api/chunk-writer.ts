// The bytes of one /metrics chunk, written in place: cached line prefixes copied as bytes, numbers as
// ASCII. Building the chunk as a string with `+=` made a rope that Buffer.from then flattened and
// encoded again at every scrape (the top cost of the main thread at 40,000 checks, 67 MB a scrape).

/**
 * A chunk is handed on once it holds this many bytes: enough that the per-chunk costs (a turn of the
 * event loop, a gzip write) stay small, few enough that writing one takes a few ms.
 */
export const CHUNK_BYTES = 256 * 1024;

/** The byte that ends every line. */
export const LINE_FEED = 0x0a;

// Ranges up to this long are copied byte by byte (see `bytes`).
const SHORT_RANGE_BYTES = 256;

// Room past CHUNK_BYTES for the line or block that crosses it, so that a chunk is not copied to grow.
const SLACK_BYTES = 64 * 1024;

/**
 * Appends bytes to a chunk and hands the chunk over when the caller says it is done. By default each
 * chunk has bytes of its own, which the reader keeps. With `reuse`, every chunk is written into the same
 * bytes: for a reader that is done with a chunk (has copied it) before it asks for the next, as the gzip
 * thread is. A fresh 320 KiB buffer per chunk was 67 MB of external memory a scrape at 40,000 checks, and
 * V8 answered it with a scavenge every ~130 ms while /metrics was read back to back: in bench/loop.mjs's
 * all-reader window (40,000 checks, 20 s), 153 of the main thread's 181 scavenges were for external
 * memory; reusing the bytes, 3 of 107, and a mark-compact every ~4 s instead of every ~2 s.
 */
export class ChunkWriter {
  readonly #reuse: boolean;
  #buffer: Buffer | null = null;
  #length = 0;

  constructor(options: { readonly reuse?: boolean } = {}) {
    this.#reuse = options.reuse ?? false;
  }

  /** Bytes written since the last `take`. */
  get length(): number {
    return this.#length;
  }

  /** True once the chunk holds `CHUNK_BYTES` or more: time to `take` it at the next whole line. */
  get full(): boolean {
    return this.#length >= CHUNK_BYTES;
  }

  /**
   * Copies `bytes[start, end)`. A short range (a series' line prefix in the prefix arena, once per series
   * per scrape) is copied by a loop: a view to copy it natively is an object per line.
   */
  bytes(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const length = end - start;
    const buffer = this.#room(length);
    if (start === 0 && end === bytes.length) buffer.set(bytes, this.#length);
    else if (length <= SHORT_RANGE_BYTES) {
      let at = this.#length;
      for (let i = start; i < end; i++) buffer[at++] = bytes[i]!;
    } else buffer.set(bytes.subarray(start, end), this.#length);
    this.#length += length;
  }

  /** Writes a string of ASCII characters only (a formatted number): one byte each, no encoder. */
  ascii(text: string): void {
    const buffer = this.#room(text.length);
    let at = this.#length;
    // A loop beats latin1Write for strings this short (a native call each: 37 against 22 ms per 200,000 numbers).
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.#length = at;
  }

  /**
   * Replaces the bytes written at `[from, to)` with `text` (ASCII only), moving what follows when the
   * length differs: a number changed inside lines copied whole, without a copy per line.
   */
  replaceAscii(from: number, to: number, text: string): void {
    const delta = text.length - (to - from);
    let buffer = this.#buffer!;
    if (delta !== 0) {
      buffer = this.#room(delta);
      buffer.copyWithin(to + delta, to, this.#length);
      this.#length += delta;
    }
    for (let i = 0; i < text.length; i++) buffer[from + i] = text.charCodeAt(i);
  }

  /** Writes one byte (a line feed). */
  byte(value: number): void {
    this.#room(1)[this.#length++] = value;
  }

  /** Writes any text as UTF-8 (headers, and a line prefix the first time it is rendered). */
  text(text: string): void {
    const buffer = this.#room(Buffer.byteLength(text, 'utf8'));
    this.#length += buffer.write(text, this.#length, 'utf8');
  }

  /** The bytes written from `start` (an earlier `length`) to now: a view, valid until the next write or `take`. */
  since(start: number): Uint8Array {
    return this.#buffer === null ? new Uint8Array(0) : this.#buffer.subarray(start, this.#length);
  }

  /**
   * The chunk written so far; the next write starts a new one. The reader keeps this one, or with
   * `reuse` must be done with it before the next write, which goes into the same bytes.
   */
  take(): Uint8Array {
    const chunk = this.since(0);
    if (!this.#reuse) this.#buffer = null;
    this.#length = 0;
    return chunk;
  }

  #room(bytes: number): Buffer {
    const needed = this.#length + bytes;
    if (this.#buffer === null) this.#buffer = Buffer.allocUnsafe(Math.max(CHUNK_BYTES + SLACK_BYTES, needed));
    else if (needed > this.#buffer.length) {
      // A line longer than the slack (a huge label value): grow, keeping what is written.
      const grown = Buffer.allocUnsafe(Math.max(2 * this.#buffer.length, needed));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    return this.#buffer;
  }
}
