// COPY … FROM STDIN with the plain `pg` client: a query object the client runs like its own (the
// "submittable" protocol pg-copy-streams uses too), sending one prepared payload. Appends use it
// because it measured fastest (see append.ts), and a payload built in memory needs no stream.
import type pg from 'pg';

type Connection = pg.Connection & {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
};

/** One COPY FROM STDIN statement and its whole payload; `done` settles with the rows copied. */
class CopyIn implements pg.Submittable {
  readonly done: Promise<number>;
  #resolve!: (rows: number) => void;
  #reject!: (error: Error) => void;
  #rows = 0;
  #error: Error | null = null;

  constructor(
    private readonly text: string,
    private readonly payload: Buffer,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  submit(connection: pg.Connection): void {
    (connection as Connection).query(this.text);
  }

  handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFromChunk(this.payload);
    connection.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    this.#rows = Number(/\d+$/.exec(message.text ?? '')?.[0] ?? 0);
  }

  // The client calls this once PostgreSQL is ready for the next statement; after an error it calls
  // handleError alone, so the promise settles there.
  handleReadyForQuery(): void {
    if (this.#error === null) this.#resolve(this.#rows);
  }

  handleError(error: Error): void {
    this.#error = error;
    this.#reject(error);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}
}

/** Runs `COPY … FROM STDIN` (text format) on `client` with `payload`; resolves with the rows copied. */
export function copyIn(client: pg.PoolClient, statement: string, payload: Buffer): Promise<number> {
  const copy = new CopyIn(statement, payload);
  client.query(copy);
  return copy.done;
}
