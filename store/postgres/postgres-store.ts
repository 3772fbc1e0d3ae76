// The PostgreSQL engine of the Store contract: a pool of connections; each write is a transaction on
// one of them, each query one REPEATABLE READ snapshot, and `transaction(fn)` holds one connection
// from BEGIN to COMMIT. Several Vigils may share the database: rollups and migrations coordinate
// through advisory locks, and every call reads the rollup progress the database holds.
import { SerialQueue } from '../../lib/serial.js';
import type {
  CheckResult,
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
import { appendSamples, lockRollupsShared, newAppendContext } from './append.js';
import { lastCheckResults, recordCheckResults } from './checks.js';
import { commit, createPool, inTransaction, redactUrl, rollbackQuietly, urlSecrets, type Pool } from './connection.js';
import { enforceRetention } from './retention.js';
import { rolledUpTo, rollUpStep } from './rollups.js';
import { migrate } from './schema.js';
import { SeriesCatalog } from './series.js';
import { querySeries } from './snapshot.js';
import { encodeSeriesResult } from '../series-json.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  readonly maxConnections?: number;
  /** Where to report a pooled connection that broke while idle (default: stderr). */
  readonly log?: (message: string) => void;
}

/** Store on a PostgreSQL database. */
export class PostgresStore implements Store {
  readonly info: StoreInfo;
  readonly samples: SampleStore;
  readonly checks: CheckResultStore;
  readonly #pool: Pool;
  readonly #catalog = new SeriesCatalog();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(pool: Pool, location: string) {
    this.#pool = pool;
    this.info = { engine: 'postgres', location };
    this.samples = {
      append: (samples) => this.#run(() => this.#append(samples)),
      query: (query, limits) => this.#run(() => querySeries(pool, query, limits)),
      // Rows arrive on the main thread here: serialize a slice at a time between other work on the loop.
      queryJson: (query, limits) => this.#run(async () => encodeSeriesResult(await querySeries(pool, query, limits), yieldToLoop)),
      rollUp: (at, maxSeries) => this.#run(() => inTransaction(pool, (client) => rollUpStep(client, at, maxSeries))),
      rolledUpTo: () => this.#run(() => inTransaction(pool, rolledUpTo)),
      enforceRetention: (at, retention: Retention, batch = 5000) =>
        this.#run(() => inTransaction(pool, (client) => enforceRetention(client, at, retention, batch))),
    };
    this.checks = {
      record: (results) => this.#run(() => inTransaction(pool, (client) => recordCheckResults(client, results))),
      last: () => this.#run(() => inTransaction(pool, lastCheckResults)),
    };
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#run(async () => {
      const client = await this.#pool.connect();
      const context = newAppendContext();
      // Calls on `tx` run one at a time (they share one connection, and an append is several
      // statements). A call that failed fails the transaction even if `fn` caught its error: after a
      // failed statement PostgreSQL would roll back anyway, so the rule is the same wherever it failed.
      const queue = new SerialQueue();
      let failed: unknown = null;
      const call = <R>(task: () => Promise<R>): Promise<R> =>
        queue.run(task).catch((error: unknown) => {
          failed ??= error;
          throw error;
        });
      const tx: StoreTx = {
        samples: {
          append: (samples: readonly Sample[]) =>
            call(async () => {
              await lockRollupsShared(client, context, false);
              await appendSamples(client, this.#catalog, samples, context);
            }),
        },
        checks: {
          record: (results: readonly CheckResult[]) => call(() => recordCheckResults(client, results)),
          last: () => call(() => lastCheckResults(client)),
        },
      };
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        // A call `fn` started but did not await would otherwise run after COMMIT.
        await queue.run(() => undefined);
        if (failed !== null) throw new Error(`the transaction was rolled back: a call in it failed: ${(failed as Error).message}`, { cause: failed });
        await commit(client);
        this.#catalog.commit(context.pending);
        return result;
      } catch (error) {
        await queue.run(() => undefined);
        broken = !(await rollbackQuietly(client));
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }

  async isWritable(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      await this.#run(() =>
        this.#pool.query("INSERT INTO meta (key, value) VALUES ('writable_probe', 1) ON CONFLICT (key) DO UPDATE SET value = meta.value + 1"),
      );
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    await this.#pool.end();
  }

  async #append(samples: readonly Sample[]): Promise<void> {
    const context = newAppendContext();
    await inTransaction(this.#pool, async (client) => {
      await lockRollupsShared(client, context, true);
      await appendSamples(client, this.#catalog, samples, context);
    });
    // Only once committed: ids of a rolled-back batch must not be cached.
    this.#catalog.commit(context.pending);
  }

  /** Runs a call of the store, refused once closing began; `close` waits for those in flight. */
  #run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    const promise = task();
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

/**
 * Opens the store on the PostgreSQL database at `url` (`postgres://user:password@host:port/db`),
 * creating its tables or migrating them. Errors name the database without its password.
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const location = redactUrl(url);
  const secrets = urlSecrets(url);
  const log = opts.log ?? ((message: string) => console.error(message));
  const pool = createPool(url, {
    maxConnections: opts.maxConnections ?? 10,
    onIdleError: (error) => log(`store: a PostgreSQL connection to ${location} failed while idle: ${secrets.scrub(error.message)}`),
  });
  try {
    await migrate(pool, location);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw scrubbed(error, location, secrets);
  }
  return new PostgresStore(pool, location);
}

/** The error with the password scrubbed from its message, and the database named when it does not say. */
function scrubbed(error: unknown, location: string, secrets: ReturnType<typeof urlSecrets>): Error {
  if (!(error instanceof Error)) return new Error(`${location}: ${secrets.scrub(String(error))}`);
  error.message = secrets.scrub(error.message);
  if (error.message.includes(location)) return error;
  const wrapped = new Error(`${location}: ${error.message}`, { cause: error });
  wrapped.name = error.name;
  return wrapped;
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
