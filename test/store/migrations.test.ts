import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, SchemaTooNewError, schemaVersion } from '../../store/sqlite/db.js';
import { MIGRATIONS, type Migration } from '../../store/sqlite/migrations/index.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { tempDbPath } from '../helpers/temp-db.js';

describe('SQLite migrations', () => {
  it('are numbered 1, 2, 3, … in the order they are listed', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('bring a new database to the latest user_version with strict tables', () => {
    const db = openDatabase(tempDbPath());
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    const tables = db.prepare<[], { name: string; strict: number }>("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'").all();
    expect(schemaVersion(db)).toBe(7);
    expect(tables.map((t) => t.name).sort()).toEqual([
      'api_tokens',
      'audit_log',
      'check_results',
      'heartbeats',
      'incident_events',
      'incidents',
      'meta',
      'notifications',
      'postmortems',
      'reports',
      'rollup_1h',
      'rollup_1m',
      'rollup_dirty',
      'rule_state',
      'samples',
      'series',
      'sessions',
      'silences',
      'wall_links',
    ]);
    expect(tables.every((t) => t.strict === 1)).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('refuse a database written by a newer Vigil with a message saying what to do', async () => {
    const file = tempDbPath();
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    await expect(openSqliteStore(file)).rejects.toThrow(SchemaTooNewError);
    await expect(openSqliteStore(file)).rejects.toThrow(
      `${file}: database schema version ${MIGRATIONS.length + 1} is newer than this Vigil supports (${MIGRATIONS.length}); upgrade Vigil, or restore a backup taken with this version`,
    );
  });

  it('run only the migrations a database has not seen yet', () => {
    const db = openDatabase(tempDbPath());
    const ran: number[] = [];
    const next = MIGRATIONS.length + 1;
    const added: Migration = { version: next, name: 'added', up: (d) => { ran.push(next); d.exec('CREATE TABLE extra (x INTEGER) STRICT'); } };
    migrate(db, [...MIGRATIONS, added]);
    migrate(db, [...MIGRATIONS, added]);
    expect(ran).toEqual([next]);
    expect(schemaVersion(db)).toBe(next);
    db.close();
  });

  it('roll a failing migration back entirely, leaving user_version where it was', () => {
    const db = openDatabase(tempDbPath());
    const broken: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      up: (d) => {
        d.exec('CREATE TABLE half_done (x INTEGER) STRICT');
        d.exec('THIS IS NOT SQL');
      },
    };
    expect(() => migrate(db, [...MIGRATIONS, broken])).toThrow();
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'half_done'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuse a list whose versions skip or repeat', () => {
    const db = openDatabase(tempDbPath());
    const skipped: Migration = { version: 3, name: 'skipped', up: () => {} };
    expect(() => migrate(db, [...MIGRATIONS.slice(0, 1), skipped])).toThrow(/"skipped" has version 3, expected 2/);
    db.close();
  });
});
