// Who may call what: the one table of access rules the API guard applies ([X1]). A route's rule comes
// from its method and path, so a new route is covered by the default for its method until it is named
// here (and the route table test, test/api/auth-routes.test.ts, makes its author decide).
import type { Role } from '../store/types.js';

/**
 * What a request needs: nothing (its own credentials or none), a token of at least this role, or
 * `ingest`: an ingest or admin token unless `auth.ingest` lets it in without (auth/ingest.ts).
 */
export type Access = 'public' | 'ingest' | Exclude<Role, 'ingest'>;

// An ingest token ranks below a viewer: it reads nothing and changes nothing but ingest.
const RANK: Readonly<Record<Role, number>> = { ingest: 0, viewer: 1, responder: 2, admin: 3 };

/** True when `role` may do what `needed` allows. */
export function roleAllows(role: Role, needed: Exclude<Access, 'public'>): boolean {
  if (needed === 'ingest') return role === 'ingest' || role === 'admin';
  return RANK[role] >= RANK[needed];
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True for methods that change nothing. */
export function isReadMethod(method: string): boolean {
  return READ_METHODS.has(method.toUpperCase());
}

// A job's beat: the token in its URL names the check; `auth.ingest` says whether it also needs an ingest token.
const HEARTBEAT_BEAT = /^\/api\/v1\/heartbeat\/[^/]+(?:\/fail)?\/?$/;
// Token and wall link management, the audit log and the access review.
const ADMIN_ONLY = /^\/api\/v1\/(?:tokens|wall-links|audit|access-review)(?:\/|$)/;
// Signing in, out, and asking who one is: any token that may read.
const SESSION = /^\/api\/v1\/session\/?$/;

/** The access a request to the API (a path under /api/) needs. */
export function requiredAccess(method: string, path: string): Access {
  if (method.toUpperCase() === 'POST' && HEARTBEAT_BEAT.test(path)) return 'ingest';
  if (ADMIN_ONLY.test(path)) return 'admin';
  if (SESSION.test(path)) return 'viewer';
  return isReadMethod(method) ? 'viewer' : 'responder';
}

// What the wall view (dashboard #/wall) reads: the status, the list of incidents, the SLOs.
const WALL_READS = /^\/api\/v1\/(?:status|incidents|slos)\/?$/;

/** True for the requests a wall link may make: the wall view's reads and nothing else. */
export function wallLinkAllows(method: string, path: string): boolean {
  return isReadMethod(method) && WALL_READS.test(path);
}
