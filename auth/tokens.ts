// API tokens ([X1]): made from 32 random bytes, shown once, stored as their SHA-256 only.
import { createHash, randomBytes } from 'node:crypto';
import { parseDuration } from '../lib/duration.js';
import { BadRequestError } from '../lib/errors.js';
import { ROLES, type Role, type Store, type TokenRecord } from '../store/types.js';

/** Every token starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'vgl_';

/** The hex SHA-256 a token is stored and looked up by. */
export function hashToken(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A fresh token's text (`vgl_` + 32 random bytes in base64url) and its id. */
export function newTokenText(): { readonly id: string; readonly text: string } {
  return { id: randomBytes(6).toString('hex'), text: `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}` };
}

/** What a caller asks for when making a token. */
export interface TokenRequest {
  readonly name: string;
  readonly role: Role;
  /** A duration like `90d`; absent: never expires. */
  readonly expires?: string | undefined;
  readonly createdBy: string;
}

/** A token as made: its record and the text, which is shown this once and never again. */
export interface IssuedToken {
  readonly token: TokenRecord;
  readonly text: string;
}

/** The role named by `text`, or a BadRequestError naming the roles. */
export function parseRole(text: string): Role {
  if ((ROLES as readonly string[]).includes(text)) return text as Role;
  throw new BadRequestError(`role: expected one of ${ROLES.join(', ')}, got "${text}"`);
}

/** `at` plus the duration `text` (`90d`, `24h`), or a BadRequestError. */
export function expiryOf(text: string | undefined, at: number): number | null {
  if (text === undefined) return null;
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) throw new BadRequestError(`expires: expected a duration like "90d" or "24h", got "${text}"`);
  return at + ms;
}

/** A token's or wall link's name: trimmed, 1-100 printable characters, or a BadRequestError. */
export function credentialName(text: string): string {
  const name = text.trim();
  if (name === '' || name.length > 100 || /[\p{Cc}\p{Cf}]/u.test(name)) throw new BadRequestError('name: expected 1-100 printable characters');
  return name;
}

/** Makes a token and records it in the audit log. */
export async function issueToken(store: Pick<Store, 'tokens' | 'audit'>, request: TokenRequest, at: number): Promise<IssuedToken> {
  const name = credentialName(request.name);
  const expiresAt = expiryOf(request.expires, at);
  const { id, text } = newTokenText();
  const token = await store.tokens.create({ id, name, role: request.role, hash: hashToken(text), createdBy: request.createdBy, createdAt: at, expiresAt });
  await store.audit.append({ at, actor: request.createdBy, action: 'token.create', target: id, detail: { name, role: token.role, expiresAt } });
  return { token, text };
}

/** Revokes a token (NotFoundError for an unknown id) and records it in the audit log. */
export async function revokeToken(store: Pick<Store, 'tokens' | 'audit'>, id: string, by: string, at: number): Promise<TokenRecord> {
  const token = await store.tokens.revoke(id, at);
  await store.audit.append({ at, actor: by, action: 'token.revoke', target: id, detail: { name: token.name } });
  return token;
}

/** Why a token (or anything revocable and expiring, as `what`) cannot be used at `at`, or null when it can. */
export function unusableReason(token: Pick<TokenRecord, 'revokedAt' | 'expiresAt'>, at: number, what = 'token'): string | null {
  if (token.revokedAt !== null) return `the ${what} was revoked`;
  if (token.expiresAt !== null && token.expiresAt <= at) return `the ${what} has expired`;
  return null;
}

