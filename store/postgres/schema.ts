// Migrating a PostgreSQL database: every migration newer than the database's version, each in its own
// transaction that also records it in schema_version, under an advisory lock so that two Vigils
// starting at once migrate one after the other; a database newer than this code is refused.
import { SchemaTooNewError } from '../sqlite/db.js';
import { commit, MIGRATION_LOCK, rollbackQuietly, type Pool, type PoolClient } from './connection.js';
import { MIGRATIONS, type PostgresMigration } from './migrations/index.js';

export { SchemaTooNewError };

const CREATE_VERSION_TABLE = `
CREATE TABLE IF NOT EXISTS schema_version (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Brings the database at `location` (shown in errors) to the latest schema of `migrations`. */
export async function migrate(pool: Pool, location: string, migrations: readonly PostgresMigration[] = MIGRATIONS): Promise<void> {
  checkOrder(migrations);
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      await client.query(CREATE_VERSION_TABLE);
      const current = await schemaVersion(client);
      if (current > latest) throw new SchemaTooNewError(location, current, latest);
      for (const migration of migrations) {
        if (migration.version <= current) continue;
        await client.query('BEGIN');
        try {
          await migration.up(client);
          await client.query('INSERT INTO schema_version (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
          await commit(client);
        } catch (error) {
          broken = !(await rollbackQuietly(client));
          throw new Error(`${location}: migration ${migration.version} "${migration.name}" failed: ${(error as Error).message}`, { cause: error });
        }
      }
    } finally {
      if (!broken) await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => (broken = true));
    }
  } finally {
    // Closing a broken connection also ends its session, and with it the session-level lock.
    client.release(broken);
  }
}

/** The version of the newest migration the database has run (0 for a new database). */
export async function schemaVersion(client: PoolClient | Pool): Promise<number> {
  const exists = await client.query<{ present: boolean }>("SELECT to_regclass('schema_version') IS NOT NULL AS present");
  if (!exists.rows[0]!.present) return 0;
  const result = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_version');
  return result.rows[0]!.version ?? 0;
}

function checkOrder(migrations: readonly PostgresMigration[]): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new Error(`store migrations: "${migration.name}" has version ${migration.version}, expected ${i + 1}`);
    }
  });
}
