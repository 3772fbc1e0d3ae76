// The live series' rendered /metrics line prefixes, as ranges of one growing block of bytes. A Buffer per
// series was 120,000 heap objects at 40,000 checks for V8's full GC to mark every few seconds; a range is
// three small integers on the series itself (`LiveSeries.prefixArena/At/Length`), which V8 keeps inside
// the object.
import type { LiveSeries } from '../ingest/live-view.js';

/**
 * Every arena gets its own generation, process-wide: a series whose range was written by another arena
 * (another exposition of the same view, or this one before a reset) is never read from this one.
 */
let lastGeneration = 0;

const MIN_BYTES = 64 * 1024;

/** An append-only block of prefixes; `PrefixCache` starts a new one once most of its bytes are stale. */
class Arena {
  readonly generation = ++lastGeneration;
  bytes: Buffer;
  used = 0;

  constructor(bytes: number) {
    this.bytes = Buffer.allocUnsafeSlow(Math.max(MIN_BYTES, bytes));
  }

  /** Appends `text` as UTF-8; returns where it starts. */
  add(text: string): number {
    const length = Buffer.byteLength(text, 'utf8');
    if (this.used + length > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.bytes.length, this.used + length));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    const at = this.used;
    this.used += this.bytes.write(text, at, 'utf8');
    return at;
  }
}

/** The prefix bytes of the series a scrape has visited so far. */
export interface ScrapeCount {
  bytes: number;
}

/**
 * Where each series' prefix is. A prefix is added once, on first sight, and a series that leaves the
 * view leaves its bytes behind: each scrape counts the bytes of the prefixes it wrote (every live
 * series once), and the next starts a fresh arena once the arena holds more than twice that, so a
 * view whose series come and go (OTLP) holds at most about twice its live prefixes. After a reset each
 * series renders its prefix again on its next scrape, as on the first.
 */
export class PrefixCache {
  #arena = new Arena(MIN_BYTES);
  /** Prefix bytes of every live series, as the last scrape that ended counted them (-1: none has). */
  #lastLiveBytes = -1;

  /**
   * A scrape begins: starts a fresh arena when the last full scrape's series used less than half of
   * this one. Returns the scrape's count of prefix bytes (each its own: scrapes may overlap).
   */
  beginScrape(): ScrapeCount {
    if (this.#lastLiveBytes >= 0 && this.#arena.used > 2 * this.#lastLiveBytes + MIN_BYTES) this.#arena = new Arena(this.#lastLiveBytes * 1.25);
    return { bytes: 0 };
  }

  /** A scrape visited every live series: what it counted is what is live. */
  endScrape(count: ScrapeCount): void {
    this.#lastLiveBytes = count.bytes;
  }

  /** Bytes the arena holds: live series' prefixes and those left behind. */
  get usedBytes(): number {
    return this.#arena.used;
  }

  /** The arena's bytes: read at once with `has`/`add`, valid until the next `add` or scrape. */
  get bytes(): Buffer {
    return this.#arena.bytes;
  }

  /** The series' prefix is in the current arena (at `series.prefixAt`, `series.prefixLength` bytes). */
  has(series: LiveSeries): boolean {
    return series.prefixArena === this.#arena.generation;
  }

  /** Keeps `text` as the series' prefix. */
  add(series: LiveSeries, text: string): void {
    const at = this.#arena.add(text);
    series.prefixArena = this.#arena.generation;
    series.prefixAt = at;
    series.prefixLength = this.#arena.used - at;
  }

  /** The series' prefix as latin1 text (one character per byte), or null when this arena holds none. */
  latin1(series: LiveSeries): string | null {
    return this.has(series) ? this.#arena.bytes.toString('latin1', series.prefixAt, series.prefixAt + series.prefixLength) : null;
  }
}
