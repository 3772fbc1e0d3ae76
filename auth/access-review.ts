// The quarterly access review in one page ([X1]): every token with its role, creator, creation and
// last use, and the ones a reviewer should look at flagged. Pure: the tokens and the time come in.
import type { TokenRecord, WallLinkRecord } from '../store/types.js';
import { unusableReason } from './tokens.js';

/** An admin token not used for this long is flagged. */
export const ADMIN_UNUSED_MS = 90 * 86_400_000;

/** One token as the review shows it. */
export interface AccessReviewEntry extends TokenRecord {
  readonly state: 'active' | 'expired' | 'revoked';
  /** Why a reviewer should look at it; empty when nothing stands out. */
  readonly flags: readonly string[];
  /** Dashboard sessions signed in with it and not yet ended or expired. */
  readonly activeSessions: number;
}

/** One wall link as the review shows it. */
export interface WallLinkReviewEntry extends WallLinkRecord {
  readonly state: 'active' | 'expired' | 'revoked';
  readonly flags: readonly string[];
}

/** Every wall link with its state; an active one that never expires is flagged (a TV screen is easy to forget). */
export function wallLinkReview(links: readonly WallLinkRecord[], at: number): WallLinkReviewEntry[] {
  return links.map((link) => {
    const reason = unusableReason(link, at);
    const state = reason === null ? 'active' : link.revokedAt !== null ? 'revoked' : 'expired';
    return { ...link, state, flags: state === 'active' && link.expiresAt === null ? ['never expires'] : [] };
  });
}

/** Every token with its state and flags: active admins unused for 90 days, active tokens that never expire. */
export function accessReview(tokens: readonly TokenRecord[], at: number, activeSessions: ReadonlyMap<string, number> = new Map()): AccessReviewEntry[] {
  return tokens.map((token) => {
    const reason = unusableReason(token, at);
    const state = reason === null ? 'active' : token.revokedAt !== null ? 'revoked' : 'expired';
    const flags: string[] = [];
    if (state === 'active' && token.role === 'admin' && at - (token.lastUsedAt ?? token.createdAt) >= ADMIN_UNUSED_MS) {
      flags.push(token.lastUsedAt === null ? 'admin never used in 90 days' : 'admin unused for 90 days');
    }
    if (state === 'active' && token.expiresAt === null) flags.push('never expires');
    return { ...token, state, flags, activeSessions: activeSessions.get(token.id) ?? 0 };
  });
}
