// The access review's flags ([X1]): admins unused for 90 days and tokens that never expire, among
// active tokens only; revoked and expired ones are listed as such and never flagged.
import { describe, expect, it } from 'vitest';
import { accessReview } from '../../auth/access-review.js';
import type { TokenRecord } from '../../store/types.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 3, 1);

const token = (change: Partial<TokenRecord>): TokenRecord => ({
  id: 'id',
  name: 'n',
  role: 'viewer',
  createdBy: 'cli',
  createdAt: NOW - 200 * DAY,
  expiresAt: NOW + 10 * DAY,
  lastUsedAt: NOW - DAY,
  revokedAt: null,
  ...change,
});

describe('the access review', () => {
  it.each<[string, Partial<TokenRecord>, string, string[]]>([
    ['an admin used yesterday', { role: 'admin' }, 'active', []],
    ['an admin last used 91 days ago', { role: 'admin', lastUsedAt: NOW - 91 * DAY }, 'active', ['admin unused for 90 days']],
    ['an admin made 100 days ago and never used', { role: 'admin', lastUsedAt: null, createdAt: NOW - 100 * DAY }, 'active', ['admin never used in 90 days']],
    ['an admin made a week ago and not used yet', { role: 'admin', lastUsedAt: null, createdAt: NOW - 7 * DAY }, 'active', []],
    ['a responder unused for a year', { role: 'responder', lastUsedAt: NOW - 365 * DAY }, 'active', []],
    ['a token that never expires', { expiresAt: null }, 'active', ['never expires']],
    ['an idle admin that never expires', { role: 'admin', expiresAt: null, lastUsedAt: null }, 'active', ['admin never used in 90 days', 'never expires']],
    ['a revoked idle admin', { role: 'admin', lastUsedAt: null, revokedAt: NOW - DAY, expiresAt: null }, 'revoked', []],
    ['an expired token', { expiresAt: NOW - DAY }, 'expired', []],
  ])('%s', (_name, change, state, flags) => {
    expect(accessReview([token(change)], NOW)[0]).toMatchObject({ state, flags });
  });
});
