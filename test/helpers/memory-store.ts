// A tiny in-memory Store for tests of the code that writes to it (the probes' result writer).
import type { CheckResult, Sample, Store } from '../../store/types.js';

/** The part of the Store that the probes' writer uses, and that tests read back. */
export type WritableStore = Pick<Store, 'appendSamples' | 'recordCheckResults' | 'lastCheckResults'>;

/** Keeps what was written; `failNextWrites(n)` makes the next n writes throw like a locked database. */
export class MemoryStore implements WritableStore {
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

  #maybeFail(): void {
    if (this.#failures > 0) {
      this.#failures--;
      throw new Error('database is locked');
    }
  }
}
