// The api_tokens and audit_log rows as both engines read them, and their mapping to records.
import type { AuditEntry, Role, SessionRecord, TokenRecord, WallLinkRecord } from './types.js';

export interface TokenRow {
  id: string;
  name: string;
  role: string;
  created_by: string;
  created_at: number | string;
  expires_at: number | string | null;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}

export const TOKEN_COLUMNS = 'id, name, role, created_by, created_at, expires_at, last_used_at, revoked_at';

const orNull = (value: number | string | null): number | null => (value === null ? null : Number(value));

export function tokenFromRow(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    expiresAt: orNull(row.expires_at),
    lastUsedAt: orNull(row.last_used_at),
    revokedAt: orNull(row.revoked_at),
  };
}

/** How long after a recorded use the next one is not written (a busy token costs one write a minute). */
export const TOUCH_INTERVAL_MS = 60_000;

export interface AuditRow {
  seq: number | string;
  at: number | string;
  actor: string;
  action: string;
  target: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

export const AUDIT_COLUMNS = 'seq, at, actor, action, target, detail, prev_hash, hash';

export function auditFromRow(row: AuditRow): AuditEntry {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    detail: row.detail,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** The most rows one audit read returns. */
export const MAX_AUDIT_PAGE = 1000;

export interface SessionRow {
  hash: string;
  token_id: string;
  created_at: number | string;
  expires_at: number | string;
  ended_at: number | string | null;
}

export const SESSION_COLUMNS = 'hash, token_id, created_at, expires_at, ended_at';

export function sessionFromRow(row: SessionRow): SessionRecord {
  return { hash: row.hash, tokenId: row.token_id, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at), endedAt: orNull(row.ended_at) };
}

export interface WallLinkRow {
  id: string;
  name: string;
  created_by: string;
  created_at: number | string;
  expires_at: number | string | null;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}

export const WALL_LINK_COLUMNS = 'id, name, created_by, created_at, expires_at, last_used_at, revoked_at';

export function wallLinkFromRow(row: WallLinkRow): WallLinkRecord {
  return {
    id: row.id,
    name: row.name,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    expiresAt: orNull(row.expires_at),
    lastUsedAt: orNull(row.last_used_at),
    revokedAt: orNull(row.revoked_at),
  };
}
