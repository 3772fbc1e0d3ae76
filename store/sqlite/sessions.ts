// Dashboard sessions and wall links on SQLite ([X1]).
import type { Statement } from 'better-sqlite3';
import { NotFoundError } from '../../lib/errors.js';
import { SESSION_COLUMNS, sessionFromRow, TOUCH_INTERVAL_MS, WALL_LINK_COLUMNS, wallLinkFromRow, type SessionRow, type WallLinkRow } from '../auth-rows.js';
import type { NewWallLink, SessionRecord, WallLinkRecord } from '../types.js';
import type { SqliteDatabase } from './db.js';

export class SqliteSessions {
  readonly #insert: Statement<[string, string, number, number]>;
  readonly #byHash: Statement<[string], SessionRow>;
  readonly #end: Statement<[number, string]>;
  readonly #active: Statement<[number], { token_id: string; count: number }>;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare('INSERT INTO sessions (hash, token_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
    this.#byHash = db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE hash = ?`);
    this.#end = db.prepare('UPDATE sessions SET ended_at = coalesce(ended_at, ?) WHERE hash = ?');
    this.#active = db.prepare('SELECT token_id, count(*) AS count FROM sessions WHERE ended_at IS NULL AND expires_at > ? GROUP BY token_id');
  }

  create(session: Omit<SessionRecord, 'endedAt'>): SessionRecord {
    this.#insert.run(session.hash, session.tokenId, Math.floor(session.createdAt), Math.floor(session.expiresAt));
    return sessionFromRow(this.#byHash.get(session.hash)!);
  }

  byHash(hash: string): SessionRecord | null {
    const row = this.#byHash.get(hash);
    return row === undefined ? null : sessionFromRow(row);
  }

  end(hash: string, at: number): boolean {
    return this.#end.run(Math.floor(at), hash).changes > 0;
  }

  activeCounts(at: number): Map<string, number> {
    return new Map(this.#active.all(Math.floor(at)).map((row) => [row.token_id, Number(row.count)]));
  }
}

export class SqliteWallLinks {
  readonly #insert: Statement<[string, string, string, string, number, number | null]>;
  readonly #byHash: Statement<[string], WallLinkRow>;
  readonly #get: Statement<[string], WallLinkRow>;
  readonly #list: Statement<[], WallLinkRow>;
  readonly #revoke: Statement<[number, string], WallLinkRow>;
  readonly #touch: Statement<[number, string, number]>;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare('INSERT INTO wall_links (id, name, hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.#byHash = db.prepare(`SELECT ${WALL_LINK_COLUMNS} FROM wall_links WHERE hash = ?`);
    this.#get = db.prepare(`SELECT ${WALL_LINK_COLUMNS} FROM wall_links WHERE id = ?`);
    this.#list = db.prepare(`SELECT ${WALL_LINK_COLUMNS} FROM wall_links ORDER BY created_at, id`);
    this.#revoke = db.prepare(`UPDATE wall_links SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING ${WALL_LINK_COLUMNS}`);
    this.#touch = db.prepare('UPDATE wall_links SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)');
  }

  create(link: NewWallLink): WallLinkRecord {
    this.#insert.run(link.id, link.name, link.hash, link.createdBy, Math.floor(link.createdAt), link.expiresAt === null ? null : Math.floor(link.expiresAt));
    return wallLinkFromRow(this.#get.get(link.id)!);
  }

  byHash(hash: string): WallLinkRecord | null {
    const row = this.#byHash.get(hash);
    return row === undefined ? null : wallLinkFromRow(row);
  }

  list(): WallLinkRecord[] {
    return this.#list.all().map(wallLinkFromRow);
  }

  revoke(id: string, at: number): WallLinkRecord {
    const row = this.#revoke.get(Math.floor(at), id);
    if (row === undefined) throw new NotFoundError(`no wall link ${id}`);
    return wallLinkFromRow(row);
  }

  touch(id: string, at: number): boolean {
    return this.#touch.run(Math.floor(at), id, Math.floor(at) - TOUCH_INTERVAL_MS).changes > 0;
  }
}
