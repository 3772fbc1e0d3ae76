// Dashboard sessions and wall links on PostgreSQL ([X1]), as on SQLite (store/sqlite/sessions.ts).
import { NotFoundError } from '../../lib/errors.js';
import { SESSION_COLUMNS, sessionFromRow, TOUCH_INTERVAL_MS, WALL_LINK_COLUMNS, wallLinkFromRow, type SessionRow, type WallLinkRow } from '../auth-rows.js';
import type { NewWallLink, SessionRecord, WallLinkRecord } from '../types.js';
import type { PoolClient } from './connection.js';

export async function createSession(client: PoolClient, session: Omit<SessionRecord, 'endedAt'>): Promise<SessionRecord> {
  const result = await client.query<SessionRow>({
    name: 'vigil_session_create',
    text: `INSERT INTO sessions (hash, token_id, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING ${SESSION_COLUMNS}`,
    values: [session.hash, session.tokenId, Math.floor(session.createdAt), Math.floor(session.expiresAt)],
  });
  return sessionFromRow(result.rows[0]!);
}

export async function sessionByHash(client: PoolClient, hash: string): Promise<SessionRecord | null> {
  const result = await client.query<SessionRow>({ name: 'vigil_session_by_hash', text: `SELECT ${SESSION_COLUMNS} FROM sessions WHERE hash = $1`, values: [hash] });
  return result.rows.length === 0 ? null : sessionFromRow(result.rows[0]!);
}

export async function endSession(client: PoolClient, hash: string, at: number): Promise<boolean> {
  const result = await client.query({ name: 'vigil_session_end', text: 'UPDATE sessions SET ended_at = coalesce(ended_at, $1) WHERE hash = $2', values: [Math.floor(at), hash] });
  return (result.rowCount ?? 0) > 0;
}

export async function activeSessionCounts(client: PoolClient, at: number): Promise<Map<string, number>> {
  const result = await client.query<{ token_id: string; count: string }>({
    name: 'vigil_session_active_counts',
    text: 'SELECT token_id, count(*) AS count FROM sessions WHERE ended_at IS NULL AND expires_at > $1 GROUP BY token_id',
    values: [Math.floor(at)],
  });
  return new Map(result.rows.map((row) => [row.token_id, Number(row.count)]));
}

export async function createWallLink(client: PoolClient, link: NewWallLink): Promise<WallLinkRecord> {
  const result = await client.query<WallLinkRow>({
    name: 'vigil_wall_link_create',
    text: `INSERT INTO wall_links (id, name, hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${WALL_LINK_COLUMNS}`,
    values: [link.id, link.name, link.hash, link.createdBy, Math.floor(link.createdAt), link.expiresAt === null ? null : Math.floor(link.expiresAt)],
  });
  return wallLinkFromRow(result.rows[0]!);
}

export async function wallLinkByHash(client: PoolClient, hash: string): Promise<WallLinkRecord | null> {
  const result = await client.query<WallLinkRow>({ name: 'vigil_wall_link_by_hash', text: `SELECT ${WALL_LINK_COLUMNS} FROM wall_links WHERE hash = $1`, values: [hash] });
  return result.rows.length === 0 ? null : wallLinkFromRow(result.rows[0]!);
}

export async function listWallLinks(client: PoolClient): Promise<WallLinkRecord[]> {
  const result = await client.query<WallLinkRow>({ name: 'vigil_wall_link_list', text: `SELECT ${WALL_LINK_COLUMNS} FROM wall_links ORDER BY created_at, id` });
  return result.rows.map(wallLinkFromRow);
}

export async function revokeWallLink(client: PoolClient, id: string, at: number): Promise<WallLinkRecord> {
  const result = await client.query<WallLinkRow>({
    name: 'vigil_wall_link_revoke',
    text: `UPDATE wall_links SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING ${WALL_LINK_COLUMNS}`,
    values: [Math.floor(at), id],
  });
  if (result.rows.length === 0) throw new NotFoundError(`no wall link ${id}`);
  return wallLinkFromRow(result.rows[0]!);
}

export async function touchWallLink(client: PoolClient, id: string, at: number): Promise<boolean> {
  const result = await client.query({
    name: 'vigil_wall_link_touch',
    text: 'UPDATE wall_links SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)',
    values: [Math.floor(at), id, Math.floor(at) - TOUCH_INTERVAL_MS],
  });
  return (result.rowCount ?? 0) > 0;
}
