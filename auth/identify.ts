// Who a request comes from ([X1]): an API token (`Authorization: Bearer vgl_…`), a wall link's key
// (`Bearer vglw_…`), or a dashboard session (the `vigil_session` cookie). Used by the API guard
// (api/mutations.ts) and the ingest guard (auth/ingest.ts).
import type { Clock } from '../lib/clock.js';
import { UnauthorizedError } from '../lib/errors.js';
import type { Role, SessionStore, TokenRecord, TokenStore, WallLinkStore } from '../store/types.js';
import { sessionUnusableReason } from './sessions.js';
import { hashToken, unusableReason } from './tokens.js';
import { WALL_LINK_PREFIX } from './wall-links.js';

/** Who called: a token's name and role, a session (its token's), or a wall link (which only reads the wall). */
export interface Identity {
  readonly kind: 'token' | 'session' | 'wall';
  /** The API token's id (of the session's token for a session), or the wall link's id. */
  readonly tokenId: string;
  readonly name: string;
  /** A wall link's is `viewer`, narrowed further by auth/policy.ts wallLinkAllows. */
  readonly role: Role;
  /** A session's cookie secret (its CSRF token is derived from it); absent for the other kinds. */
  readonly sessionSecret?: string;
}

/** Where credentials are looked up. */
export interface CredentialStores {
  readonly tokens: TokenStore;
  readonly wallLinks: WallLinkStore;
  readonly sessions: SessionStore;
  readonly clock: Clock;
}

/** The text after `Bearer`; null when the header is absent or another scheme (a proxy's Basic auth is not ours). */
export function bearerText(header: string | undefined): string | null {
  if (header === undefined || !/^Bearer(?:\s|$)/i.test(header)) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new UnauthorizedError('expected the header "Authorization: Bearer <token>"');
  return match[1]!;
}

/** The identity of a Bearer credential: an API token or a wall link key; 401 for one that cannot be used. */
export async function identifyBearer(text: string, stores: CredentialStores): Promise<Identity> {
  const at = stores.clock.now();
  if (text.startsWith(WALL_LINK_PREFIX)) {
    const link = await stores.wallLinks.byHash(hashToken(text));
    if (link === null) throw new UnauthorizedError('unknown wall link');
    const reason = unusableReason(link, at, 'wall link');
    if (reason !== null) throw new UnauthorizedError(reason);
    if (link.lastUsedAt === null || at - link.lastUsedAt >= 60_000) await stores.wallLinks.touch(link.id, at);
    return { kind: 'wall', tokenId: link.id, name: `wall link "${link.name}"`, role: 'viewer' };
  }
  const token = await stores.tokens.byHash(hashToken(text));
  if (token === null) throw new UnauthorizedError('unknown API token');
  await usable(token, stores, at);
  return { kind: 'token', tokenId: token.id, name: token.name, role: token.role };
}

/** The identity of a session cookie, with its token's name and role; null when the session or its token cannot be used. */
export async function identifySession(secret: string, stores: CredentialStores): Promise<Identity | null> {
  const at = stores.clock.now();
  const session = await stores.sessions.byHash(hashToken(secret));
  if (session === null || sessionUnusableReason(session, at) !== null) return null;
  const token = await stores.tokens.get(session.tokenId);
  if (token === null || unusableReason(token, at) !== null) return null;
  await usable(token, stores, at);
  return { kind: 'session', tokenId: token.id, name: token.name, role: token.role, sessionSecret: secret };
}

async function usable(token: TokenRecord, stores: CredentialStores, at: number): Promise<void> {
  const reason = unusableReason(token, at);
  if (reason !== null) throw new UnauthorizedError(reason);
  if (token.lastUsedAt === null || at - token.lastUsedAt >= 60_000) await stores.tokens.touch(token.id, at);
}
