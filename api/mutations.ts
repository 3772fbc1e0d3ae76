// The one point every API route passes through: the caller's API token and role ([X1]), a bounded
// JSON body for mutating routes, validated by the route's schema, the actor the change is recorded
// under (the token's name when there is one), and the audit log entry of every change that succeeded.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { isReadMethod, requiredAccess, roleAllows } from '../auth/policy.js';
import { hashToken, unusableReason } from '../auth/tokens.js';
import type { Clock } from '../lib/clock.js';
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../lib/errors.js';
import type { AuditStore, Role, TokenStore } from '../store/types.js';

/** Who called, as their API token says. */
export interface Identity {
  readonly tokenId: string;
  readonly name: string;
  readonly role: Role;
}

declare module 'hono' {
  interface ContextVariableMap {
    vigilIdentity: Identity;
  }
}

/** How the guard authenticates and what it records. */
export interface AuthOptions {
  readonly tokens: TokenStore;
  readonly audit: AuditStore;
  readonly clock: Clock;
  /**
   * Reads (GET) without a token, as before tokens existed (`auth.anonymous_read`, default true):
   * anyone who reaches the port sees every environment's status. Mutations always need a token.
   */
  readonly anonymousRead: boolean;
}

/** The largest body a mutating route reads: a postmortem's Markdown fits with room. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Who a change is recorded under when the caller names nobody. */
export const ANONYMOUS = 'anonymous';

const ACTOR_HEADER = 'x-vigil-user';
const MAX_ACTOR_LENGTH = 100;

/**
 * Applied to every route under the API. With `auth`: the token and its role (auth/policy.ts says which
 * a route needs; 401 without a usable token, 403 with too low a role), then the audit entry of a change
 * that succeeded. Without `auth` (route tests only): the body bound alone. POST, PUT, PATCH and DELETE
 * get the body bound before any route reads it.
 */
export function mutationGuard(auth?: AuthOptions): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new BadRequestError(`the request body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
    },
  });
  return async (c, next) => {
    const access = requiredAccess(c.req.method, c.req.path);
    if (auth && access !== 'public') {
      const identity = await identify(c, auth);
      if (identity === null) {
        if (!(access === 'viewer' && auth.anonymousRead)) throw new UnauthorizedError('this needs an API token: Authorization: Bearer vgl_…');
      } else {
        if (!roleAllows(identity.role, access)) throw new ForbiddenError(`this needs the ${access} role; the token "${identity.name}" is a ${identity.role}`);
        c.set('vigilIdentity', identity);
      }
    }
    if (isReadMethod(c.req.method)) return next();
    await limit(c, next);
    if (auth && access !== 'public' && c.res.status < 400) {
      const identity = c.get('vigilIdentity');
      await auth.audit.append({
        at: auth.clock.now(),
        actor: identity.name,
        action: `${c.req.method} ${c.req.routePath}`,
        target: c.req.path,
        detail: { status: c.res.status, tokenId: identity.tokenId },
      });
    }
  };
}

/** The caller's identity from `Authorization: Bearer <token>`; null without one; 401 for a token that cannot be used. */
async function identify(c: Context, auth: AuthOptions): Promise<Identity | null> {
  const header = c.req.header('authorization');
  // Another scheme is not ours (a proxy's Basic auth passed through): the request has no API token.
  if (header === undefined || !/^Bearer(?:\s|$)/i.test(header)) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new UnauthorizedError('expected the header "Authorization: Bearer <token>"');
  const token = await auth.tokens.byHash(hashToken(match[1]!));
  if (token === null) throw new UnauthorizedError('unknown API token');
  const at = auth.clock.now();
  const reason = unusableReason(token, at);
  if (reason !== null) throw new UnauthorizedError(reason);
  if (token.lastUsedAt === null || at - token.lastUsedAt >= 60_000) await auth.tokens.touch(token.id, at);
  return { tokenId: token.id, name: token.name, role: token.role };
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
