import type { ProbeContext } from '../context.js';
import type { DsnEndpoint } from '../db/dsn.js';

/** Rows and column names of the sql probe's query. */
export interface SqlResult {
  readonly rows: readonly Record<string, unknown>[];
  readonly columns: readonly string[];
}

/** One database engine of the sql probe. */
export interface SqlBackend {
  /** Runs `query` read-only under a statement timeout; throws a ClientRunError (abort included). */
  run(dsn: string, query: string, statementTimeoutMs: number, signal: AbortSignal, ctx: ProbeContext): Promise<SqlResult>;
  /** The readable sentence of what `run` threw, built without the DSN. */
  failureMessage(error: unknown, endpoint: DsnEndpoint, signal: AbortSignal, startedAt: number): string;
}
