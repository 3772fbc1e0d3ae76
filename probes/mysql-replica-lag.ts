// Replication lag of a MySQL or MariaDB replica, read from `SHOW REPLICA STATUS` (MySQL 8.0.22+,
// MariaDB 10.5.1+) or `SHOW SLAVE STATUS` (older servers): seconds behind the source and whether the
// IO and SQL threads run. One connection per target is kept between runs and destroyed on an abort.
import { createHash } from 'node:crypto';
import mysql from 'mysql2';
import type { OutboundGuard } from '../lib/outbound-guard.js';
import { guardedStream } from './db/mysql.js';
import { z } from 'zod';
import { duration } from '../lib/duration.js';
import { Secret } from '../lib/secret.js';
import type { Probe, ProbeOutcome, ProbeSample } from './probe.js';
import { abortMessage, formatElapsed, networkErrorMessage } from './outcome-text.js';
import { startRunTimer } from './run-timer.js';

/** A `mysql://user:password@host:port/db` DSN, split so that the password is a Secret that prints as ***. */
export interface MysqlDsn {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: Secret;
  readonly database: string | null;
}

const dsnSchema = z
  .string()
  .transform((text, ctx): MysqlDsn => {
    // Never quote the DSN in a problem: it carries the password.
    const url = URL.canParse(text) ? new URL(text) : null;
    if (!url || (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') || !url.hostname) {
      ctx.addIssue({ code: 'custom', message: 'expected a DSN like mysql://user:password@host:3306/ (or mariadb://)' });
      return z.NEVER;
    }
    return {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username),
      password: new Secret(decodeURIComponent(url.password)),
      database: url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : null,
    };
  })
  .meta({ type: 'string', description: 'mysql://user:password@host:3306/ of the replica (password kept secret)' });

export const mysqlReplicaLagSchema = z.strictObject({
  dsn: dsnSchema,
  expect: z
    .strictObject({
      /** The check fails when the replica is this far behind its source or more. */
      lag_under: duration().optional(),
    })
    .default({}),
});

export type MysqlReplicaLagTarget = z.output<typeof mysqlReplicaLagSchema>;

/** One replication channel's state, from either spelling of the status columns. */
export interface ReplicaChannel {
  /** The channel (MySQL) or connection (MariaDB multi-source) name; '' for the default one. */
  readonly channel: string;
  readonly ioRunning: boolean;
  /** The IO thread's state as the server says it: Yes, No, Connecting. */
  readonly ioState: string;
  readonly sqlRunning: boolean;
  /** Null while the SQL thread is stopped or the IO thread not connected: the server does not know. */
  readonly lagSeconds: number | null;
  readonly lastIoError: string | null;
  readonly lastSqlError: string | null;
  readonly source: string;
}

type Row = Readonly<Record<string, unknown>>;

/** The first column of `names` the row has (MySQL 8.0.22+ renamed Master/Slave to Source/Replica). */
function column(row: Row, ...names: string[]): unknown {
  for (const name of names) if (name in row) return row[name];
  return undefined;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function errorText(message: unknown, errno: unknown): string | null {
  const shown = text(message).trim();
  if (!shown) return null;
  const number = Number(errno);
  return Number.isFinite(number) && number !== 0 ? `${shown} (errno ${number})` : shown;
}

/** Reads one row of SHOW REPLICA STATUS / SHOW SLAVE STATUS, MySQL or MariaDB spelling. */
export function readReplicaChannel(row: Row): ReplicaChannel {
  const ioState = text(column(row, 'Replica_IO_Running', 'Slave_IO_Running'));
  const lag = column(row, 'Seconds_Behind_Source', 'Seconds_Behind_Master');
  const host = text(column(row, 'Source_Host', 'Master_Host'));
  const port = text(column(row, 'Source_Port', 'Master_Port'));
  return {
    channel: text(column(row, 'Channel_Name', 'Connection_name')),
    ioRunning: ioState === 'Yes',
    ioState: ioState || 'unknown',
    sqlRunning: text(column(row, 'Replica_SQL_Running', 'Slave_SQL_Running')) === 'Yes',
    lagSeconds: lag === null || lag === undefined || text(lag) === '' ? null : Number(lag),
    lastIoError: errorText(row.Last_IO_Error, row.Last_IO_Errno),
    lastSqlError: errorText(row.Last_SQL_Error, row.Last_SQL_Errno),
    source: port ? `${host}:${port}` : host,
  };
}

/** What is wrong with one channel, or null when it replicates within `lagUnderMs`. */
export function channelProblem(channel: ReplicaChannel, lagUnderMs: number | undefined): string | null {
  const name = channel.channel ? `channel "${channel.channel}": ` : '';
  if (!channel.ioRunning) {
    const why = channel.lastIoError ? `: ${channel.lastIoError}` : '';
    const state = channel.ioState === 'No' ? 'stopped' : `not running (${channel.ioState})`;
    return `${name}replication IO thread from ${channel.source} is ${state}${why}`;
  }
  if (!channel.sqlRunning) {
    const why = channel.lastSqlError ? `: ${channel.lastSqlError}` : ' (no error recorded: stopped by hand?)';
    return `${name}replication SQL thread is stopped${why}`;
  }
  if (channel.lagSeconds === null) return `${name}the replica does not know its lag (Seconds_Behind_Source is NULL)`;
  if (lagUnderMs !== undefined && channel.lagSeconds * 1000 >= lagUnderMs) {
    return `${name}replica is ${formatElapsed(channel.lagSeconds * 1000)} behind ${channel.source}, expected under ${formatElapsed(lagUnderMs)}`;
  }
  return null;
}

/** The connection kept for one target between runs. */
class KeptConnection {
  idle: mysql.Connection | null = null;
  closed = false;
  /** Forgets `connection` if it is the one kept: the server closed it, or it broke. */
  forget(connection: mysql.Connection): void {
    if (this.idle === connection) this.idle = null;
  }
  close(): void {
    this.closed = true;
    this.idle?.destroy();
    this.idle = null;
  }
}

interface MysqlError {
  readonly code?: string;
  readonly errno?: number;
  readonly fatal?: boolean;
  readonly message?: string;
  readonly sqlMessage?: string;
}

const ACCESS_DENIED = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR']);
const NO_PRIVILEGE = new Set(['ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_SPECIFIC_ACCESS_DENIED']);

/** A readable sentence for a failed connect or query; never the DSN or the password. */
function failureMessage(error: MysqlError, dsn: MysqlDsn, phase: string): string {
  const where = `${dsn.host}:${dsn.port}`;
  const code = error.code ?? '';
  if (ACCESS_DENIED.has(code)) return `authentication failed for user "${dsn.user}" at ${where} (${code})`;
  if (NO_PRIVILEGE.has(code)) {
    return `user "${dsn.user}" may not read the replication status at ${where}: grant REPLICATION CLIENT (MySQL) or SLAVE MONITOR (MariaDB) (${code})`;
  }
  if (error.errno !== undefined && error.sqlMessage) return `${error.sqlMessage} (${code}) ${phase}`;
  return networkErrorMessage(error, dsn.host, dsn.port, phase);
}

/** The kept connection's key: a digest stands for the password, as a key may appear in an error. */
function keyOf(dsn: MysqlDsn): string {
  const digest = createHash('sha256').update(dsn.password.reveal()).digest('hex').slice(0, 16);
  return `mysql_replica_lag:${dsn.user}@${dsn.host}:${dsn.port}/${dsn.database ?? ''}#${digest}`;
}

/** The replica's lag and thread states; fails on lag over `lag_under`, a stopped thread, or a server that is not a replica. */
export const mysqlReplicaLagProbe: Probe<MysqlReplicaLagTarget> = {
  kind: 'mysql_replica_lag',
  schema: mysqlReplicaLagSchema,
  async run(target, signal, ctx): Promise<ProbeOutcome> {
    const { startedAt, seconds: elapsed } = startRunTimer();
    const { dsn } = target;
    const where = `${dsn.host}:${dsn.port}`;
    const failed = (error: string): ProbeOutcome => ({ success: false, error, durationSeconds: elapsed(), samples: [] });
    if (signal.aborted) return { ...failed(abortMessage(signal, `before connecting to ${where}`, startedAt)), durationSeconds: 0 };

    const kept = ctx.resource(keyOf(dsn), () => new KeptConnection());
    const reused = kept.idle;
    kept.idle = null;
    let phase = reused ? `while querying ${where}` : `while connecting to ${where}`;
    const connection = reused ?? openConnection(dsn, kept, ctx.outbound, () => (phase = `while querying ${where}`));
    // mysql2 drops the callbacks of a destroyed connection's commands: the abort itself ends the wait.
    let onAbort = (): void => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        connection.destroy();
        reject(signal.reason);
      };
    });
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const status = replicaStatus(connection);
      status.catch(() => {}); // settled by the abort instead, if at all
      const rows = await Promise.race([status, aborted]);
      if (!kept.closed && !signal.aborted) kept.idle = connection;
      else connection.destroy();
      return outcomeOf(rows, target, where, elapsed());
    } catch (error) {
      connection.destroy();
      if (signal.aborted) return failed(abortMessage(signal, phase, startedAt));
      return failed(failureMessage(error as MysqlError, dsn, phase));
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  },
};

function openConnection(dsn: MysqlDsn, kept: KeptConnection, guard: OutboundGuard, onConnected: () => void): mysql.Connection {
  const connection = mysql.createConnection({
    host: dsn.host,
    port: dsn.port,
    stream: guardedStream(guard),
    user: dsn.user,
    password: dsn.password.reveal(),
    database: dsn.database ?? undefined,
    // The run's signal bounds the connect; mysql2's own 10 s default would only end it later.
    connectTimeout: 3_600_000,
  });
  connection.once('connect', onConnected);
  // A kept connection the server closes while idle emits 'error'; the next run opens a new one.
  connection.on('error', () => {
    kept.forget(connection);
    connection.destroy();
  });
  connection.on('end', () => kept.forget(connection));
  return connection;
}

/** Rows of SHOW REPLICA STATUS, or of SHOW SLAVE STATUS on a server that does not know the new spelling. */
async function replicaStatus(connection: mysql.Connection): Promise<Row[]> {
  try {
    return await query(connection, 'SHOW REPLICA STATUS');
  } catch (error) {
    // ER_PARSE_ERROR: MySQL before 8.0.22, MariaDB before 10.5.1.
    if ((error as MysqlError).code !== 'ER_PARSE_ERROR') throw error;
    return query(connection, 'SHOW SLAVE STATUS');
  }
}

function query(connection: mysql.Connection, sql: string): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    connection.query(sql, (error, rows) => (error ? reject(error) : resolve(rows as Row[])));
  });
}

function outcomeOf(rows: readonly Row[], target: MysqlReplicaLagTarget, where: string, durationSeconds: number): ProbeOutcome {
  if (rows.length === 0) {
    return { success: false, error: `${where} is not a replica: SHOW REPLICA STATUS returned no rows`, durationSeconds, samples: [] };
  }
  const channels = rows.map(readReplicaChannel);
  const samples: ProbeSample[] = [];
  for (const channel of channels) {
    const labels = channel.channel ? { channel: channel.channel } : undefined;
    if (channel.lagSeconds !== null) samples.push({ name: 'replica_lag_seconds', labels, value: channel.lagSeconds });
    samples.push({ name: 'replica_io_running', labels, value: channel.ioRunning ? 1 : 0 });
    samples.push({ name: 'replica_sql_running', labels, value: channel.sqlRunning ? 1 : 0 });
  }
  const problems = channels.map((channel) => channelProblem(channel, target.expect.lag_under)).filter((p) => p !== null);
  const detail = channels
    .map((c) => `${c.channel ? `${c.channel}: ` : ''}source ${c.source}, ${c.lagSeconds === null ? 'lag unknown' : `${c.lagSeconds}s behind`}`)
    .join('; ');
  return { success: problems.length === 0, error: problems.length ? problems.join('; ') : null, durationSeconds, samples, detail };
}
