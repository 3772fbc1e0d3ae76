// API tokens and the hash-chained audit log on SQLite ([X1]).
import type { Statement } from 'better-sqlite3';
import { auditHash, canonicalJson, GENESIS_HASH } from '../../audit/chain.js';
import { NotFoundError } from '../../lib/errors.js';
import { AUDIT_COLUMNS, auditFromRow, MAX_AUDIT_PAGE, TOKEN_COLUMNS, tokenFromRow, TOUCH_INTERVAL_MS, type AuditRow, type TokenRow } from '../auth-rows.js';
import type { AuditEntry, AuditFilter, NewAuditEntry, NewToken, TokenRecord } from '../types.js';
import type { SqliteDatabase } from './db.js';

export class SqliteTokens {
  readonly #insert: Statement<[string, string, string, string, string, number, number | null]>;
  readonly #byHash: Statement<[string], TokenRow>;
  readonly #get: Statement<[string], TokenRow>;
  readonly #list: Statement<[], TokenRow>;
  readonly #revoke: Statement<[number, string], TokenRow>;
  readonly #touch: Statement<[number, string, number]>;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare('INSERT INTO api_tokens (id, name, role, hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#byHash = db.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE hash = ?`);
    this.#get = db.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`);
    this.#list = db.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id`);
    this.#revoke = db.prepare(`UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING ${TOKEN_COLUMNS}`);
    this.#touch = db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)');
  }

  create(token: NewToken): TokenRecord {
    this.#insert.run(token.id, token.name, token.role, token.hash, token.createdBy, Math.floor(token.createdAt), token.expiresAt === null ? null : Math.floor(token.expiresAt));
    return tokenFromRow(this.#get.get(token.id)!);
  }

  byHash(hash: string): TokenRecord | null {
    const row = this.#byHash.get(hash);
    return row === undefined ? null : tokenFromRow(row);
  }

  get(id: string): TokenRecord | null {
    const row = this.#get.get(id);
    return row === undefined ? null : tokenFromRow(row);
  }

  list(): TokenRecord[] {
    return this.#list.all().map(tokenFromRow);
  }

  revoke(id: string, at: number): TokenRecord {
    const row = this.#revoke.get(Math.floor(at), id);
    if (row === undefined) throw new NotFoundError(`no token ${id}`);
    return tokenFromRow(row);
  }

  touch(id: string, at: number): boolean {
    return this.#touch.run(Math.floor(at), id, Math.floor(at) - TOUCH_INTERVAL_MS).changes > 0;
  }
}

interface AuditListArgs {
  actor: string | null;
  action: string | null;
  from: number | null;
  to: number | null;
  afterSeq: number;
  limit: number;
}

export class SqliteAudit {
  readonly #last: Statement<[], AuditRow>;
  readonly #insert: Statement<[number, number, string, string, string, string, string, string]>;
  readonly #list: Statement<[AuditListArgs], AuditRow>;
  readonly #lastOf: Statement<[string], AuditRow>;

  constructor(db: SqliteDatabase) {
    this.#last = db.prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1`);
    this.#insert = db.prepare('INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.#list = db.prepare(`
      SELECT ${AUDIT_COLUMNS} FROM audit_log
      WHERE (@actor IS NULL OR actor = @actor) AND (@action IS NULL OR substr(action, 1, length(@action)) = @action)
        AND (@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to) AND seq > @afterSeq
      ORDER BY seq LIMIT @limit`);
    this.#lastOf = db.prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT 1`);
  }

  lastOf(action: string): AuditEntry | null {
    const row = this.#lastOf.get(action);
    return row === undefined ? null : auditFromRow(row);
  }

  /** Call inside a transaction: the last row read and the row written are one step of the chain. */
  append(entry: NewAuditEntry): AuditEntry {
    const last = this.#last.get();
    const row = {
      seq: last === undefined ? 1 : Number(last.seq) + 1,
      at: Math.floor(entry.at),
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      detail: canonicalJson(entry.detail),
    };
    const prevHash = last === undefined ? GENESIS_HASH : last.hash;
    const hash = auditHash(prevHash, row);
    this.#insert.run(row.seq, row.at, row.actor, row.action, row.target, row.detail, prevHash, hash);
    return { ...row, prevHash, hash };
  }

  list(filter: AuditFilter = {}): AuditEntry[] {
    const limit = Math.min(filter.limit ?? MAX_AUDIT_PAGE, MAX_AUDIT_PAGE);
    return this.#list
      .all({ actor: filter.actor ?? null, action: filter.action ?? null, from: filter.from ?? null, to: filter.to ?? null, afterSeq: filter.afterSeq ?? 0, limit })
      .map(auditFromRow);
  }
}
