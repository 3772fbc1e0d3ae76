// Reader threads for series queries on a SQLite file: a query of millions of rows runs there, while
// the main thread keeps running probes and answering /health.
import { Worker } from 'node:worker_threads';
import { QueryTooLargeError } from '../../lib/errors.js';
import { besideModule, startWorker } from '../../lib/source-worker.js';
import type { EncodedSeriesQueryResult, QueryLimits, SeriesQuery, SeriesQueryResult } from '../types.js';

/** A query sent to a reader thread; `json`: answer with the result serialized (EncodedSeriesQueryResult). */
export interface ReaderRequest {
  readonly id: number;
  readonly query: SeriesQuery;
  readonly limits: QueryLimits | undefined;
  readonly json: boolean;
}

/** A reader thread's answer: the result, or the error's name and message (rebuilt as the same class). */
export type ReaderResponse =
  | { readonly id: number; readonly ok: true; readonly result: SeriesQueryResult | EncodedSeriesQueryResult }
  | { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string } };

interface Pending {
  readonly resolve: (result: SeriesQueryResult | EncodedSeriesQueryResult) => void;
  readonly reject: (error: Error) => void;
}

interface Reader {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** The thread exited; a replacement is starting. */
  dead: boolean;
}

// Under the test runner this module is TypeScript source, and the thread starts from the worker's
// sources (lib/source-worker.ts); the built server runs the compiled .js.
const WORKER_URL = besideModule(import.meta.url, 'reader-worker');
const CHECKPOINT_URL = besideModule(import.meta.url, 'checkpoint-worker');

function newWorker(file: string, url = WORKER_URL): Promise<Worker> {
  return startWorker(url, { workerData: { file } });
}

/**
 * A fixed set of reader threads, each query to the one with the fewest queries in flight, and the WAL
 * checkpointer thread (checkpoint-worker.ts).
 */
export class ReaderPool {
  readonly #readers: Reader[];
  #checkpointer: Worker;
  #nextId = 1;
  #closed = false;

  private constructor(
    readonly file: string,
    readers: Reader[],
    checkpointer: Worker,
  ) {
    this.#readers = readers;
    this.#checkpointer = checkpointer;
    this.#watchCheckpointer();
  }

  /** Starts `count` reader threads and the checkpointer on `file` and waits until each has opened it. */
  static async start(file: string, count: number): Promise<ReaderPool> {
    const started = await Promise.allSettled([...Array.from({ length: count }, () => spawnReader(file)), spawnReader(file, CHECKPOINT_URL)]);
    const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(threads.map((thread) => thread.worker.terminate()));
      throw failed.reason;
    }
    const checkpointer = threads.pop()!.worker;
    const pool = new ReaderPool(file, threads, checkpointer);
    for (const reader of threads) pool.#listen(reader);
    return pool;
  }

  query(query: SeriesQuery, limits?: QueryLimits): Promise<SeriesQueryResult> {
    return this.#ask(query, limits, false) as Promise<SeriesQueryResult>;
  }

  /**
   * The answer serialized in the reader thread, its bytes transferred, not copied: a 400,000-point
   * result cloned to this thread and stringified here held the event loop ~500 ms.
   */
  queryJson(query: SeriesQuery, limits?: QueryLimits): Promise<EncodedSeriesQueryResult> {
    return this.#ask(query, limits, true) as Promise<EncodedSeriesQueryResult>;
  }

  #ask(query: SeriesQuery, limits: QueryLimits | undefined, json: boolean): Promise<SeriesQueryResult | EncodedSeriesQueryResult> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    let reader: Reader | null = null;
    for (const candidate of this.#readers) {
      if (!candidate.dead && (reader === null || candidate.pending.size < reader.pending.size)) reader = candidate;
    }
    if (reader === null) return Promise.reject(new Error('the store reader threads are restarting; try again'));
    const chosen = reader;
    const id = this.#nextId++;
    return new Promise<SeriesQueryResult | EncodedSeriesQueryResult>((resolve, reject) => {
      chosen.pending.set(id, { resolve, reject });
      const request: ReaderRequest = { id, query, limits, json };
      chosen.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#readers.map((reader) => reader.worker.terminate()), this.#checkpointer.terminate()]);
  }

  /** A checkpointer that dies is started again; meanwhile the writer's own checkpoint is the backstop. */
  #watchCheckpointer(): void {
    const current = this.#checkpointer;
    // An uncaught error in the thread: said here (it exits next), never thrown into the main thread.
    current.on('error', (error) => console.error(`store: the WAL checkpointer thread failed: ${error.message}`));
    current.once('exit', (code) => {
      if (this.#closed || this.#checkpointer !== current) return;
      console.error(`store: the WAL checkpointer thread exited with code ${code}; starting another`);
      spawnReader(this.file, CHECKPOINT_URL).then(
        (fresh) => {
          if (this.#closed) return void fresh.worker.terminate();
          this.#checkpointer = fresh.worker;
          this.#watchCheckpointer();
        },
        (error: unknown) => console.error(`store: cannot restart the WAL checkpointer thread: ${error instanceof Error ? error.message : String(error)}`),
      );
    });
  }

  /** A reader thread died (a bug, or out of memory): start another in its place; queries go to the others meanwhile. */
  #replace(dead: Reader): void {
    const index = this.#readers.indexOf(dead);
    if (index === -1) return;
    if (this.#readers.length > 1) this.#readers.splice(index, 1);
    spawnReader(this.file).then(
      (fresh) => {
        if (this.#closed) return void fresh.worker.terminate();
        this.#listen(fresh);
        const at = this.#readers.indexOf(dead);
        if (at === -1) this.#readers.push(fresh);
        else this.#readers[at] = fresh;
      },
      (error: unknown) => console.error(`store: cannot restart a reader thread: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  #listen(reader: Reader): void {
    reader.worker.on('message', (response: ReaderResponse) => {
      const pending = reader.pending.get(response.id);
      if (!pending) return;
      reader.pending.delete(response.id);
      if (response.ok) pending.resolve(response.result);
      else pending.reject(rebuildError(response.error));
    });
    const failAll = (error: Error) => {
      for (const pending of reader.pending.values()) pending.reject(error);
      reader.pending.clear();
    };
    reader.worker.on('error', (error) => failAll(new Error(`store reader thread failed: ${error.message}`)));
    reader.worker.on('exit', (code) => {
      reader.dead = true;
      if (this.#closed) return;
      failAll(new Error(`store reader thread exited with code ${code}`));
      this.#replace(reader);
    });
  }
}

/** A thread of `url` on `file`, once it says it has opened it. */
async function spawnReader(file: string, url = WORKER_URL): Promise<Reader> {
  const worker = await newWorker(file, url);
  let onMessage = (): void => {};
  let onError = (_error: Error): void => {};
  let onExit = (_code: number): void => {};
  try {
    await new Promise<void>((resolve, reject) => {
      onMessage = () => resolve();
      onError = reject;
      onExit = (code) => reject(new Error(`store reader thread exited with code ${code} while opening ${file}`));
      worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    });
  } catch (error) {
    await worker.terminate();
    throw error;
  } finally {
    // Only these: removeAllListeners() would also drop the worker's own, and its messages with them.
    worker.off('message', onMessage).off('error', onError).off('exit', onExit);
  }
  return { worker, pending: new Map(), dead: false };
}

function rebuildError(error: { name: string; message: string }): Error {
  if (error.name === 'QueryTooLargeError') return new QueryTooLargeError(error.message);
  if (error.name === 'RangeError') return new RangeError(error.message);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}
