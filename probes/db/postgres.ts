// PostgreSQL clients for the probes (node-postgres), one pool per DSN in the probe context, and the
// readable texts of what goes wrong: refused, timed out, authentication, database missing, query errors.
import pg from 'pg';
import type { ProbeContext } from '../context.js';
import type { OutboundGuard } from '../../lib/outbound-guard.js';
import { abortMessage, networkErrorMessage } from '../outcome-text.js';
import { ClientPool, ClientRunError, type ClientDriver } from './client-pool.js';
import { poolKey, type DsnEndpoint } from './dsn.js';

/** What the pool keeps per client beside the client itself. */
export interface PgClient {
  readonly client: pg.Client;
  broken: boolean;
}

/** The socket under a pg.Client, which its types do not show. */
function socketOf(client: pg.Client): { destroy(): void } | undefined {
  return (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
}

function pgDriver(dsn: string, guard: OutboundGuard): ClientDriver<PgClient> {
  return {
    open() {
      // No connect or query timeout of the driver's own: the run's signal bounds both. The socket is the
      // guard's, so the address pg connects to is the one checked (TLS is negotiated over it as usual).
      const client = new pg.Client({ connectionString: dsn, application_name: 'vigil', stream: () => guard.socket() });
      const held: PgClient = { client, broken: false };
      // An idle client's socket error is emitted here; without a listener it would crash the process.
      client.on('error', () => {
        held.broken = true;
      });
      client.on('end', () => {
        held.broken = true;
      });
      return { client: held, ready: client.connect().then(() => undefined) };
    },
    destroy(held) {
      held.broken = true;
      socketOf(held.client)?.destroy();
      void held.client.end().catch(() => {});
    },
    async end(held) {
      held.broken = true;
      await held.client.end();
    },
    isBroken: (held) => held.broken,
    isConnectionError: (error) => {
      const code = (error as { code?: unknown })?.code;
      if (typeof code === 'string' && /^(E[A-Z]+|57P0[1-3]|08\d\d\d)$/.test(code)) return true;
      return error instanceof Error && /Connection terminated|not queryable|Client has encountered a connection error/i.test(error.message);
    },
  };
}

/** The context's pool for a PostgreSQL DSN (shared by every check on the same DSN). */
export function pgPool(ctx: ProbeContext, dsn: string): ClientPool<PgClient> {
  return ctx.resource(poolKey('postgres', dsn), () => new ClientPool(pgDriver(dsn, ctx.outbound)));
}

/** Runs one statement with the extended protocol, which refuses a text holding several statements. */
export async function pgQuery<Row extends Record<string, unknown> = Record<string, unknown>>(
  held: PgClient,
  text: string,
): Promise<pg.QueryResult<Row>> {
  return held.client.query<Row>({ text, queryMode: 'extended' } as pg.QueryConfig);
}

const AUTH_CODES = new Set(['28P01', '28000']);

/**
 * A readable sentence for a failed run against PostgreSQL at `endpoint`: the abort (timeout) with the
 * stage, a network error, authentication, a missing database, a cancelled statement, or the server's
 * message with its SQLSTATE. Built from the endpoint, never from the DSN.
 */
export function pgFailureMessage(error: unknown, endpoint: DsnEndpoint, signal: AbortSignal, startedAt: number): string {
  const { where } = endpoint;
  const stage = error instanceof ClientRunError ? error.stage : 'query';
  const phase = stage === 'connect' ? `while connecting to ${where}` : `while querying ${where}`;
  if (error instanceof ClientRunError && error.aborted) return abortMessage(signal, phase, startedAt);
  const cause = error instanceof ClientRunError ? error.cause : error;
  const err = cause as { code?: string; message?: string };
  const code = typeof err?.code === 'string' ? err.code : '';
  const message = cause instanceof Error ? cause.message : String(cause);
  if (AUTH_CODES.has(code)) return `authentication failed at ${where}: ${message} (${code})`;
  if (code === '3D000') return `database missing at ${where}: ${message} (3D000)`;
  if (code === '57014') return `query cancelled at ${where}: ${message} (57014)`;
  if (code === '25006') return `the query tried to write, refused by the read-only transaction at ${where}: ${message} (25006)`;
  if (/client password must be a string|password authentication/i.test(message)) {
    return `authentication failed at ${where}: the server asks for a password and the DSN has none`;
  }
  if (/^Connection terminated/i.test(message)) return `connection closed by ${where} ${phase}`;
  if (/^E[A-Z]+$/.test(code)) return networkErrorMessage(cause, endpoint.host, endpoint.port, phase);
  return code ? `${stage === 'connect' ? 'connecting' : 'query'} failed at ${where}: ${message} (${code})` : `${message} ${phase}`;
}
