// Good and total events of one SLO over time, in bounded memory: per minute for the last hours (the
// burn-rate windows up to 6 h read them exactly), per hour for the rest of the SLO window (the SLI, the
// error budget and the 1 d / 3 d burn-rate windows). Pure data structure, time passed in.

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Whole hours before the current one kept per minute: a 6 h window is exact to the minute. */
export const MINUTE_HOURS = 7;

/** Good and total events. */
export interface EventCount {
  good: number;
  total: number;
}

/** An SLO's event counts: add events (live or backfilled), sum them over a time range. */
export class SloEvents {
  readonly #minuteSlots = (MINUTE_HOURS + 1) * 60;
  /** Ring of per-minute counts; `#minuteOf[i]` says which minute slot i holds (or -1). */
  readonly #minuteOf = new Float64Array(this.#minuteSlots).fill(-1);
  readonly #minuteGood = new Float64Array(this.#minuteSlots);
  readonly #minuteTotal = new Float64Array(this.#minuteSlots);
  /** Per hour (start ms): counts, for every hour — the minute ring's hours included. */
  readonly #hours = new Map<number, EventCount>();
  /** The newest time seen, which places the minute ring. */
  #latest = 0;
  /** The oldest time seen: how much of a window holds data at all. */
  #earliest = Infinity;

  /** The time of the oldest event added; Infinity before the first. */
  get earliest(): number {
    return this.#earliest;
  }

  /** Adds `total` events of which `good` were good, at `ts`. */
  add(ts: number, good: number, total: number): void {
    const hour = Math.floor(ts / HOUR_MS) * HOUR_MS;
    const counts = this.#hours.get(hour) ?? { good: 0, total: 0 };
    counts.good += good;
    counts.total += total;
    this.#hours.set(hour, counts);
    if (ts > this.#latest) this.#latest = ts;
    if (ts < this.#earliest) this.#earliest = ts;
    const minute = Math.floor(ts / MINUTE_MS);
    if (minute * MINUTE_MS < this.#ringStart()) return;
    const slot = minute % this.#minuteSlots;
    if (this.#minuteOf[slot] !== minute) {
      this.#minuteOf[slot] = minute;
      this.#minuteGood[slot] = 0;
      this.#minuteTotal[slot] = 0;
    }
    this.#minuteGood[slot] += good;
    this.#minuteTotal[slot] += total;
  }

  /**
   * Adds a whole hour's counts from a rollup (older than the minute ring). An hour the ring still
   * covers is refused (returns false): its minutes are backfilled instead.
   */
  addHour(hourStart: number, good: number, total: number): boolean {
    if (hourStart + HOUR_MS > this.#ringStart()) return false;
    const counts = this.#hours.get(hourStart) ?? { good: 0, total: 0 };
    counts.good += good;
    counts.total += total;
    this.#hours.set(hourStart, counts);
    return true;
  }

  /** Moves the ring to `at` (so minute sums see time pass) and forgets hours before `keepFrom`. */
  advance(at: number, keepFrom: number): void {
    if (at > this.#latest) this.#latest = at;
    for (const hour of this.#hours.keys()) if (hour + HOUR_MS <= keepFrom) this.#hours.delete(hour);
  }

  /**
   * Events in [from, to): minutes from the ring where it covers them; whole hours before it, the
   * first hour prorated by its overlap (events are taken as spread evenly over an hour there).
   */
  sum(from: number, to: number): EventCount {
    const out = { good: 0, total: 0 };
    const ringStart = this.#ringStart();
    const hoursEnd = Math.min(to, ringStart);
    for (let hour = Math.floor(from / HOUR_MS) * HOUR_MS; hour < hoursEnd; hour += HOUR_MS) {
      const counts = this.#hours.get(hour);
      if (counts === undefined) continue;
      const overlap = (Math.min(hour + HOUR_MS, hoursEnd) - Math.max(hour, from)) / HOUR_MS;
      out.good += counts.good * overlap;
      out.total += counts.total * overlap;
    }
    const firstMinute = Math.ceil(Math.max(from, ringStart) / MINUTE_MS);
    const lastMinute = Math.ceil(to / MINUTE_MS);
    for (let minute = firstMinute; minute < lastMinute; minute++) {
      const slot = minute % this.#minuteSlots;
      if (this.#minuteOf[slot] !== minute) continue;
      out.good += this.#minuteGood[slot]!;
      out.total += this.#minuteTotal[slot]!;
    }
    return out;
  }

  /** Where per-minute counts start: the start of the hour MINUTE_HOURS before the newest time seen. */
  #ringStart(): number {
    return Math.floor(this.#latest / HOUR_MS) * HOUR_MS - MINUTE_HOURS * HOUR_MS;
  }
}
