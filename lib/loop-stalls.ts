// When Vigil's own event loop was stalled. A probe times its run from the loop: a socket that connected
// in 1 ms while the loop was blocked 300 ms is seen (its 'connect' handler runs) 300 ms late, and the
// kernel's time of the event is not available to JavaScript. What can be known is when the loop was not
// running handlers, so a run's measured time can leave that out and say so.

/** Stalled time of the event loop over an interval of `performance.now()` time. */
export interface LoopStalls {
  /**
   * Milliseconds of [from, to] during which the loop ran no timer it owed, a stall still in progress
   * (one whose end has not been seen by the monitor yet, as when asked from the handler it delayed) included.
   */
  stalledMs(from: number, to: number): number;
}

export interface LoopStallMonitorOptions {
  /** How often the monitor's timer asks to run. */
  readonly intervalMs?: number;
  /** A timer this much late or more is a stall (below it: ordinary busy turns of the loop). */
  readonly thresholdMs?: number;
  /** performance.now() by default. */
  readonly now?: () => number;
}

/** Stalls remembered: runs last at most their timeout, and a stall longer than the monitor's threshold is rare. */
const REMEMBERED = 512;

/** A timer that should fire every `intervalMs`; each time it fires late by the threshold or more, the gap is a stall. */
export class LoopStallMonitor implements LoopStalls {
  readonly #intervalMs: number;
  readonly #thresholdMs: number;
  readonly #now: () => number;
  /** Stalls as [start, end] pairs, oldest first, in a ring of REMEMBERED. */
  readonly #starts = new Float64Array(REMEMBERED);
  readonly #ends = new Float64Array(REMEMBERED);
  #count = 0;
  #dueAt = Infinity;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: LoopStallMonitorOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 10;
    this.#thresholdMs = options.thresholdMs ?? 20;
    this.#now = options.now ?? (() => performance.now());
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#dueAt = this.#now() + this.#intervalMs;
    this.#timer = setTimeout(this.#onTick, this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#dueAt = Infinity;
  }

  readonly #onTick = (): void => {
    const now = this.#now();
    if (now - this.#dueAt >= this.#thresholdMs) {
      const slot = this.#count % REMEMBERED;
      this.#starts[slot] = this.#dueAt;
      this.#ends[slot] = now;
      this.#count++;
    }
    this.#dueAt = now + this.#intervalMs;
    this.#timer = setTimeout(this.#onTick, this.#intervalMs);
    this.#timer.unref();
  };

  stalledMs(from: number, to: number): number {
    let stalled = 0;
    const remembered = Math.min(this.#count, REMEMBERED);
    for (let k = 1; k <= remembered; k++) {
      const slot = (this.#count - k) % REMEMBERED;
      const end = this.#ends[slot]!;
      if (end <= from) break;
      stalled += overlap(this.#starts[slot]!, end, from, to);
    }
    // The tick owed at #dueAt has not run: the loop has been held since then (up to now, seen from here).
    const now = this.#now();
    if (now - this.#dueAt >= this.#thresholdMs) stalled += overlap(this.#dueAt, now, from, to);
    return stalled;
  }
}

function overlap(start: number, end: number, from: number, to: number): number {
  return Math.max(0, Math.min(end, to) - Math.max(start, from));
}
