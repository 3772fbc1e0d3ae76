// Backup, restore and integrity of a SQLite store file ([X1] "Backup and restore"). Only store/ speaks
// to the driver, so the CLI (cli/backup.ts) calls these.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.js';
import { SchemaTooNewError, openDatabase, schemaVersion } from './db.js';

/** The answer of `PRAGMA integrity_check` when it is not "ok": one line per problem (empty: ok). */
export function sqliteIntegrityProblems(file: string): string[] {
  const db = new Database(file, { fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    return rows.map((row) => row.integrity_check).filter((line) => line !== 'ok');
  } finally {
    db.close();
  }
}

/** The database is open in another process (a running Vigil): restoring over it would pull its data away under it. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

/** A file that is not a Vigil SQLite database, or a damaged one. */
export class NotAVigilDatabaseError extends Error {
  override name = 'NotAVigilDatabaseError';
}

/** What a backup or restore wrote. */
export interface CopyInfo {
  readonly pages: number;
  readonly bytes: number;
  readonly schemaVersion: number;
}

// The whole rest in one step: the copy is then one read transaction of the source, a consistent snapshot
// even while a running Vigil writes (WAL readers do not block the writer). The default of 100 pages a
// step restarts from the start each time another process writes between steps, and Vigil writes every 250 ms.
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the live database `source` to `target` with SQLite's online backup API, safe while `vigil
 * serve` writes to it; `target` must not exist (a backup never overwrites). Checks the copy's integrity.
 */
export async function backupSqlite(source: string, target: string): Promise<CopyInfo> {
  if (!fs.existsSync(source)) throw new NotAVigilDatabaseError(`no database at ${source}`);
  if (fs.existsSync(target)) throw new Error(`${target} exists: a backup never overwrites a file; choose a new name`);
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const version = schemaVersion(db);
    if (version === 0) throw new NotAVigilDatabaseError(`${source} is not a Vigil database (schema version 0)`);
    const progress = await db.backup(target, { progress: () => ALL_PAGES });
    const problems = sqliteIntegrityProblems(target);
    if (problems.length > 0) throw new NotAVigilDatabaseError(`the copy at ${target} failed integrity_check: ${problems.slice(0, 5).join('; ')}`);
    return { pages: progress.totalPages, bytes: fs.statSync(target).size, schemaVersion: version };
  } finally {
    db.close();
  }
}

/**
 * Throws DatabaseInUseError when another connection holds `file`. Leaving WAL mode needs every other
 * connection closed (SQLite takes an exclusive lock for it), and a running Vigil keeps one open for its
 * whole life, so the switch fails at once (busy_timeout 0) while it runs. The file is switched back.
 */
export function assertNotInUse(file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    const mode = db.pragma('journal_mode = DELETE', { simple: true });
    if (mode !== 'delete') throw new DatabaseInUseError(`${file} is in use (journal mode stays ${String(mode)})`);
    db.pragma('journal_mode = WAL');
  } catch (error) {
    if (error instanceof DatabaseInUseError) throw error;
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new DatabaseInUseError(`${file} is open in another process (a running vigil serve?): stop it before restoring over it`);
    }
    throw error;
  } finally {
    db.close();
  }
}

/**
 * Copies the backup `source` over `target` (created when missing): refuses a damaged backup, one
 * written by a newer Vigil, and a target another process holds; migrates an older backup to this
 * version and checks the result's integrity.
 */
export async function restoreSqlite(source: string, target: string): Promise<CopyInfo> {
  if (!fs.existsSync(source)) throw new NotAVigilDatabaseError(`no backup at ${source}`);
  const latest = MIGRATIONS.length;
  const backup = new Database(source, { fileMustExist: true, readonly: true });
  try {
    let version: number;
    try {
      version = schemaVersion(backup);
    } catch (error) {
      throw new NotAVigilDatabaseError(`${source} is not a SQLite database: ${(error as Error).message}`);
    }
    if (version === 0) throw new NotAVigilDatabaseError(`${source} is not a Vigil database (schema version 0)`);
    if (version > latest) throw new SchemaTooNewError(source, version, latest);
    const problems = sqliteIntegrityProblems(source);
    if (problems.length > 0) throw new NotAVigilDatabaseError(`${source} failed integrity_check: ${problems.slice(0, 5).join('; ')}`);
    if (fs.existsSync(target)) assertNotInUse(target);
    else fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    const progress = await backup.backup(target, { progress: () => ALL_PAGES });
    // Migrates a backup taken by an older Vigil, as serve would at its start.
    openDatabase(target).close();
    const after = sqliteIntegrityProblems(target);
    if (after.length > 0) throw new NotAVigilDatabaseError(`the restored ${target} failed integrity_check: ${after.slice(0, 5).join('; ')}`);
    return { pages: progress.totalPages, bytes: fs.statSync(target).size, schemaVersion: latest };
  } finally {
    backup.close();
  }
}
