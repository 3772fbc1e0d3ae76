// The store contract suite's engines: every test in a `describeEachEngine` block runs once on a temp
// SQLite file and once on a fresh database of the PostgreSQL server on this machine. Each test gets
// fresh locations, and its stores are closed and its files and databases removed when it ends.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, onTestFinished } from 'vitest';
import { openPostgresStore } from '../../store/postgres/postgres-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Store } from '../../store/types.js';
import { tempDbPath } from './temp-db.js';

/** The server the PostgreSQL half of the suite runs on (trust auth; it creates and drops databases). */
export const TEST_POSTGRES_URL = process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

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

/** A database per location on TEST_POSTGRES_URL's server, dropped (WITH FORCE) after the test. */
export class PostgresTestDatabases {
  #admin: pg.Pool | null = null;

  /** Creates an empty database; returns its URL. Dropped when the current test ends, after `beforeDrop`. */
  async create(beforeDrop: (url: string) => Promise<void> = async () => {}): Promise<string> {
    const name = `vigil_test_${randomBytes(6).toString('hex')}`;
    // template0: nothing another test or extension left in template1, and measured faster to copy here.
    await this.#pool().query(`CREATE DATABASE ${name} TEMPLATE template0`);
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = `/${name}`;
    const location = url.toString();
    onTestFinished(async () => {
      await beforeDrop(location);
      await this.#pool().query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
    return location;
  }

  async end(): Promise<void> {
    await this.#admin?.end();
    this.#admin = null;
  }

  #pool(): pg.Pool {
    this.#admin ??= new pg.Pool({ connectionString: TEST_POSTGRES_URL, max: 2 });
    return this.#admin;
  }
}

function postgresEngine(): TestEngine & { end(): Promise<void> } {
  const stores = new OpenStores();
  const databases = new PostgresTestDatabases();
  const location = () => databases.create((url) => stores.closeAt(url));
  return {
    name: 'postgres',
    location,
    async open(at) {
      const url = at ?? (await location());
      return stores.add(url, await openPostgresStore(url));
    },
    end: () => databases.end(),
  };
}
