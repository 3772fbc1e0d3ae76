// Heartbeat tokens and beats on SQLite.
import type { Statement } from 'better-sqlite3';
import { NotFoundError } from '../../lib/errors.js';
import { HEARTBEAT_COLUMNS, heartbeatFromRow, type HeartbeatRow } from '../heartbeat-rows.js';
import type { Beat, HeartbeatRecord } from '../types.js';
import type { SqliteDatabase } from './db.js';

export class SqliteHeartbeats {
  readonly #insert: Statement<[string, string, number]>;
  readonly #get: Statement<[string], HeartbeatRow>;
  readonly #list: Statement<[], HeartbeatRow>;
  readonly #beat: Statement<[number, string, string | null, string], HeartbeatRow>;
  readonly #rotate: Statement<[string, string], HeartbeatRow>;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare('INSERT INTO heartbeats (check_id, token, created_at) VALUES (?, ?, ?) ON CONFLICT (check_id) DO NOTHING');
    this.#get = db.prepare(`SELECT ${HEARTBEAT_COLUMNS} FROM heartbeats WHERE check_id = ?`);
    this.#list = db.prepare(`SELECT ${HEARTBEAT_COLUMNS} FROM heartbeats ORDER BY check_id`);
    this.#beat = db.prepare(`
      UPDATE heartbeats SET last_beat_at = ?, last_status = ?, last_message = ? WHERE token = ? RETURNING ${HEARTBEAT_COLUMNS}`);
    this.#rotate = db.prepare(`UPDATE heartbeats SET token = ? WHERE check_id = ? RETURNING ${HEARTBEAT_COLUMNS}`);
  }

  /** Call inside a transaction: the inserts and the reads see one state. */
  ensure(checks: ReadonlyArray<{ readonly checkId: string; readonly token: string }>, at: number): HeartbeatRecord[] {
    return checks.map(({ checkId, token }) => {
      this.#insert.run(checkId, token, Math.floor(at));
      return heartbeatFromRow(this.#get.get(checkId)!);
    });
  }

  beat(token: string, beat: Beat): HeartbeatRecord | null {
    const row = this.#beat.get(Math.floor(beat.at), beat.status, beat.message, token);
    return row === undefined ? null : heartbeatFromRow(row);
  }

  get(checkId: string): HeartbeatRecord | null {
    const row = this.#get.get(checkId);
    return row === undefined ? null : heartbeatFromRow(row);
  }

  list(): HeartbeatRecord[] {
    return this.#list.all().map(heartbeatFromRow);
  }

  rotate(checkId: string, token: string): HeartbeatRecord {
    const row = this.#rotate.get(token, checkId);
    if (row === undefined) throw new NotFoundError(`check ${checkId} has no heartbeat`);
    return heartbeatFromRow(row);
  }
}
