// Silences on SQLite.
import type { Statement } from 'better-sqlite3';
import { NotFoundError } from '../../lib/errors.js';
import { SILENCE_COLUMNS, silenceFromRow, silenceValues, type SilenceRow, type SilenceValues } from '../alerting-rows.js';
import type { NewSilence, Silence } from '../types.js';
import type { SqliteDatabase } from './db.js';

export class SqliteSilences {
  readonly #insert: Statement<SilenceValues, SilenceRow>;
  readonly #get: Statement<[number], SilenceRow>;
  readonly #listActive: Statement<[number], SilenceRow>;
  readonly #listAll: Statement<[], SilenceRow>;
  readonly #expire: Statement<[number, number], SilenceRow>;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare(`
      INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment, created_at)
      VALUES (:matchers, :starts_at, :ends_at, :created_by, :comment, :created_at) RETURNING ${SILENCE_COLUMNS}`);
    this.#get = db.prepare(`SELECT ${SILENCE_COLUMNS} FROM silences WHERE id = ?`);
    this.#listActive = db.prepare(`SELECT ${SILENCE_COLUMNS} FROM silences WHERE ends_at > ? ORDER BY id`);
    this.#listAll = db.prepare(`SELECT ${SILENCE_COLUMNS} FROM silences ORDER BY id`);
    this.#expire = db.prepare(`UPDATE silences SET ends_at = min(ends_at, ?) WHERE id = ? RETURNING ${SILENCE_COLUMNS}`);
  }

  create(silence: NewSilence): Silence {
    return silenceFromRow(this.#insert.get(silenceValues(silence))!);
  }

  get(id: number): Silence | null {
    const row = this.#get.get(id);
    return row === undefined ? null : silenceFromRow(row);
  }

  /** Silences ending after `at`, or all with `includeExpired`; by id. */
  list(at: number, includeExpired: boolean): Silence[] {
    return (includeExpired ? this.#listAll.all() : this.#listActive.all(Math.floor(at))).map(silenceFromRow);
  }

  /** Ends a silence at `at` (never later than it was to end); NotFoundError for an unknown id. */
  expire(id: number, at: number): Silence {
    const row = this.#expire.get(Math.floor(at), id);
    if (row === undefined) throw new NotFoundError(`there is no silence ${id}`);
    return silenceFromRow(row);
  }
}
