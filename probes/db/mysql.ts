// MySQL and MariaDB clients for the probes (mysql2), one pool per DSN in the probe context, and the
// readable texts of what goes wrong: refused, timed out, access denied, database missing, query errors.
import net from 'node:net';
import mysql from 'mysql2';
import type { OutboundGuard } from '../../lib/outbound-guard.js';
import type { ProbeContext } from '../context.js';
import { abortMessage, networkErrorMessage } from '../outcome-text.js';
import { ClientPool, ClientRunError, type ClientDriver } from './client-pool.js';
import { poolKey, type DsnEndpoint } from './dsn.js';

/** What the pool keeps per connection beside the connection itself. */
export interface MysqlClient {
  readonly connection: mysql.Connection;
  broken: boolean;
  /** MariaDB or MySQL, read once per connection: their statement-timeout settings differ. */
  flavor: 'mariadb' | 'mysql' | null;
}

function socketOf(connection: mysql.Connection): { destroy(): void } | undefined {
  return (connection as unknown as { stream?: { destroy(): void } }).stream;
}

/**
 * mysql2's socket factory through the guard, so the address connected to is the one checked (TLS is
 * negotiated over it as usual); a Unix socket path is not an address and is connected as mysql2 would.
 */
export function guardedStream(guard: OutboundGuard): (opts: { config: { host?: string; port?: number; socketPath?: string } }) => net.Socket {
  return ({ config }) => (config.socketPath ? net.connect(config.socketPath) : guard.connect({ host: config.host ?? 'localhost', port: config.port ?? 3306 }));
}

function mysqlDriver(dsn: string, guard: OutboundGuard): ClientDriver<MysqlClient> {
  return {
    open() {
      // connectTimeout 0: no timer of the driver's own, the run's signal bounds the connect.
      const connection = mysql.createConnection({ uri: dsn, connectTimeout: 0, supportBigNumbers: true, bigNumberStrings: false, stream: guardedStream(guard) });
      const held: MysqlClient = { connection, broken: false, flavor: null };
      connection.on('error', () => {
        held.broken = true;
      });
      connection.on('end', () => {
        held.broken = true;
      });
      const ready = new Promise<void>((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
      return { client: held, ready };
    },
    destroy(held) {
      held.broken = true;
      held.connection.destroy();
      socketOf(held.connection)?.destroy();
    },
    end(held) {
      held.broken = true;
      return new Promise<void>((resolve) => held.connection.end(() => resolve()));
    },
    isBroken: (held) => held.broken,
    isConnectionError: (error) => {
      const err = error as { code?: unknown; fatal?: unknown };
      return err?.fatal === true || err?.code === 'PROTOCOL_CONNECTION_LOST' || (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code));
    },
  };
}

/** The context's pool for a MySQL/MariaDB DSN. */
export function mysqlPool(ctx: ProbeContext, dsn: string): ClientPool<MysqlClient> {
  return ctx.resource(poolKey('mysql', dsn), () => new ClientPool(mysqlDriver(dsn, ctx.outbound)));
}

/** Rows (or an OK packet) and column names of one statement. */
export interface MysqlResult {
  readonly rows: unknown;
  readonly columns: readonly string[];
}

/** Runs one statement (mysql2 refuses several in one text unless asked, which the probes never do). */
export function mysqlQuery(held: MysqlClient, sql: string): Promise<MysqlResult> {
  return new Promise<MysqlResult>((resolve, reject) => {
    held.connection.query(sql, (error, rows, fields) => {
      if (error) return reject(error);
      resolve({ rows, columns: Array.isArray(fields) ? fields.map((field) => field.name) : [] });
    });
  });
}

/** MariaDB or MySQL, from the server's version (queried once per connection). */
export async function mysqlFlavor(held: MysqlClient): Promise<'mariadb' | 'mysql'> {
  if (held.flavor === null) {
    const { rows } = await mysqlQuery(held, 'SELECT VERSION() AS version');
    const version = String((rows as Array<{ version?: unknown }>)[0]?.version ?? '');
    held.flavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  }
  return held.flavor;
}

const AUTH_CODES = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR']);
const TIMEOUT_CODES = new Set(['ER_QUERY_TIMEOUT', 'ER_STATEMENT_TIMEOUT', 'ER_QUERY_INTERRUPTED']);

/** A readable sentence for a failed run against MySQL/MariaDB at `endpoint`; built without the DSN. */
export function mysqlFailureMessage(error: unknown, endpoint: DsnEndpoint, signal: AbortSignal, startedAt: number): string {
  const { where } = endpoint;
  const stage = error instanceof ClientRunError ? error.stage : 'query';
  const phase = stage === 'connect' ? `while connecting to ${where}` : `while querying ${where}`;
  if (error instanceof ClientRunError && error.aborted) return abortMessage(signal, phase, startedAt);
  const cause = error instanceof ClientRunError ? error.cause : error;
  const err = cause as { code?: string; errno?: number; message?: string };
  const code = typeof err?.code === 'string' ? err.code : '';
  const message = cause instanceof Error ? cause.message : String(cause);
  if (AUTH_CODES.has(code)) return `authentication failed at ${where}: ${message} (${code})`;
  if (code === 'ER_BAD_DB_ERROR') return `database missing at ${where}: ${message} (${code})`;
  if (TIMEOUT_CODES.has(code) || err?.errno === 1969 || err?.errno === 3024) return `query cancelled at ${where}: ${message} (${code || err?.errno})`;
  if (code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION') {
    return `the query tried to write, refused by the read-only transaction at ${where}: ${message} (${code})`;
  }
  if (code === 'PROTOCOL_CONNECTION_LOST') return `connection closed by ${where} ${phase}`;
  if (/^E[A-Z]+$/.test(code)) return networkErrorMessage(cause, endpoint.host, endpoint.port, phase);
  return code ? `${stage === 'connect' ? 'connecting' : 'query'} failed at ${where}: ${message} (${code})` : `${message} ${phase}`;
}
