// The store contract suite's engines: every test in a `describeEachEngine` block runs once on a temp
// SQLite file and once on a fresh database of the PostgreSQL server on this machine. Each test gets
// fresh locations, and its stores are closed and its files and databases removed when it ends (the
// databases' drops finish in the background, by the end of the describe block).
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, onTestFinished } from 'vitest';
import { openPostgresStore } from '../../store/postgres/postgres-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Store } from '../../store/types.js';
import { migratedTemplate } from './postgres-template.js';
import { tempDbPath } from './temp-db.js';

/** The server the PostgreSQL half of the suite runs on (trust auth; it creates and drops databases). */
export const TEST_POSTGRES_URL = process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
/** Where on that server the tests' databases go (.ci/postgres-test-tablespace makes one on tmpfs); default: the server's default. */
const TEST_TABLESPACE = tablespaceOption(process.env.VIGIL_TEST_POSTGRES_TABLESPACE);

export type EngineName = Store['info']['engine'];

/** One engine as a test uses it. */
export interface TestEngine {
  readonly name: EngineName;
  /** A fresh, empty location (a temp file path, or the URL of a new database), removed after the test. */
  location(): Promise<string>;
  /** Opens the store at `location` (a fresh one when omitted); it is closed after the test. */
  open(location?: string): Promise<Store>;
}

/** Runs `body` once per engine, in a describe block named `name [engine]`. */
export function describeEachEngine(name: string, body: (engine: TestEngine) => void): void {
  describe(`${name} [sqlite]`, () => body(sqliteEngine()));
  describe(`${name} [postgres]`, () => {
    const engine = postgresEngine();
    afterAll(() => engine.end());
    body(engine);
  });
}

/**
 * Runs one statement straight on the database at `location`, beside the store (a test damaging a row
 * as a newer Vigil or a broken disk would leave it); `?` placeholders on both engines.
 */
export async function rawSql(engine: TestEngine, location: string, sql: string, values: readonly unknown[] = []): Promise<void> {
  if (engine.name === 'sqlite') {
    const db = new Database(location);
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare(sql).run(...values);
    } finally {
      db.close();
    }
    return;
  }
  let n = 0;
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    await client.query(sql.replace(/\?/g, () => `$${++n}`), [...values]);
  } finally {
    await client.end();
  }
}

/** Closes the stores a location's test opened before its file or database goes. */
class OpenStores {
  readonly #byLocation = new Map<string, Store[]>();

  add(location: string, store: Store): Store {
    this.#byLocation.set(location, [...(this.#byLocation.get(location) ?? []), store]);
    return store;
  }

  async closeAt(location: string): Promise<void> {
    const stores = this.#byLocation.get(location) ?? [];
    this.#byLocation.delete(location);
    await Promise.all(stores.map((store) => store.close()));
  }
}

function sqliteEngine(): TestEngine {
  const stores = new OpenStores();
  const location = async () => {
    const file = tempDbPath();
    // Registered after tempDbPath's removal of the directory, so (last in, first out) it runs first.
    onTestFinished(() => stores.closeAt(file));
    return file;
  };
  return {
    name: 'sqlite',
    location,
    async open(at) {
      const file = at ?? (await location());
      // One reader thread, not the default two: queries still run in a thread, and a thread that
      // loads the TypeScript sources under the test runner costs ~0.5 s to start.
      return stores.add(file, await openSqliteStore(file, { readers: 1 }));
    },
  };
}

/**
 * A database per location on TEST_POSTGRES_URL's server, dropped (WITH FORCE) after the test.
 *
 * Most tests want a store, not an empty database, and making one was the bulk of their time: measured
 * on the store contract suite, CREATE DATABASE took ~120 ms, running every migration on the empty
 * database ~190 ms and DROP DATABASE ~85 ms of a ~400 ms test. So:
 * - `createMigrated` copies a template that has run every migration, and the store's open finds
 *   nothing to migrate. The template (postgres-template.ts) is built once and kept on the server under
 *   a name holding a hash of the migrations' sources: a changed or added migration makes a new name,
 *   so a stale schema is never copied. `create` still copies template0, for the tests of migrating
 *   itself and of what an empty database does (engine.location()).
 * - CREATE DATABASE makes ~400 files, most of its cost on ext4 (the kernel allocating inodes): with
 *   VIGIL_TEST_POSTGRES_TABLESPACE (.ci/postgres-test-tablespace makes one on tmpfs) the copies go
 *   there, ~20 ms instead of ~200 ms. Only durability differs, which no test here is about.
 * - Drops run in the background, off the next test's path (each forces a checkpoint); `end` waits for
 *   them and fails if a database this instance made is still on the server.
 */
export class PostgresTestDatabases {
  #admin: pg.Pool | null = null;
  #template: Promise<string> | null = null;
  readonly #made: string[] = [];
  readonly #drops = new Set<Promise<void>>();
  readonly #dropErrors: unknown[] = [];

  /** Creates an empty database; returns its URL. Dropped when the current test ends, after `beforeDrop`. */
  create(beforeDrop: (url: string) => Promise<void> = async () => {}): Promise<string> {
    // template0: nothing another test or extension left in template1, and measured faster to copy here.
    return this.#createFrom('template0', beforeDrop);
  }

  /** Like `create`, but the database has the schema of every migration, as a store's first open leaves it. */
  async createMigrated(beforeDrop: (url: string) => Promise<void> = async () => {}): Promise<string> {
    this.#template ??= migratedTemplate(this.#pool(), databaseUrl);
    try {
      return await this.#createFrom(await this.#template, beforeDrop);
    } catch (error) {
      if ((error as { code?: string }).code !== UNDEFINED_DATABASE) throw error;
      // Another checkout's build dropped it as stale while this run used it: build it again, once.
      this.#template = migratedTemplate(this.#pool(), databaseUrl);
      return this.#createFrom(await this.#template, beforeDrop);
    }
  }

  async end(): Promise<void> {
    await Promise.all(this.#drops);
    const admin = this.#admin;
    this.#admin = null;
    if (admin === null) return;
    try {
      const left = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1)', [this.#made]);
      if (left.rowCount !== 0) {
        const names = left.rows.map((row) => row.datname).join(', ');
        throw new AggregateError(this.#dropErrors, `test databases left on the server after their tests: ${names}`);
      }
    } finally {
      await admin.end();
    }
  }

  async #createFrom(template: string, beforeDrop: (url: string) => Promise<void>): Promise<string> {
    const name = `vigil_test_${randomBytes(6).toString('hex')}`;
    await this.#pool().query(`CREATE DATABASE ${name} TEMPLATE ${template}${TEST_TABLESPACE}`);
    this.#made.push(name);
    const location = databaseUrl(name);
    onTestFinished(async () => {
      try {
        await beforeDrop(location);
      } finally {
        this.#dropLater(name);
      }
    });
    return location;
  }

  #dropLater(name: string): void {
    const drop = this.#pool()
      .query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      .then(
        () => undefined,
        (error: unknown) => void this.#dropErrors.push(error),
      )
      .finally(() => this.#drops.delete(drop));
    this.#drops.add(drop);
  }

  #pool(): pg.Pool {
    // Room for a create beside the drops of the last test's databases.
    this.#admin ??= new pg.Pool({ connectionString: TEST_POSTGRES_URL, max: 4 });
    return this.#admin;
  }
}

/** PostgreSQL's code for a database that does not exist. */
const UNDEFINED_DATABASE = '3D000';

function tablespaceOption(name: string | undefined): string {
  if (!name) return '';
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`VIGIL_TEST_POSTGRES_TABLESPACE: "${name}" is not a plain tablespace name`);
  return ` TABLESPACE ${name}`;
}

function databaseUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

function postgresEngine(): TestEngine & { end(): Promise<void> } {
  const stores = new OpenStores();
  const databases = new PostgresTestDatabases();
  const location = () => databases.create((url) => stores.closeAt(url));
  return {
    name: 'postgres',
    location,
    async open(at) {
      const url = at ?? (await databases.createMigrated((url) => stores.closeAt(url)));
      return stores.add(url, await openPostgresStore(url));
    },
    end: () => databases.end(),
  };
}
