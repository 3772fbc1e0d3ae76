// A small pool of database clients per target, kept in the probe context: a run takes an idle client
// (or opens one), and an abort destroys the client it holds, whether it is still connecting or waiting
// for a query, so a server that accepts and never answers costs one socket for one run, never more.
// pg.Pool and mysql2's pool cannot do that: their acquire has no way to be abandoned mid-connect.

/** How a pool opens and closes one kind of client. */
export interface ClientDriver<C> {
  /** Starts connecting; `ready` settles once the client can run queries. */
  open(): { readonly client: C; readonly ready: Promise<void> };
  /** Ends a client at once, mid-connect or mid-query (destroys its socket). */
  destroy(client: C): void;
  /** Ends an idle client politely. */
  end(client: C): Promise<void>;
  /** True once an idle client's connection broke (the server restarted or closed it). */
  isBroken(client: C): boolean;
  /** True for an error that says the connection itself failed (worth one retry on a fresh client). */
  isConnectionError(error: unknown): boolean;
}

/** Where a run was when it failed: opening the connection, or using it. */
export type RunStage = 'connect' | 'query';

/** A run that failed or was aborted, with its stage; `cause` is the driver's error or the abort reason. */
export class ClientRunError extends Error {
  constructor(
    readonly stage: RunStage,
    readonly aborted: boolean,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** Idle clients kept per target: a check runs one query at a time, two covers an overlap with another check. */
const MAX_IDLE = 2;

/** The clients of one target. */
export class ClientPool<C> {
  readonly #driver: ClientDriver<C>;
  readonly #idle: C[] = [];
  readonly #busy = new Set<C>();
  #closed = false;

  constructor(driver: ClientDriver<C>) {
    this.#driver = driver;
  }

  /**
   * Runs `work` with a client. Throws a ClientRunError when connecting or `work` fails, or when `signal`
   * aborts (the client is then destroyed); opens nothing when `signal` is already aborted. A reused
   * idle client whose connection turns out dead is replaced once by a fresh one.
   */
  async use<T>(signal: AbortSignal, work: (client: C) => Promise<T>): Promise<T> {
    try {
      return await this.#useOnce(signal, work, true);
    } catch (error) {
      if (error instanceof ClientRunError && error.stage === 'query' && !error.aborted && (error as StaleError).stale) {
        return this.#useOnce(signal, work, false);
      }
      throw error;
    }
  }

  #useOnce<T>(signal: AbortSignal, work: (client: C) => Promise<T>, mayReuse: boolean): Promise<T> {
    if (signal.aborted) return Promise.reject(new ClientRunError('connect', true, signal.reason));
    if (this.#closed) return Promise.reject(new ClientRunError('connect', false, new Error('the probe context is closed')));
    return new Promise<T>((resolve, reject) => {
      let stage: RunStage = 'connect';
      let client: C | null = null;
      let reused = false;
      let settled = false;
      const settle = (error: ClientRunError | null, value?: T): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value as T);
      };
      const drop = (): void => {
        if (client === null) return;
        this.#busy.delete(client);
        this.#driver.destroy(client);
      };
      const onAbort = (): void => {
        drop();
        settle(new ClientRunError(stage, true, signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const run = async (): Promise<T> => {
        client = mayReuse ? this.#takeIdle() : null;
        if (client !== null) {
          reused = true;
          this.#busy.add(client);
        } else {
          const opened = this.#driver.open();
          client = opened.client;
          this.#busy.add(client);
          await opened.ready;
        }
        stage = 'query';
        return work(client);
      };
      run().then(
        (value) => {
          if (settled) return;
          this.#release(client as C);
          settle(null, value);
        },
        (error: unknown) => {
          if (settled) return;
          drop();
          const failure = new ClientRunError(stage, false, error) as StaleError;
          failure.stale = reused && this.#driver.isConnectionError(error);
          settle(failure);
        },
      );
    });
  }

  #takeIdle(): C | null {
    for (;;) {
      const client = this.#idle.pop();
      if (client === undefined) return null;
      if (!this.#driver.isBroken(client)) return client;
      this.#driver.destroy(client);
    }
  }

  #release(client: C): void {
    this.#busy.delete(client);
    if (this.#closed || this.#idle.length >= MAX_IDLE || this.#driver.isBroken(client)) {
      void this.#driver.end(client).catch(() => this.#driver.destroy(client));
      return;
    }
    this.#idle.push(client);
  }

  /** Ends idle clients and destroys busy ones; runs after this fail at once. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const client of this.#busy) this.#driver.destroy(client);
    this.#busy.clear();
    const idle = this.#idle.splice(0);
    await Promise.allSettled(idle.map((client) => this.#driver.end(client).catch(() => this.#driver.destroy(client))));
  }
}

type StaleError = ClientRunError & { stale?: boolean };
