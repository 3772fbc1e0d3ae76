// Who may call what: the one table of access rules the API guard applies ([X1]). A route's rule comes
// from its method and path, so a new route is covered by the default for its method until it is named
// here (and the route table test, test/api/auth-routes.test.ts, makes its author decide).
import type { Role } from '../store/types.js';

/** What a request needs: nothing (ingest with its own tokens), or a token of at least this role. */
export type Access = 'public' | Role;

const RANK: Readonly<Record<Role, number>> = { viewer: 1, responder: 2, admin: 3 };

/** True when `role` may do what `needed` allows. */
export function roleAllows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True for methods that change nothing. */
export function isReadMethod(method: string): boolean {
  return READ_METHODS.has(method.toUpperCase());
}

// A job's beat: the token in its URL is the credential (see api/heartbeats.ts).
const HEARTBEAT_BEAT = /^\/api\/v1\/heartbeat\/[^/]+(?:\/fail)?\/?$/;
// Token management, the audit log and the access review.
const ADMIN_ONLY = /^\/api\/v1\/(?:tokens|audit|access-review)(?:\/|$)/;

/** The access a request to the API (a path under /api/) needs. */
export function requiredAccess(method: string, path: string): Access {
  if (method.toUpperCase() === 'POST' && HEARTBEAT_BEAT.test(path)) return 'public';
  if (ADMIN_ONLY.test(path)) return 'admin';
  return isReadMethod(method) ? 'viewer' : 'responder';
}
