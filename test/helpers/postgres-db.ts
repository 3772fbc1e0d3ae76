// A database on the local PostgreSQL server for a whole suite (an end-to-end run of Vigil), dropped after it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_POSTGRES_URL } from './stores.js';

export interface SuiteDatabase {
  /** postgres://…/vigil_e2e_<random> */
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates an empty database; the caller drops it (WITH FORCE, so a Vigil still connected does not block it). */
export async function createSuiteDatabase(prefix = 'vigil_e2e'): Promise<SuiteDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
