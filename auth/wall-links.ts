// Read-only links for a wall screen ([X1]): a TV opens `<vigil>/#/wall?key=vglw_…` and the dashboard
// sends the key as its Bearer token; the guard lets it read what the wall view shows and nothing else
// (auth/policy.ts wallLinkAllows), also when anonymous reads are off. Shown once, stored as SHA-256.
import { randomBytes } from 'node:crypto';
import { BadRequestError } from '../lib/errors.js';
import type { Store, WallLinkRecord } from '../store/types.js';
import { credentialName, expiryOf, hashToken } from './tokens.js';

/** Every wall link key starts with this (an API token with `vgl_`), so the guard knows which it holds. */
export const WALL_LINK_PREFIX = 'vglw_';

/** What an admin asks for: a name, and an end as a duration (`30d`) or a time (`expiresAt`, epoch ms). */
export interface WallLinkRequest {
  readonly name: string;
  readonly expires?: string | undefined;
  readonly expiresAt?: number | undefined;
  readonly createdBy: string;
}

/** A link as made: its record and the key, shown this once. */
export interface IssuedWallLink {
  readonly link: WallLinkRecord;
  readonly key: string;
}

/** The URL a wall screen opens: the dashboard's wall view holding the key in its fragment (never sent to a server's logs). */
export function wallLinkUrl(baseUrl: string, key: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/#/wall?key=${key}`;
}

/** Makes a wall link and records it in the audit log. */
export async function issueWallLink(store: Pick<Store, 'wallLinks' | 'audit'>, request: WallLinkRequest, at: number): Promise<IssuedWallLink> {
  const name = credentialName(request.name);
  if (request.expires !== undefined && request.expiresAt !== undefined) throw new BadRequestError('give expires (a duration) or expires_at (a time), not both');
  if (request.expiresAt !== undefined && request.expiresAt <= at) throw new BadRequestError('expires_at: expected a time in the future');
  const expiresAt = request.expiresAt ?? expiryOf(request.expires, at);
  const id = randomBytes(6).toString('hex');
  const key = `${WALL_LINK_PREFIX}${randomBytes(32).toString('base64url')}`;
  const link = await store.wallLinks.create({ id, name, hash: hashToken(key), createdBy: request.createdBy, createdAt: at, expiresAt });
  await store.audit.append({ at, actor: request.createdBy, action: 'wall-link.create', target: id, detail: { name, expiresAt } });
  return { link, key };
}

/** Revokes a wall link (NotFoundError for an unknown id); the screen showing it gets 401 at its next poll. */
export async function revokeWallLink(store: Pick<Store, 'wallLinks' | 'audit'>, id: string, by: string, at: number): Promise<WallLinkRecord> {
  const link = await store.wallLinks.revoke(id, at);
  await store.audit.append({ at, actor: by, action: 'wall-link.revoke', target: id, detail: { name: link.name } });
  return link;
}
