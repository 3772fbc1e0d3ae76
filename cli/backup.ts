// `vigil backup <file>` and `vigil restore <backup> --db <file>` ([X1] "Backup and restore").
// SQLite: the online backup API copies the live file while `vigil serve` runs (WAL), then the copy's
// integrity and audit hash chain are checked. PostgreSQL: Vigil prints the pg_dump / pg_restore commands
// for the configured database instead of running them: pg_dump must be at least the server's major
// version, which only the operator's machine knows, and the dump is the operator's to schedule and keep.
import { isPostgresUrl, redactUrl } from '../store/postgres/connection.js';
import { backupSqlite, restoreSqlite } from '../store/sqlite/backup.js';
import { openCliStore, verifyAudit } from './tokens.js';

/** A backup or restore Vigil refuses, with why (exit 1). */
export class BackupError extends Error {
  override name = 'BackupError';
}

/** The pg_dump and pg_restore commands for `url` (password removed: pg_dump reads PGPASSWORD or ~/.pgpass). */
export function postgresBackupLines(url: string, file: string): string[] {
  const target = shellQuote(redactUrl(url));
  const dump = shellQuote(file);
  const hasPassword = redactUrl(url) !== url;
  return [
    'Vigil does not run pg_dump itself for a PostgreSQL store (it must match the server\'s major version); run:',
    '',
    `  pg_dump --format=custom --file=${dump} ${target}`,
    '',
    'and to restore it into an empty database (stop every vigil serve on it first):',
    '',
    `  pg_restore --clean --if-exists --no-owner --exit-on-error --dbname=${target} ${dump}`,
    '',
    ...(hasPassword ? ['The password is left out of the URL: give it in PGPASSWORD or ~/.pgpass.', ''] : []),
    'pg_dump takes one consistent snapshot while Vigil runs; a restore into a database with a newer schema than the Vigil serving it is refused at its start.',
  ];
}

/** `vigil backup <file>`: the lines to print; throws BackupError when the copy is not sound. */
export async function backupLines(db: string, file: string): Promise<string[]> {
  if (isPostgresUrl(db)) return postgresBackupLines(db, file);
  let copy;
  try {
    copy = await backupSqlite(db, file);
  } catch (error) {
    throw new BackupError(`backup of ${db} failed: ${(error as Error).message}`);
  }
  const audit = await auditOf(file);
  return [
    `backed up ${db} to ${file}: ${copy.pages} pages, ${copy.bytes} bytes, schema version ${copy.schemaVersion}`,
    'integrity_check ok',
    `audit log ok: ${audit} rows, the hash chain unbroken`,
  ];
}

/** `vigil restore <backup> --db <file>`: the lines to print; throws BackupError when refused. */
export async function restoreLines(backup: string, db: string, opts: { force: boolean; exists: boolean }): Promise<string[]> {
  if (isPostgresUrl(db)) {
    const lines = postgresBackupLines(db, backup);
    return lines.slice(lines.indexOf('and to restore it into an empty database (stop every vigil serve on it first):'));
  }
  if (opts.exists && !opts.force) throw new BackupError(`${db} exists: stop vigil serve and pass --force to replace it with ${backup}`);
  let copy;
  try {
    copy = await restoreSqlite(backup, db);
  } catch (error) {
    throw new BackupError(`restore of ${backup} refused: ${(error as Error).message}`);
  }
  const audit = await auditOf(db);
  return [`restored ${backup} to ${db}: ${copy.pages} pages, schema version ${copy.schemaVersion}`, 'integrity_check ok', `audit log ok: ${audit} rows, the hash chain unbroken`];
}

async function auditOf(file: string): Promise<number> {
  const store = await openCliStore(file, false);
  try {
    const { rows, problems } = await verifyAudit(store);
    if (problems.length > 0) throw new BackupError(`${file}: audit log broken: ${problems.map((p) => p.message).slice(0, 5).join('; ')}`);
    return rows;
  } finally {
    await store.close();
  }
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
