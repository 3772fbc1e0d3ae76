// Database DSNs of the data-layer probes: validated by scheme when the config loads, reduced to the
// host and port that messages name, to a hash that keys the context's pools, and to the secrets an error
// must never show (the password, whether or not it came from a `${VAR}`).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SecretValues } from '../../lib/secret.js';
import type { ProbeContext } from '../context.js';

/** The database a DSN's scheme names. */
export type DbEngine = 'postgres' | 'mysql';

const ENGINE_OF_SCHEME: Record<string, DbEngine> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
};

const DEFAULT_PORT: Record<DbEngine, number> = { postgres: 5432, mysql: 3306 };

/** The engine of a DSN by its scheme, or null for another scheme or a text that is not a URL. */
export function dsnEngine(dsn: string): DbEngine | null {
  if (!URL.canParse(dsn)) return null;
  return ENGINE_OF_SCHEME[new URL(dsn).protocol] ?? null;
}

/**
 * A DSN field accepting the schemes of `engines`. Its messages never quote the DSN, which carries a
 * password; `${VAR}` placeholders are expanded before it runs.
 */
export function dsnSchema(engines: readonly DbEngine[], example: string) {
  return z
    .string()
    .superRefine((dsn, ctx) => {
      const engine = dsnEngine(dsn);
      if (engine === null || !engines.includes(engine)) {
        ctx.addIssue({ code: 'custom', message: `expected a DSN like ${example}` });
      }
    })
    .meta({ description: `A DSN like ${example}; keep the password in a \${VAR}` });
}

/** Host and port a DSN connects to, as messages name them (`127.0.0.1:5432`); never the user or password. */
export interface DsnEndpoint {
  readonly engine: DbEngine;
  readonly host: string;
  readonly port: number;
  /** `host:port`, or the socket directory for a PostgreSQL unix socket. */
  readonly where: string;
  readonly user: string;
  readonly database: string;
}

/** The endpoint of a DSN the schema accepted. */
export function dsnEndpoint(dsn: string): DsnEndpoint {
  const url = new URL(dsn);
  const engine = ENGINE_OF_SCHEME[url.protocol];
  // A PostgreSQL DSN may name a unix socket directory as ?host=/run/postgresql.
  const host = decodeURIComponent(url.hostname) || url.searchParams.get('host') || 'localhost';
  const port = url.port ? Number(url.port) : Number(url.searchParams.get('port') ?? DEFAULT_PORT[engine]);
  const user = decodeURIComponent(url.username);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return { engine, host, port, where: host.startsWith('/') ? host : `${host}:${port}`, user, database };
}

/** The key of a DSN's pool in the context: a hash, so a key quoted in an error shows no password. */
export function poolKey(prefix: string, dsn: string): string {
  return `${prefix}:${createHash('sha256').update(dsn).digest('hex').slice(0, 32)}`;
}

/**
 * Scrubs a text of the context's secrets and of this DSN's password and whole text (a DSN written in
 * the file rather than in a `${VAR}` is not among the context's secrets).
 */
export function dsnScrubber(dsn: string, ctx: ProbeContext): (text: string) => string {
  const own: string[] = [dsn];
  if (URL.canParse(dsn)) {
    const { password } = new URL(dsn);
    if (password) own.push(password, safeDecode(password));
  }
  const secrets = ctx.secrets.with(new SecretValues(own));
  return (text) => secrets.scrub(text);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
