// Buffers what the scheduler measures and writes it to the store in batches: one transaction per
// ~250 ms or per 2,000 samples instead of one per check run.
import type { CheckResult, Sample, Store } from '../store/types.js';

/** Where the scheduler hands each finished run's samples and result. */
export interface ResultSink {
  write(samples: readonly Sample[], result: CheckResult): void;
}

export interface ResultWriterOptions {
  /** Longest time a sample waits in the buffer; default 250 ms. */
  readonly flushIntervalMs?: number;
  /** Samples per `appendSamples` call, and the buffer size that triggers a flush; default 2,000. */
  readonly batchSamples?: number;
  /**
   * Most samples kept while the store is failing; past it the oldest are dropped (the newest matter
   * most for live status and alerting) and counted. Default 200,000 (~100 s at 2,000 samples/s).
   */
  readonly maxBufferedSamples?: number;
  readonly log?: (line: string) => void;
  /** Called per batch: samples written, or `failed` with the samples kept for the next flush. */
  readonly onFlush?: (samples: number, failed: boolean) => void;
}

/** Counters for /metrics and tests. */
export interface ResultWriterStats {
  readonly bufferedSamples: number;
  readonly pendingResults: number;
  readonly writtenSamples: number;
  readonly droppedSamples: number;
  readonly failedFlushes: number;
}

const FAILURE_LOG_EVERY_MS = 10_000;

/** Batches samples and check results into the store; a store error keeps the batch for the next flush. */
export class ResultWriter implements ResultSink {
  readonly #store: Pick<Store, 'appendSamples' | 'recordCheckResults'>;
  readonly #flushIntervalMs: number;
  readonly #batchSamples: number;
  readonly #maxBufferedSamples: number;
  readonly #log: (line: string) => void;
  readonly #onFlush: ((samples: number, failed: boolean) => void) | undefined;
  #samples: Sample[] = [];
  /** Only the last result of each check matters (the store upserts it), so this is bounded by the checks. */
  readonly #results = new Map<string, CheckResult>();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #failingSince: number | null = null;
  #lastFailureLogAt = 0;
  #writtenSamples = 0;
  #droppedSamples = 0;
  #droppedSinceLog = 0;
  #failedFlushes = 0;

  constructor(store: Pick<Store, 'appendSamples' | 'recordCheckResults'>, options: ResultWriterOptions = {}) {
    this.#store = store;
    this.#flushIntervalMs = options.flushIntervalMs ?? 250;
    this.#batchSamples = options.batchSamples ?? 2_000;
    this.#maxBufferedSamples = Math.max(options.maxBufferedSamples ?? 200_000, this.#batchSamples);
    this.#log = options.log ?? ((line) => console.error(line));
    this.#onFlush = options.onFlush;
  }

  /** Buffers one run's samples and result; flushes at once when a batch is full (unless the store is failing). */
  write(samples: readonly Sample[], result: CheckResult): void {
    if (this.#closed) {
      this.#droppedSamples += samples.length;
      return;
    }
    for (const sample of samples) this.#samples.push(sample);
    this.#results.set(result.checkId, result);
    if (this.#samples.length > this.#maxBufferedSamples) this.#dropOldest();
    if (this.#samples.length >= this.#batchSamples && this.#failingSince === null) this.flush();
    else this.#timer ??= setTimeout(this.#onTimer, this.#flushIntervalMs).unref();
  }

  /** Writes everything buffered now, in batches; returns the number of samples written. */
  flush(): number {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    let written = 0;
    let failed = false;
    while (this.#samples.length > 0) {
      const batch = this.#samples.length <= this.#batchSamples ? this.#samples : this.#samples.slice(0, this.#batchSamples);
      try {
        this.#store.appendSamples(batch);
      } catch (error) {
        failed = true;
        this.#failed(`store.appendSamples failed for a batch of ${batch.length} samples`, error);
        this.#onFlush?.(batch.length, true);
        break;
      }
      if (batch === this.#samples) this.#samples = [];
      else this.#samples.splice(0, batch.length);
      written += batch.length;
      this.#onFlush?.(batch.length, false);
    }
    this.#writtenSamples += written;
    if (this.#results.size > 0) {
      const results = [...this.#results.values()];
      try {
        this.#store.recordCheckResults(results);
        // Only remove what was written: nothing can be added during the synchronous call.
        this.#results.clear();
      } catch (error) {
        failed = true;
        this.#failed(`store.recordCheckResults failed for ${results.length} check results`, error);
      }
    }
    if (!failed && this.#failingSince !== null) {
      this.#log(`result writer: store writes work again after ${Math.round((Date.now() - this.#failingSince) / 1000)}s`);
      this.#failingSince = null;
    }
    if (this.#samples.length > 0 || this.#results.size > 0) {
      this.#timer ??= setTimeout(this.#onTimer, this.#flushIntervalMs).unref();
    }
    return written;
  }

  /** Flushes what is buffered and stops the timer; later writes are dropped and counted. */
  async close(): Promise<void> {
    this.flush();
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const left = this.#samples.length;
    if (left > 0 || this.#results.size > 0) {
      this.#log(`result writer: closing with ${left} samples and ${this.#results.size} check results unwritten (the store is failing)`);
    }
  }

  stats(): ResultWriterStats {
    return {
      bufferedSamples: this.#samples.length,
      pendingResults: this.#results.size,
      writtenSamples: this.#writtenSamples,
      droppedSamples: this.#droppedSamples,
      failedFlushes: this.#failedFlushes,
    };
  }

  readonly #onTimer = (): void => {
    this.#timer = null;
    this.flush();
  };

  #dropOldest(): void {
    const excess = this.#samples.length - this.#maxBufferedSamples;
    this.#samples.splice(0, excess);
    this.#droppedSamples += excess;
    this.#droppedSinceLog += excess;
  }

  #failed(what: string, error: unknown): void {
    this.#failedFlushes++;
    const now = Date.now();
    const first = this.#failingSince === null;
    this.#failingSince ??= now;
    // A store that is down fails every 250 ms; say so when it starts, then every 10 s.
    if (!first && now - this.#lastFailureLogAt < FAILURE_LOG_EVERY_MS) return;
    this.#lastFailureLogAt = now;
    const reason = error instanceof Error ? error.message : String(error);
    const dropped = this.#droppedSinceLog
      ? `; dropped the ${this.#droppedSinceLog} oldest samples since the last message (buffer holds at most ${this.#maxBufferedSamples})`
      : '';
    this.#droppedSinceLog = 0;
    this.#log(
      `result writer: ${what}: ${reason}; keeping ${this.#samples.length} samples and ${this.#results.size} check results for the next flush${dropped}`,
    );
  }
}
