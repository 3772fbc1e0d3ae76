// A tiny in-memory store for tests of the code that writes to it (the ingest writer).
import type { IngestStore } from '../../ingest/writer.js';
import type { CheckResult, Sample } from '../../store/types.js';

/** Keeps what was written; `failNextWrites(n)` makes the next n writes throw like a locked database. */
export class MemoryStore implements IngestStore {
  readonly samples: IngestStore['samples'] & { readonly all: Sample[] };
  readonly checks: IngestStore['checks'];
  readonly results = new Map<string, CheckResult>();
  readonly batches: number[] = [];
  #failures = 0;
  #error: () => Error = () => new Error('database is locked');

  constructor() {
    const all: Sample[] = [];
    this.samples = {
      all,
      append: async (samples) => {
        this.#maybeFail();
        this.batches.push(samples.length);
        all.push(...samples);
      },
      query: () => Promise.reject(new Error('MemoryStore does not answer queries')),
      queryJson: () => Promise.reject(new Error('MemoryStore does not answer queries')),
      rollUp: async () => ({ buckets: 0, more: false }),
      rolledUpTo: async () => null,
      enforceRetention: async () => 0,
    };
    this.checks = {
      record: async (results) => {
        this.#maybeFail();
        for (const result of results) this.results.set(result.checkId, result);
      },
      last: async () => [...this.results.values()],
    };
  }

  /** The next `count` writes throw `error` (default: "database is locked", as SQLite says). */
  failNextWrites(count: number, error: () => Error = () => new Error('database is locked')): void {
    this.#failures = count;
    this.#error = error;
  }

  /** Every result written, for assertions. */
  lastCheckResults(): CheckResult[] {
    return [...this.results.values()];
  }

  #maybeFail(): void {
    if (this.#failures > 0) {
      this.#failures--;
      throw this.#error();
    }
  }
}
