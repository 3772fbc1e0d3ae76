// Postmortems on SQLite: one per incident (the UNIQUE column turns a second into a ConflictError).
import type { Statement } from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import {
  changedPostmortemValues,
  newPostmortemValues,
  POSTMORTEM_COLUMNS,
  postmortemFromRow,
  type PostmortemRow,
  type PostmortemValues,
} from '../alerting-rows.js';
import { checkPageLimit, cursorOf, pageOf } from '../paging.js';
import type { NewPostmortem, Postmortem, PostmortemChanges, PostmortemStatus } from '../types.js';
import type { SqliteDatabase } from './db.js';

const VALUES = ':incident_id, :title, :status, :markdown, :action_items, :author, :created_at, :updated_at, :published_at';

export class SqlitePostmortems {
  readonly #insert: Statement<PostmortemValues, PostmortemRow>;
  readonly #update: Statement<PostmortemValues & { id: number }, PostmortemRow>;
  readonly #get: Statement<[number], PostmortemRow>;
  readonly #byIncident: Statement<[number], PostmortemRow>;
  readonly #list: Statement<[number, number], PostmortemRow>;
  readonly #listByStatus: Statement<[string, number, number], PostmortemRow>;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare(`INSERT INTO postmortems (${POSTMORTEM_COLUMNS.replace('id, ', '')}) VALUES (${VALUES}) RETURNING ${POSTMORTEM_COLUMNS}`);
    this.#update = db.prepare(`
      UPDATE postmortems SET title = :title, status = :status, markdown = :markdown, action_items = :action_items,
        updated_at = :updated_at, published_at = :published_at
      WHERE id = :id RETURNING ${POSTMORTEM_COLUMNS}`);
    this.#get = db.prepare(`SELECT ${POSTMORTEM_COLUMNS} FROM postmortems WHERE id = ?`);
    this.#byIncident = db.prepare(`SELECT ${POSTMORTEM_COLUMNS} FROM postmortems WHERE incident_id = ?`);
    this.#list = db.prepare(`SELECT ${POSTMORTEM_COLUMNS} FROM postmortems WHERE id < ? ORDER BY id DESC LIMIT ?`);
    this.#listByStatus = db.prepare(`SELECT ${POSTMORTEM_COLUMNS} FROM postmortems WHERE status = ? AND id < ? ORDER BY id DESC LIMIT ?`);
  }

  /** ConflictError when the incident already has a postmortem. */
  create(postmortem: NewPostmortem): Postmortem {
    try {
      return postmortemFromRow(this.#insert.get(newPostmortemValues(postmortem))!);
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ConflictError(`incident ${postmortem.incidentId} already has a postmortem`);
      }
      throw error;
    }
  }

  get(id: number): Postmortem | null {
    const row = this.#get.get(id);
    return row === undefined ? null : postmortemFromRow(row);
  }

  byIncident(incidentId: number): Postmortem | null {
    const row = this.#byIncident.get(incidentId);
    return row === undefined ? null : postmortemFromRow(row);
  }

  /** NotFoundError for an unknown id (call inside a transaction: it reads, then writes). */
  update(id: number, changes: PostmortemChanges, at: number): Postmortem {
    const current = this.get(id);
    if (current === null) throw new NotFoundError(`there is no postmortem ${id}`);
    return postmortemFromRow(this.#update.get({ ...changedPostmortemValues(current, changes, at), id })!);
  }

  list(filter: { readonly status?: PostmortemStatus; readonly before?: number; readonly limit: number }): {
    postmortems: Postmortem[];
    nextCursor: number | null;
  } {
    checkPageLimit(filter.limit);
    const before = cursorOf(filter.before);
    const rows =
      filter.status === undefined ? this.#list.all(before, filter.limit + 1) : this.#listByStatus.all(filter.status, before, filter.limit + 1);
    const { items, nextCursor } = pageOf(rows, filter.limit);
    return { postmortems: items.map(postmortemFromRow), nextCursor };
  }
}
