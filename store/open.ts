// Opening the store a config names: a PostgreSQL URL, or else a SQLite file path.
import { isPostgresUrl } from './postgres/connection.js';
import { openPostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  readonly sqlite?: SqliteStoreOptions;
  readonly postgres?: PostgresStoreOptions;
}

/**
 * Opens (creating and migrating if needed) the store at `location`: `postgres://…` or
 * `postgresql://…` is a PostgreSQL database, anything else a SQLite file (':memory:' for a throwaway one).
 */
export function openStore(location: string, opts: OpenStoreOptions = {}): Promise<Store> {
  return isPostgresUrl(location) ? openPostgresStore(location, opts.postgres) : openSqliteStore(location, opts.sqlite);
}
