// Dashboard sign-in ([X1]): `POST /api/v1/session` with `Authorization: Bearer <token>` answers with an
// HttpOnly session cookie and the session's CSRF token; `GET` says who the caller is (and gives the
// CSRF token again, for a dashboard reloaded); `DELETE` signs out. The guard (api/mutations.ts)
// authenticates each request and records sign-ins and sign-outs in the audit log.
import { Hono, type Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { csrfTokenOf, SESSION_COOKIE, sessionCookieOptions, startSession } from '../auth/sessions.js';
import { hashToken } from '../auth/tokens.js';
import type { Clock } from '../lib/clock.js';
import { BadRequestError, UnauthorizedError } from '../lib/errors.js';
import type { Store } from '../store/types.js';
import type { Identity } from './mutations.js';

export interface SessionRoutesDeps {
  readonly store: Pick<Store, 'tokens' | 'sessions'>;
  readonly clock: Clock;
  /** How long a session lasts (never past its token's expiry). */
  readonly lifetimeMs: number;
  /** `server.public_url`: when https, the cookie is Secure whatever the request's scheme. */
  readonly publicUrl?: string | null;
}

/** True when the browser reached Vigil over https (directly, through a proxy that says so, or by public_url). */
function overHttps(c: Context, publicUrl: string | null | undefined): boolean {
  if (publicUrl?.startsWith('https:')) return true;
  if (new URL(c.req.url).protocol === 'https:') return true;
  return c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

function identityOf(c: Context): Identity {
  const identity = c.get('vigilIdentity') as Identity | undefined;
  if (identity === undefined) throw new UnauthorizedError('not signed in: POST /api/v1/session with Authorization: Bearer <token>');
  return identity;
}

/** The routes, to mount at /api/v1. */
export function sessionRoutes(deps: SessionRoutesDeps): Hono {
  const app = new Hono();
  app.post('/session', async (c) => {
    const identity = identityOf(c);
    if (identity.kind !== 'token') throw new BadRequestError('sign in with an API token: Authorization: Bearer vgl_…');
    const token = await deps.store.tokens.get(identity.tokenId);
    if (token === null) throw new UnauthorizedError('unknown API token');
    const at = deps.clock.now();
    const { secret, session, csrf } = await startSession(deps.store, token, at, deps.lifetimeMs);
    setCookie(c, SESSION_COOKIE, secret, sessionCookieOptions(overHttps(c, deps.publicUrl), session.expiresAt, at));
    return c.json({ name: token.name, role: token.role, expiresAt: session.expiresAt, csrf }, 201);
  });
  app.get('/session', (c) => {
    // Anonymous reads allowed and no credential sent: a plain answer, not a 401 — the dashboard asks at
    // every start, and a visitor who never signed in is not an error (nor a red line in the console).
    const identity = c.get('vigilIdentity') as Identity | undefined;
    if (identity === undefined) return c.json({ kind: 'anonymous', name: null, role: null, csrf: null });
    return c.json({
      kind: identity.kind,
      name: identity.name,
      role: identity.role,
      csrf: identity.sessionSecret === undefined ? null : csrfTokenOf(identity.sessionSecret),
    });
  });
  app.delete('/session', async (c) => {
    const identity = identityOf(c);
    if (identity.kind !== 'session') throw new BadRequestError('this request carries no session cookie to sign out');
    await deps.store.sessions.end(hashToken(identity.sessionSecret!), deps.clock.now());
    deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict', secure: overHttps(c, deps.publicUrl) });
    return c.json({ signedOut: true });
  });
  return app;
}
