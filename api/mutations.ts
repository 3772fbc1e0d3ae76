// The one point every API route passes through: the caller's API token and role ([X1]), a bounded
// JSON body for mutating routes, validated by the route's schema, the actor the change is recorded
// under (the token's name when there is one), and the audit log entry of every change that succeeded.
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { bearerText, identifyBearer, identifySession, type CredentialStores, type Identity } from '../auth/identify.js';
import { checkIngest } from '../auth/ingest.js';
import { isReadMethod, requiredAccess, roleAllows, wallLinkAllows } from '../auth/policy.js';
import { crossSiteReason, CSRF_HEADER, csrfMatches, SESSION_COOKIE } from '../auth/sessions.js';
import type { IngestMode } from '../config/types.js';
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../lib/errors.js';
import { refuseNulInJson, refuseNulInUrl } from './no-nul.js';
import type { AuditStore } from '../store/types.js';

export type { Identity };

declare module 'hono' {
  interface ContextVariableMap {
    vigilIdentity: Identity;
  }
}

/** How the guard authenticates and what it records. */
export interface AuthOptions extends CredentialStores {
  readonly audit: AuditStore;
  /**
   * Reads (GET) without a token, as before tokens existed (`auth.anonymous_read`, default true):
   * anyone who reaches the port sees every environment's status. Mutations always need a token.
   */
  readonly anonymousRead: boolean;
  /** Who may beat a heartbeat (auth/ingest.ts); default open. */
  readonly ingest?: IngestMode;
  /** `server.public_url`: its origin is Vigil's own, besides the one the request was addressed to. */
  readonly publicUrl?: string | null;
}

/** The largest body a mutating route reads: a postmortem's Markdown fits with room. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Who a change is recorded under when the caller names nobody. */
export const ANONYMOUS = 'anonymous';

const ACTOR_HEADER = 'x-vigil-user';
const MAX_ACTOR_LENGTH = 100;

/**
 * Applied to every route under the API. With `auth`: the caller (token, wall link or session) and its
 * role (auth/policy.ts says which a route needs; 401 without a usable credential, 403 with too low a
 * role), a session's CSRF check on a change, then the audit entry of a change that succeeded. Without
 * `auth` (route tests only): the body bound alone. POST, PUT, PATCH and DELETE get the body bound
 * before any route reads it.
 */
export function mutationGuard(auth?: AuthOptions): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new BadRequestError(`the request body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
    },
  });
  const publicOrigin = auth?.publicUrl ? new URL(auth.publicUrl).origin : null;
  return async (c, next) => {
    refuseNulInUrl(c.req.url);
    const access = requiredAccess(c.req.method, c.req.path);
    if (auth && access === 'ingest') await checkIngest(c, auth.ingest ?? 'open', auth);
    else if (auth && access !== 'public') {
      const identity = await identify(c, auth);
      if (identity === null) {
        if (!(access === 'viewer' && auth.anonymousRead)) throw new UnauthorizedError('this needs an API token: Authorization: Bearer vgl_…');
      } else if (identity.kind === 'wall') {
        if (!wallLinkAllows(c.req.method, c.req.path)) throw new ForbiddenError('a wall link reads the wall view (status, incidents, SLOs) and nothing else');
        c.set('vigilIdentity', identity);
      } else {
        if (!roleAllows(identity.role, access)) throw new ForbiddenError(`this needs the ${access} role; the token "${identity.name}" is a${identity.role === 'ingest' ? 'n' : ''} ${identity.role}`);
        if (identity.kind === 'session' && !isReadMethod(c.req.method)) checkCsrf(c, identity.sessionSecret!, publicOrigin);
        c.set('vigilIdentity', identity);
      }
    }
    if (isReadMethod(c.req.method)) return next();
    await limit(c, next);
    if (auth && access !== 'public' && access !== 'ingest' && c.res.status < 400) {
      const identity = c.get('vigilIdentity');
      await auth.audit.append({
        at: auth.clock.now(),
        actor: identity.name,
        action: `${c.req.method} ${c.req.routePath}`,
        target: c.req.path,
        detail: { status: c.res.status, tokenId: identity.tokenId, ...(identity.kind === 'session' ? { via: 'session' } : {}) },
      });
    }
  };
}

/**
 * The caller: a Bearer credential wins (401 when it cannot be used); else the session cookie, when it
 * names a usable session (a stale cookie is no identity, so anonymous reads still work); else null.
 */
async function identify(c: Context, auth: AuthOptions): Promise<Identity | null> {
  const text = bearerText(c.req.header('authorization'));
  if (text !== null) return identifyBearer(text, auth);
  const secret = getCookie(c, SESSION_COOKIE);
  return secret === undefined || secret === '' ? null : identifySession(secret, auth);
}

/** A change made with the session cookie: from Vigil's own origin, carrying the session's CSRF token. */
function checkCsrf(c: Context, secret: string, publicOrigin: string | null): void {
  const origins = new Set([new URL(c.req.url).origin, ...(publicOrigin ? [publicOrigin] : [])]);
  // Behind a TLS-terminating proxy the request reaches Vigil as http: the proxy's scheme is the page's.
  const forwardedProto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
  if (forwardedProto === 'https' || forwardedProto === 'http') origins.add(`${forwardedProto}://${new URL(c.req.url).host}`);
  const crossSite = crossSiteReason({ origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site') }, origins);
  if (crossSite !== null) throw new ForbiddenError(`refused ${crossSite}: the session cookie only works from Vigil's own pages`);
  if (!csrfMatches(secret, c.req.header(CSRF_HEADER))) throw new ForbiddenError(`a change made with the session cookie needs its CSRF token in the ${CSRF_HEADER} header (GET /api/v1/session gives it)`);
}

/**
 * The body of a mutating request parsed by `schema`; every problem is named with its path in one 400.
 * An empty body reads as `{}` so that routes whose fields are all optional can be called bare.
 */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let data: unknown = {};
  if (text.trim() !== '') {
    const type = c.req.header('content-type') ?? '';
    if (type !== '' && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
      throw new BadRequestError(`expected a JSON body (content-type: application/json), got content-type "${type.slice(0, 100)}"`);
    }
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new BadRequestError(`the body is not valid JSON: ${(error as Error).message}`);
    }
    refuseNulInJson(data);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new BadRequestError(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/**
 * Who makes the change: the API token's name when the caller has one (nothing in the request overrides
 * it); else the `X-Vigil-User` header, else the body's `by`, else "anonymous". A name is one line of at
 * most 100 printable characters, so a timeline cannot be forged with line breaks.
 */
export function actorOf(c: Context, by: string | undefined): string {
  const identity = c.get('vigilIdentity') as Identity | undefined;
  if (identity !== undefined) return identity.name;
  const written = c.req.header(ACTOR_HEADER) ?? by;
  if (written === undefined) return ANONYMOUS;
  const name = written.trim();
  if (name === '') return ANONYMOUS;
  if (name.length > MAX_ACTOR_LENGTH) throw new BadRequestError(`the user name is longer than ${MAX_ACTOR_LENGTH} characters`);
  if (/[\p{Cc}\p{Cf}]/u.test(name)) throw new BadRequestError('the user name contains control characters');
  return name;
}
