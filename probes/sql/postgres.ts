// The sql probe on PostgreSQL: the query runs as the one statement of a READ ONLY transaction with a
// statement_timeout, always rolled back.
import type { ProbeContext } from '../context.js';
import { pgFailureMessage, pgPool, pgQuery } from '../db/postgres.js';
import type { SqlBackend } from './backend.js';

/** PostgreSQL through node-postgres; the extended protocol refuses a query text holding two statements. */
export const postgresSqlBackend: SqlBackend = {
  run(dsn: string, query: string, statementTimeoutMs: number, signal: AbortSignal, ctx: ProbeContext) {
    return pgPool(ctx, dsn).use(signal, async (held) => {
      // Our own text, so the simple protocol may carry both statements in one round trip.
      await held.client.query(`BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = ${Math.max(1, Math.round(statementTimeoutMs))}`);
      let result;
      try {
        result = await pgQuery(held, query);
      } catch (error) {
        await held.client.query('ROLLBACK').catch(() => {});
        throw error;
      }
      await held.client.query('ROLLBACK');
      return { rows: result.rows ?? [], columns: (result.fields ?? []).map((field) => field.name) };
    });
  },
  failureMessage: pgFailureMessage,
};
