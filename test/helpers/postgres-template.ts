// The migrated template the PostgreSQL store tests copy their databases from (why: test/helpers/stores.ts).
// Its name carries a hash of the migrations' sources, so a changed or added migration builds a new one
// and no test ever copies a schema the code no longer makes. It lives on between runs on the server.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { openPostgresStore } from '../../store/postgres/postgres-store.js';

/** What a migrated database is made from: every migration, and `migrate`, which adds schema_version. */
const SOURCES = [new URL('../../store/postgres/migrations/', import.meta.url), new URL('../../store/postgres/schema.ts', import.meta.url)];
const PREFIX = 'vigil_tpl_';
/** A build drops templates of other sources once this old (a younger one may be what another checkout is using). */
const STALE_AFTER_MS = 24 * 3_600_000;
const DUPLICATE_DATABASE = '42P04';

/**
 * The name of the migrated template of the current migrations, built first if the server lacks it.
 * Workers (and other checkouts) racing to build it each build under a name of their own and rename
 * it into place, so the template's name only ever names a complete one: the first rename wins, the
 * others drop theirs. `databaseUrl` gives a database's URL on `admin`'s server.
 */
export async function migratedTemplate(admin: pg.Pool, databaseUrl: (name: string) => string): Promise<string> {
  const name = PREFIX + sourcesHash();
  const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (found.rowCount === 0) await build(admin, name, databaseUrl);
  return name;
}

async function build(admin: pg.Pool, name: string, databaseUrl: (name: string) => string): Promise<void> {
  const building = `${name}_b_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${building} TEMPLATE template0`);
  try {
    // Dated from the start, so that another build's sweep of stale templates leaves this one alone.
    await admin.query(`COMMENT ON DATABASE ${building} IS '${new Date().toISOString()}'`);
    // The store's own open migrates it, so the template is what every test would otherwise have made.
    const store = await openPostgresStore(databaseUrl(building));
    await store.close();
    // A session on a template makes CREATE DATABASE … TEMPLATE fail; nothing needs to connect to it.
    await admin.query(`ALTER DATABASE ${building} WITH ALLOW_CONNECTIONS false`);
    await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
  } catch (error) {
    await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    if ((error as { code?: string }).code === DUPLICATE_DATABASE) return;
    throw error;
  }
  await dropStaleTemplates(admin, name);
}

/**
 * Templates of earlier migrations (and builds a killed run left) would otherwise pile up on the server.
 * Only old ones go, and only when not being copied: a run on another checkout rebuilds its own if it
 * goes missing (stores.ts), once.
 */
async function dropStaleTemplates(admin: pg.Pool, current: string): Promise<void> {
  const templates = await admin.query<{ datname: string; built: string | null }>(
    `SELECT datname, shobj_description(oid, 'pg_database') AS built FROM pg_database WHERE datname LIKE '${PREFIX}%' AND datname <> $1`,
    [current],
  );
  for (const { datname, built } of templates.rows) {
    const builtAt = Date.parse(built ?? '');
    if (Number.isFinite(builtAt) && Date.now() - builtAt < STALE_AFTER_MS) continue;
    await admin.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => undefined);
  }
}

function sourcesHash(): string {
  const hash = createHash('sha256');
  for (const source of SOURCES.map((url) => fileURLToPath(url))) {
    const files = fs.statSync(source).isDirectory() ? fs.readdirSync(source).sort().map((file) => path.join(source, file)) : [source];
    for (const file of files) hash.update(`${path.basename(file)}\0`).update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}
