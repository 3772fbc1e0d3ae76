// Connecting to PostgreSQL: the pool (with the type parsers the store reads rows with), the location
// shown in logs and errors (never the password), and the advisory lock keys the store takes.
import pg from 'pg';
import { SecretValues } from '../../lib/secret.js';

/** The pg client's types, narrowed to what the store needs. */
export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** Key space of Vigil's advisory locks (`'vigi'` as an int4); the second key says which lock. */
const LOCK_SPACE = 0x76696769;
/** Held (session level) while migrating, so two Vigils starting at once do not both migrate. */
export const MIGRATION_LOCK = `${LOCK_SPACE}, 1`;
/**
 * Rollups take it exclusively per step (transaction level) and appends shared: an append then reads
 * the rollup progress that holds until it commits, so a sample landing in a minute a rollup step has
 * folded (or is folding) is always marked dirty, whichever process or connection wrote it.
 */
export const ROLLUP_LOCK = `${LOCK_SPACE}, 2`;

const INT8_OID = 20;

// bigint columns (times in ms, counts) as numbers: every value the store writes is a safe integer.
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** True for a location the PostgreSQL engine serves: a `postgres://` or `postgresql://` URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL without its password (in the userinfo or a `password` parameter), for logs, errors and `info`. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/^(\w+:\/\/[^:/@]*):[^@/]*@/, '$1@');
  }
  parsed.password = '';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}

/** The password of the URL, for scrubbing any text that could quote it. */
export function urlSecrets(url: string): SecretValues {
  const values: string[] = [];
  try {
    const parsed = new URL(url);
    if (parsed.password) values.push(decodeURIComponent(parsed.password), parsed.password);
    const param = parsed.searchParams.get('password');
    if (param) values.push(param);
  } catch {
    const match = /^\w+:\/\/[^:/@]*:([^@/]*)@/.exec(url);
    if (match?.[1]) values.push(match[1]);
  }
  return new SecretValues(values);
}

export interface PoolOptions {
  readonly maxConnections: number;
  readonly onIdleError: (error: Error) => void;
}

/** A pool on `url`; connections are opened on first use. */
export function createPool(url: string, opts: PoolOptions): Pool {
  const pool = new pg.Pool({ connectionString: url, max: opts.maxConnections, types: TYPES, application_name: 'vigil' });
  // An idle connection that breaks (a server restart) is dropped by the pool; without a listener the
  // 'error' event would end the process.
  pool.on('error', opts.onIdleError);
  return pool;
}

/** Runs `fn` on one pooled connection inside BEGIN … COMMIT (ROLLBACK and rethrow when it throws). */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await commit(client);
    return result;
  } catch (error) {
    broken = !(await rollbackQuietly(client));
    throw error;
  } finally {
    // A connection that cannot even roll back is closed, not handed to the next caller.
    client.release(broken);
  }
}

/** COMMIT, failing when PostgreSQL rolled back instead (a statement in the transaction had failed). */
export async function commit(client: PoolClient): Promise<void> {
  const result = await client.query('COMMIT');
  if (result.command === 'ROLLBACK') throw new Error('the transaction was rolled back: a statement in it failed');
}

/**
 * ROLLBACK; false when that failed too (the connection is broken: the server rolls back on its own).
 * Never throws, so the error that caused the rollback is the one the caller sees.
 */
export async function rollbackQuietly(client: PoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}
