// The SQLite engine of the Store contract: one writer connection behind a serial queue (so an async
// transaction has it to itself), and series queries in reader threads on the same WAL file so a heavy
// read never blocks the event loop that runs the probes.
import { availableParallelism } from 'node:os';
import { SerialQueue } from '../../lib/serial.js';
import { runSeriesQuery } from '../query.js';
import { encodeSeriesResult } from '../series-json.js';
import type {
  CheckResult,
  EncodedSeriesQueryResult,
  CheckResultStore,
  QueryLimits,
  Retention,
  Sample,
  SampleStore,
  SeriesQuery,
  SeriesQueryResult,
  Store,
  StoreInfo,
  StoreTx,
} from '../types.js';
import { SqliteCore } from './core.js';
import { openDatabase } from './db.js';
import { ReaderPool } from './reader-pool.js';

export interface SqliteStoreOptions {
  /**
   * Reader threads for series queries; 0 answers them on the writer connection in this thread (what
   * an in-memory database must do). Default: one less than the cores, at most 2, at least 1, so that
   * heavy queries leave a core to the thread that runs the probes.
   */
  readonly readers?: number;
}

/** Store on one SQLite file (WAL). */
export class SqliteStore implements Store {
  readonly info: StoreInfo;
  readonly samples: SampleStore;
  readonly checks: CheckResultStore;
  readonly #core: SqliteCore;
  readonly #writer = new SerialQueue();
  readonly #readers: ReaderPool | null;
  #closed = false;

  constructor(core: SqliteCore, readers: ReaderPool | null, location: string) {
    this.#core = core;
    this.#readers = readers;
    this.info = { engine: 'sqlite', location };
    const tx = this.#txView();
    this.samples = {
      append: (samples) => this.#write(() => core.inTransaction(() => core.appendRows(samples))),
      query: (query, limits) => this.#query(query, limits),
      queryJson: (query, limits) => this.#queryJson(query, limits),
      rollUp: (at, maxSeries) => this.#write(() => core.rollUp(at, maxSeries)),
      rolledUpTo: () => this.#write(() => core.rolledUpTo),
      enforceRetention: (at, retention, batch = 5000) => this.#write(() => core.enforceRetention(at, retention, batch)),
    };
    this.checks = {
      record: (results) => this.#write(() => core.inTransaction(() => core.recordRows(results))),
      last: () => this.#write(() => core.lastCheckResults()),
    };
    this.#tx = tx;
  }

  readonly #tx: StoreTx;

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#write(async () => {
      this.#core.begin();
      try {
        const result = await fn(this.#tx);
        this.#core.commit();
        return result;
      } catch (error) {
        this.#core.rollback();
        throw error;
      }
    });
  }

  isWritable(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return this.#write(() => this.#core.isWritable());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#readers?.close();
    await this.#writer.run(() => {
      if (this.#core.db.open) this.#core.db.close();
    });
  }

  /** The writer connection's methods as a transaction uses them: no queue (the transaction holds it). */
  #txView(): StoreTx {
    const core = this.#core;
    const now = <T>(fn: () => T): Promise<T> => {
      try {
        return Promise.resolve(fn());
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return {
      samples: { append: (samples: readonly Sample[]) => now(() => core.appendRows(samples)) },
      checks: {
        record: (results: readonly CheckResult[]) => now(() => core.recordRows(results)),
        last: () => now(() => core.lastCheckResults()),
      },
    };
  }

  #write<T>(task: () => T | Promise<T>): Promise<T> {
    if (this.#closed && this.#core.db.open === false) return Promise.reject(new Error('the store is closed'));
    return this.#writer.run(task);
  }

  #queryJson(query: SeriesQuery, limits?: QueryLimits): Promise<EncodedSeriesQueryResult> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    if (this.#readers) return this.#readers.queryJson(query, limits);
    return this.#write(async () => encodeSeriesResult(await runSeriesQuery(this.#core.snapshot(), query, limits)));
  }

  #query(query: SeriesQuery, limits?: QueryLimits): Promise<SeriesQueryResult> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    if (this.#readers) return this.#readers.query(query, limits);
    // No reader threads: answer on the writer connection, between its writes.
    return this.#write(() => runSeriesQuery(this.#core.snapshot(), query, limits));
  }
}

/** Opens (creating and migrating if needed) the store at `path`; ':memory:' for a throwaway store. */
export async function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const db = openDatabase(path);
  let core: SqliteCore;
  try {
    core = new SqliteCore(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const inMemory = path === ':memory:' || path === '';
  const readerCount = inMemory ? 0 : (opts.readers ?? Math.max(1, Math.min(2, availableParallelism() - 1)));
  let readers: ReaderPool | null = null;
  if (readerCount > 0) {
    try {
      readers = await ReaderPool.start(db.name, readerCount);
    } catch (error) {
      db.close();
      throw error;
    }
  }
  return new SqliteStore(core, readers, inMemory ? ':memory:' : db.name);
}
