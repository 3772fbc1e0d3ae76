// Dashboard sessions ([X1]): an API token is exchanged once for an HttpOnly cookie, so the token itself
// need not be kept by the browser. The cookie holds a random secret; the store keeps its SHA-256 and
// the token it came from, so revoking the token ends the session at its next request. Mutations made
// with the cookie also need the session's CSRF token in a header (a page on another site cannot read
// it) and a same-origin Origin / Sec-Fetch-Site when the browser sends them.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionRecord, Store, TokenRecord } from '../store/types.js';
import { hashToken } from './tokens.js';

/** The cookie the session secret travels in. */
export const SESSION_COOKIE = 'vigil_session';
/** The header a cookie-authenticated mutation carries its CSRF token in. */
export const CSRF_HEADER = 'x-vigil-csrf';

/**
 * The session's CSRF token: derived from its secret (one-way, under its own label, so it is neither the
 * stored hash nor a way back to the secret); the server needs no second secret to check it.
 */
export function csrfTokenOf(secret: string): string {
  return createHash('sha256').update(`vigil-csrf\u0000${secret}`, 'utf8').digest('base64url');
}

/** True when `given` is the session's CSRF token (compared in constant time). */
export function csrfMatches(secret: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const expected = Buffer.from(csrfTokenOf(secret));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A new session for `token`: its secret (for the cookie, never stored), its record, and its CSRF token. */
export async function startSession(
  store: Pick<Store, 'sessions'>,
  token: TokenRecord,
  at: number,
  lifetimeMs: number,
): Promise<{ readonly secret: string; readonly session: SessionRecord; readonly csrf: string }> {
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = Math.min(at + lifetimeMs, token.expiresAt ?? Number.MAX_SAFE_INTEGER);
  const session = await store.sessions.create({ hash: hashToken(secret), tokenId: token.id, createdAt: at, expiresAt });
  return { secret, session, csrf: csrfTokenOf(secret) };
}

/** Why a session cannot be used at `at`, or null when it can (its token is checked separately). */
export function sessionUnusableReason(session: SessionRecord, at: number): string | null {
  if (session.endedAt !== null) return 'the session was signed out';
  if (session.expiresAt <= at) return 'the session has expired';
  return null;
}

/** The `Set-Cookie` attributes: HttpOnly, SameSite=Strict, Path=/, Secure over https, gone with the session. */
export function sessionCookieOptions(secure: boolean, expiresAt: number, at: number) {
  return { httpOnly: true, sameSite: 'Strict', path: '/', secure, maxAge: Math.max(0, Math.floor((expiresAt - at) / 1000)) } as const;
}

/**
 * Whether a cookie-authenticated change comes from Vigil's own pages: `Sec-Fetch-Site` (when sent) is
 * same-origin, and `Origin` (when sent) is one of `origins`. The null reason means yes.
 */
export function crossSiteReason(headers: { origin?: string; secFetchSite?: string }, origins: ReadonlySet<string>): string | null {
  if (headers.secFetchSite !== undefined && headers.secFetchSite !== 'same-origin') return `a change from another site (Sec-Fetch-Site: ${headers.secFetchSite.slice(0, 20)})`;
  if (headers.origin !== undefined && !origins.has(headers.origin)) return `a change from another origin (${headers.origin.slice(0, 100)})`;
  return null;
}
