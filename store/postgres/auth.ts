// API tokens and the hash-chained audit log on PostgreSQL ([X1]), as on SQLite (store/sqlite/auth.ts).
import { auditHash, canonicalJson, GENESIS_HASH } from '../../audit/chain.js';
import { NotFoundError } from '../../lib/errors.js';
import { AUDIT_COLUMNS, auditFromRow, MAX_AUDIT_PAGE, TOKEN_COLUMNS, tokenFromRow, TOUCH_INTERVAL_MS, type AuditRow, type TokenRow } from '../auth-rows.js';
import type { AuditEntry, AuditFilter, NewAuditEntry, NewToken, TokenRecord } from '../types.js';
import type { PoolClient } from './connection.js';

export async function createToken(client: PoolClient, token: NewToken): Promise<TokenRecord> {
  const result = await client.query<TokenRow>({
    name: 'vigil_token_create',
    text: `INSERT INTO api_tokens (id, name, role, hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${TOKEN_COLUMNS}`,
    values: [token.id, token.name, token.role, token.hash, token.createdBy, Math.floor(token.createdAt), token.expiresAt === null ? null : Math.floor(token.expiresAt)],
  });
  return tokenFromRow(result.rows[0]!);
}

export async function tokenByHash(client: PoolClient, hash: string): Promise<TokenRecord | null> {
  const result = await client.query<TokenRow>({ name: 'vigil_token_by_hash', text: `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE hash = $1`, values: [hash] });
  return result.rows.length === 0 ? null : tokenFromRow(result.rows[0]!);
}

export async function getToken(client: PoolClient, id: string): Promise<TokenRecord | null> {
  const result = await client.query<TokenRow>({ name: 'vigil_token_get', text: `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1`, values: [id] });
  return result.rows.length === 0 ? null : tokenFromRow(result.rows[0]!);
}

export async function listTokens(client: PoolClient): Promise<TokenRecord[]> {
  const result = await client.query<TokenRow>({ name: 'vigil_token_list', text: `SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id` });
  return result.rows.map(tokenFromRow);
}

export async function revokeToken(client: PoolClient, id: string, at: number): Promise<TokenRecord> {
  const result = await client.query<TokenRow>({
    name: 'vigil_token_revoke',
    text: `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING ${TOKEN_COLUMNS}`,
    values: [Math.floor(at), id],
  });
  if (result.rows.length === 0) throw new NotFoundError(`no token ${id}`);
  return tokenFromRow(result.rows[0]!);
}

export async function touchToken(client: PoolClient, id: string, at: number): Promise<boolean> {
  const result = await client.query({
    name: 'vigil_token_touch',
    text: 'UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)',
    values: [Math.floor(at), id, Math.floor(at) - TOUCH_INTERVAL_MS],
  });
  return (result.rowCount ?? 0) > 0;
}

/** Call in a transaction (the caller's): the table lock makes appends of several Vigils one chain. */
export async function appendAudit(client: PoolClient, entry: NewAuditEntry): Promise<AuditEntry> {
  await client.query('LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE');
  const last = await client.query<AuditRow>({ name: 'vigil_audit_last', text: `SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1` });
  const previous = last.rows[0];
  const row = {
    seq: previous === undefined ? 1 : Number(previous.seq) + 1,
    at: Math.floor(entry.at),
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    detail: canonicalJson(entry.detail),
  };
  const prevHash = previous === undefined ? GENESIS_HASH : previous.hash;
  const hash = auditHash(prevHash, row);
  await client.query({
    name: 'vigil_audit_insert',
    text: 'INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    values: [row.seq, row.at, row.actor, row.action, row.target, row.detail, prevHash, hash],
  });
  return { ...row, prevHash, hash };
}

export async function listAudit(client: PoolClient, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const result = await client.query<AuditRow>({
    name: 'vigil_audit_list',
    text: `SELECT ${AUDIT_COLUMNS} FROM audit_log
           WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR left(action, length($2)) = $2)
             AND ($3::bigint IS NULL OR at >= $3) AND ($4::bigint IS NULL OR at < $4) AND seq > $5
           ORDER BY seq LIMIT $6`,
    values: [filter.actor ?? null, filter.action ?? null, filter.from ?? null, filter.to ?? null, filter.afterSeq ?? 0, Math.min(filter.limit ?? MAX_AUDIT_PAGE, MAX_AUDIT_PAGE)],
  });
  return result.rows.map(auditFromRow);
}

export async function lastAuditOf(client: PoolClient, action: string): Promise<AuditEntry | null> {
  const result = await client.query<AuditRow>({
    name: 'vigil_audit_last_of',
    text: `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT 1`,
    values: [action],
  });
  return result.rows.length === 0 ? null : auditFromRow(result.rows[0]!);
}
