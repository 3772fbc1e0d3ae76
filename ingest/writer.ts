// The one ingest path: every source (probe runs now, OTLP next) hands its samples here. The writer
// enforces the series limits and updates the live view at once (so /metrics and the status page are
// live even while the store is slow or down), then writes to the store in batches: one append per
// ~250 ms or per 2,000 samples instead of one per check run.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../lib/clock.js';
import { withoutNul } from '../lib/nul.js';
import { SecretValues } from '../lib/secret.js';
import { isDiskFullError } from '../store/disk-full.js';
import type { CheckResult, Sample, Store } from '../store/types.js';
import type { LiveView } from './live-view.js';

/** Where the scheduler hands each finished run's samples and result. */
export interface ResultSink {
  /** `staleAfterMs`: how long the run's series stay live without a newer run (see checkStaleAfterMs). */
  write(samples: readonly Sample[], result: CheckResult, staleAfterMs: number): void;
}

/** Receives admitted samples as they are written (see IngestWriter.onSamples). */
export type SampleListener = (samples: readonly Sample[]) => void;

/** Series stay live at least this long, whatever the source says. */
const MIN_STALE_AFTER_MS = 60_000;

export interface IngestWriterOptions {
  readonly clock: Clock;
  /** Longest time a sample waits in the buffer; default 250 ms. */
  readonly flushIntervalMs?: number;
  /** Samples per append, and the buffer size that triggers a flush; default 2,000. */
  readonly batchSamples?: number;
  /**
   * Most samples kept while the store is failing; past it the oldest are dropped (the newest matter
   * most for live status and alerting) and counted. Default 200,000 (~100 s at 2,000 samples/s).
   */
  readonly maxBufferedSamples?: number;
  /** Every secret value of the config: scrubbed from every error and detail before it is kept or shown. */
  readonly secrets?: SecretValues;
  /** How often stale series leave the live view; default 10 s. */
  readonly pruneEveryMs?: number;
  readonly log?: (line: string) => void;
  /** Called per batch: samples written, or `failed` with the samples kept for the next flush. */
  readonly onFlush?: (samples: number, failed: boolean) => void;
  /**
   * Longest time a `flushed()` caller waits for others to share its commit; default 10 ms. 0 commits
   * once the requests already received have buffered theirs (after the event loop's poll phase).
   */
  readonly groupCommitMs?: number;
  /** Buffered samples that start a group commit at once, before its window ends; default 4,000. */
  readonly groupCommitSamples?: number;
}

/** Counters for /metrics and tests. */
export interface IngestWriterStats {
  readonly bufferedSamples: number;
  readonly pendingResults: number;
  readonly writtenSamples: number;
  readonly droppedSamples: number;
  readonly failedFlushes: number;
}

/** What the store needs to offer the writer. */
export type IngestStore = Pick<Store, 'samples' | 'checks'>;

const FAILURE_LOG_EVERY_MS = 10_000;

/**
 * Samples per append when a flush is for `flushed()` callers (OTLP requests waiting to answer): one
 * transaction for the requests that arrived together. A commit writes every page it dirtied, and each
 * request touches one page per series, so rows per commit is what bounds OTLP ingest (measured on the
 * OTLP bench's 1,000 series: plain SQLite appends ~2.3× as many rows/s at 4,000 rows per commit as at 1,000).
 */
const GROUP_APPEND_SAMPLES = 10_000;

/**
 * The group commit's window. Waiting a few ms lets consecutive requests that write the same series share
 * one commit (measured with plain SQLite in the OTLP bench's shape, 1,000 series a request: CPU per
 * 1,000 rows ~14 ms at one request per commit, ~6.5 ms at four, ~5 ms at eight); past 4,000 buffered
 * rows the commit goes at once, as the gain from more rows per commit flattens there.
 */
const DEFAULT_GROUP_COMMIT_MS = 10;
const DEFAULT_GROUP_COMMIT_SAMPLES = 4_000;

/** Check results per upsert transaction, so that 40,000 checks' results are not one long block of the loop. */
const RESULTS_PER_RECORD = 500;

/** Live series looked at per turn of the loop when stale ones are dropped (~1–2 ms). */
const PRUNE_ENTRIES_PER_TURN = 20_000;

/** Batches samples and check results into the store; a store error keeps the batch for the next flush. */
export class IngestWriter implements ResultSink {
  readonly #store: IngestStore;
  readonly #live: LiveView;
  readonly #clock: Clock;
  readonly #secrets: SecretValues;
  readonly #flushIntervalMs: number;
  readonly #batchSamples: number;
  readonly #maxBufferedSamples: number;
  readonly #log: (line: string) => void;
  readonly #onFlush: ((samples: number, failed: boolean) => void) | undefined;
  #samples: Sample[] = [];
  /** Only the last result of each check matters (the store upserts it), so this is bounded by the checks. */
  #results = new Map<string, CheckResult>();
  #timer: NodeJS.Timeout | null = null;
  readonly #pruneTimer: NodeJS.Timeout;
  #pruning = false;
  #flushing: Promise<number> | null = null;
  /** The flush `flushed()` callers wait for, started when its window ends so that they share it. */
  #groupFlush: Promise<number> | null = null;
  /** Starts the pending group flush now (before its window ends); null when none is pending. */
  #startGroupFlush: (() => void) | null = null;
  #groupTimer: NodeJS.Timeout | null = null;
  readonly #groupCommitMs: number;
  readonly #groupCommitSamples: number;
  /** Samples at the front of the buffer that an append in flight is writing. */
  #inFlight = 0;
  #closed = false;
  #failingSince: number | null = null;
  #failureReason = '';
  #lastFailureLogAt = 0;
  #writtenSamples = 0;
  #droppedSamples = 0;
  #droppedSinceLog = 0;
  #failedFlushes = 0;
  /** Samples ever buffered, and ever gone from the buffer's front (written or dropped): `flushed` compares them. */
  #bufferedSeq = 0;
  #writtenSeq = 0;
  readonly #sampleListeners = new Set<SampleListener>();

  constructor(store: IngestStore, live: LiveView, options: IngestWriterOptions) {
    this.#store = store;
    this.#live = live;
    this.#clock = options.clock;
    this.#secrets = options.secrets ?? SecretValues.none;
    this.#flushIntervalMs = options.flushIntervalMs ?? 250;
    this.#batchSamples = options.batchSamples ?? 2_000;
    this.#maxBufferedSamples = Math.max(options.maxBufferedSamples ?? 200_000, this.#batchSamples);
    this.#log = options.log ?? ((line) => console.error(line));
    this.#onFlush = options.onFlush;
    this.#groupCommitMs = options.groupCommitMs ?? DEFAULT_GROUP_COMMIT_MS;
    this.#groupCommitSamples = Math.min(options.groupCommitSamples ?? DEFAULT_GROUP_COMMIT_SAMPLES, GROUP_APPEND_SAMPLES);
    this.#pruneTimer = setInterval(() => void this.#prune(), options.pruneEveryMs ?? 10_000).unref();
  }

  /** Drops stale series from the live view, PRUNE_ENTRIES_PER_TURN series looked at per turn of the loop. */
  async #prune(): Promise<void> {
    if (this.#pruning) return;
    this.#pruning = true;
    try {
      for (const _removed of this.#live.pruneSteps(this.#clock.now(), PRUNE_ENTRIES_PER_TURN)) await nextTurn();
    } finally {
      this.#pruning = false;
    }
  }

  /** Loads the last check results from the store into the live view, so a restart shows them at once. */
  async loadLastResults(): Promise<void> {
    for (const result of await this.#store.checks.last()) this.#live.recordCheck(result);
  }

  /**
   * One probe run: its samples (within the check's series limit) and its result, with secrets scrubbed
   * from the error and detail, and refused series said in the detail.
   */
  write(samples: readonly Sample[], result: CheckResult, staleAfterMs: number): void {
    if (this.#closed) {
      this.#droppedSamples += samples.length;
      return;
    }
    const admitted = this.#live.admit(samples, result.checkId, this.#clock.now(), Math.max(MIN_STALE_AFTER_MS, staleAfterMs));
    const detail = [result.detail, admitted.refusal].filter((text): text is string => text !== null).join('; ') || null;
    // Errors and details may quote what a probed server answered, NULs included (lib/nul.ts).
    const kept: CheckResult = {
      ...result,
      error: result.error === null ? null : this.#secrets.scrub(withoutNul(result.error)),
      detail: detail === null ? null : this.#secrets.scrub(withoutNul(detail)),
    };
    this.#live.recordCheck(kept);
    this.#results.set(kept.checkId, kept);
    this.#buffer(admitted.accepted);
    this.#notify(admitted.accepted);
  }

  /**
   * Samples from a source that is not a check (an OTLP metric of a service): within the source's series
   * limit (`perSourceLimit`, default the live view's), live for `staleAfterMs`. Returns how many were
   * refused, which (indexes into `samples`) and why, for a partial-success answer.
   */
  writeSamples(
    samples: readonly Sample[],
    source: string,
    staleAfterMs: number,
    perSourceLimit?: number,
  ): { refused: number; refusal: string | null; refusedIndexes: readonly number[] } {
    if (this.#closed) {
      this.#droppedSamples += samples.length;
      return { refused: samples.length, refusal: 'Vigil is stopping', refusedIndexes: samples.map((_, i) => i) };
    }
    const admitted = this.#live.admit(samples, source, this.#clock.now(), Math.max(MIN_STALE_AFTER_MS, staleAfterMs), perSourceLimit);
    this.#buffer(admitted.accepted);
    this.#notify(admitted.accepted);
    return { refused: admitted.refused, refusal: admitted.refusal, refusedIndexes: admitted.refusedIndexes };
  }

  /**
   * Flushes, and resolves true once every sample buffered before the call is committed to the store;
   * false when the store failed (they stay buffered for the next flush) or some were dropped meanwhile.
   * The OTLP receiver answers 200 only after this says true.
   */
  async flushed(): Promise<boolean> {
    const target = this.#bufferedSeq;
    const dropped = this.#droppedSamples;
    // Group commit: the flush waits for the window (or enough rows) so that requests arriving meanwhile
    // share it, and it starts after this call, so it covers everything buffered before it.
    const group = this.#groupFlush ?? this.#scheduleGroupFlush();
    if (this.#samples.length - this.#inFlight >= this.#groupCommitSamples) this.#startGroupFlush?.();
    await group;
    return this.#writtenSeq >= target && this.#droppedSamples === dropped;
  }

  #scheduleGroupFlush(): Promise<number> {
    const group = new Promise<number>((resolve, reject) => {
      const start = () => {
        if (this.#groupFlush !== group) return;
        if (this.#groupTimer) clearTimeout(this.#groupTimer);
        this.#groupTimer = null;
        this.#groupFlush = null;
        this.#startGroupFlush = null;
        this.#flush(GROUP_APPEND_SAMPLES).then(resolve, reject);
      };
      this.#startGroupFlush = start;
      // setImmediate comes after the poll phase that read the requests already received.
      if (this.#groupCommitMs > 0) this.#groupTimer = setTimeout(start, this.#groupCommitMs);
      else setImmediate(start);
    });
    this.#groupFlush = group;
    return group;
  }

  /**
   * Calls `listener` with the admitted samples of every `write` and `writeSamples`, as they arrive (the
   * rules engine's live data); returns the unsubscribe. A listener that throws is logged, never fails ingest.
   */
  onSamples(listener: SampleListener): () => void {
    this.#sampleListeners.add(listener);
    return () => this.#sampleListeners.delete(listener);
  }

  #notify(samples: readonly Sample[]): void {
    if (samples.length === 0) return;
    for (const listener of this.#sampleListeners) {
      try {
        listener(samples);
      } catch (error) {
        this.#log(`ingest: a sample listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  #buffer(samples: readonly Sample[]): void {
    for (const sample of samples) this.#samples.push(sample);
    this.#bufferedSeq += samples.length;
    if (this.#samples.length > this.#maxBufferedSamples) this.#dropOldest();
    if (this.#samples.length >= this.#batchSamples && this.#failingSince === null) {
      // A flush in flight goes on while samples are left, so a full buffer needs no second one; nor
      // does one a group flush is about to take.
      if (this.#flushing === null && this.#groupFlush === null) void this.flush();
    }
    else this.#timer ??= setTimeout(this.#onTimer, this.#flushIntervalMs).unref();
  }

  /** Writes everything buffered now, in batches; resolves to the number of samples written. */
  flush(): Promise<number> {
    return this.#flush(this.#batchSamples);
  }

  #flush(appendSamples: number): Promise<number> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    // One flush at a time: a second caller waits for the one in flight, then flushes what came since.
    const previous = this.#flushing;
    const run = (async () => {
      if (previous) await previous;
      return this.#flushNow(appendSamples);
    })();
    this.#flushing = run;
    void run.finally(() => {
      if (this.#flushing === run) this.#flushing = null;
    });
    return run;
  }

  async #flushNow(appendSamples: number): Promise<number> {
    let written = 0;
    let failed = false;
    // Each store call in a turn of the event loop of its own: on SQLite a call is synchronous work (2,000
    // rows ~10 ms, 1,000 check results ~15 ms at 40,000 checks under load), and chained as microtasks
    // after the probe outcomes that filled the buffer they held the loop ~50 ms at a time.
    await nextTurn();
    while (this.#samples.length > 0) {
      // The batch stays at the front of the buffer while the store writes it (writes meanwhile queue
      // behind it) and leaves it once written.
      const batch = this.#samples.length <= appendSamples ? this.#samples.slice() : this.#samples.slice(0, appendSamples);
      this.#inFlight = batch.length;
      try {
        await this.#store.samples.append(batch);
      } catch (error) {
        failed = true;
        this.#inFlight = 0;
        this.#failed(`store.samples.append failed for a batch of ${batch.length} samples`, error);
        this.#onFlush?.(batch.length, true);
        break;
      }
      this.#samples.splice(0, this.#inFlight);
      this.#writtenSeq += this.#inFlight;
      this.#inFlight = 0;
      written += batch.length;
      this.#onFlush?.(batch.length, false);
      await nextTurn();
    }
    this.#writtenSamples += written;
    if (this.#results.size > 0) {
      const results = this.#results;
      this.#results = new Map();
      const all = [...results.values()];
      let recorded = 0;
      try {
        for (; recorded < all.length; recorded += RESULTS_PER_RECORD) {
          if (recorded > 0) await nextTurn();
          await this.#store.checks.record(all.slice(recorded, recorded + RESULTS_PER_RECORD));
        }
      } catch (error) {
        failed = true;
        // Put back what was not recorded and no newer result replaced meanwhile.
        for (const result of all.slice(recorded)) if (!this.#results.has(result.checkId)) this.#results.set(result.checkId, result);
        this.#failed(`store.checks.record failed for ${all.length - recorded} check results`, error);
      }
    }
    if (!failed && this.#failingSince !== null) {
      this.#log(`ingest: store writes work again after ${Math.round((this.#clock.now() - this.#failingSince) / 1000)}s`);
      this.#failingSince = null;
      this.#failureReason = '';
    }
    if (!this.#closed && (this.#samples.length > 0 || this.#results.size > 0)) {
      this.#timer ??= setTimeout(this.#onTimer, this.#flushIntervalMs).unref();
    }
    return written;
  }

  /** Flushes what is buffered and stops the timers; later writes are dropped and counted. */
  async close(): Promise<void> {
    clearInterval(this.#pruneTimer);
    this.#startGroupFlush?.();
    await this.flush();
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const left = this.#samples.length;
    if (left > 0 || this.#results.size > 0) {
      this.#log(`ingest: closing with ${left} samples and ${this.#results.size} check results unwritten (the store is failing)`);
    }
  }

  /** Since when store writes fail and the last reason (for /health/ready); null while they work. */
  failure(): { readonly since: number; readonly reason: string } | null {
    return this.#failingSince === null ? null : { since: this.#failingSince, reason: this.#failureReason };
  }

  stats(): IngestWriterStats {
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
    void this.flush();
  };

  #dropOldest(): void {
    const excess = this.#samples.length - this.#maxBufferedSamples;
    // The oldest go even while an append is writing them (it may still succeed, then they are stored
    // and counted dropped); the in-flight count shrinks so that a success removes only what is left of it.
    this.#samples.splice(0, excess);
    this.#writtenSeq += excess;
    this.#inFlight = Math.max(0, this.#inFlight - excess);
    this.#droppedSamples += excess;
    this.#droppedSinceLog += excess;
  }

  #failed(what: string, error: unknown): void {
    this.#failedFlushes++;
    const now = this.#clock.now();
    const first = this.#failingSince === null;
    this.#failingSince ??= now;
    const message = this.#secrets.scrub(error instanceof Error ? error.message : String(error));
    this.#failureReason = isDiskFullError(error) ? `the disk is full (${message})` : message;
    // A store that is down fails every 250 ms; say so when it starts, then every 10 s.
    if (!first && now - this.#lastFailureLogAt < FAILURE_LOG_EVERY_MS) return;
    this.#lastFailureLogAt = now;
    const reason = this.#failureReason;
    const dropped = this.#droppedSinceLog
      ? `; dropped the ${this.#droppedSinceLog} oldest samples since the last message (buffer holds at most ${this.#maxBufferedSamples})`
      : '';
    this.#droppedSinceLog = 0;
    this.#log(
      `ingest: ${what}: ${reason}; keeping ${this.#samples.length} samples and ${this.#results.size} check results for the next flush${dropped}`,
    );
  }
}
