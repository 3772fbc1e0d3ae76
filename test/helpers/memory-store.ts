// A tiny in-memory Store for tests of the code that writes to it (the probes' result writer).
import type { CheckResult, Sample, SeriesQueryResult, Store } from '../../store/types.js';

/** Keeps what was written; `failNextWrites(n)` makes the next n writes throw like a locked database. */
export class MemoryStore implements Store {
  readonly samples: Sample[] = [];
  readonly results = new Map<string, CheckResult>();
  readonly batches: number[] = [];
  #failures = 0;

  failNextWrites(count: number): void {
    this.#failures = count;
  }

  appendSamples(samples: readonly Sample[]): void {
    this.#maybeFail();
    this.batches.push(samples.length);
    this.samples.push(...samples);
  }

  recordCheckResults(results: readonly CheckResult[]): void {
    this.#maybeFail();
    for (const result of results) this.results.set(result.checkId, result);
  }

  lastCheckResults(): CheckResult[] {
    return [...this.results.values()];
  }

  querySeries(): SeriesQueryResult {
    throw new Error('MemoryStore.querySeries is not implemented');
  }

  rollUp(): number {
    return 0;
  }

  enforceRetention(): number {
    return 0;
  }

  isWritable(): boolean {
    return true;
  }

  close(): void {}

  #maybeFail(): void {
    if (this.#failures > 0) {
      this.#failures--;
      throw new Error('database is locked');
    }
  }
}
