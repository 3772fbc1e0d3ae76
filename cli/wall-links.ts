// `vigil wall-link create|list|revoke` ([X1]): read-only wall screen links in the store vigil serve uses.
import { wallLinkReview } from '../auth/access-review.js';
import { issueWallLink, revokeWallLink, wallLinkUrl } from '../auth/wall-links.js';
import type { Store, WallLinkRecord } from '../store/types.js';
import { CLI_ACTOR } from './tokens.js';

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/** Makes a wall link and returns the lines to print, its URL among them (shown this once). */
export async function createWallLinkLines(store: Store, opts: { name: string; expires?: string }, baseUrl: string, at: number): Promise<string[]> {
  const { link, key } = await issueWallLink(store, { name: opts.name, expires: opts.expires, createdBy: CLI_ACTOR }, at);
  return [
    `made wall link ${link.id} "${link.name}" (${link.expiresAt === null ? 'never expires' : `expires ${iso(link.expiresAt)}`})`,
    '',
    `  ${wallLinkUrl(baseUrl, key)}`,
    '',
    'This is the only time it is shown: open it on the wall screen now. It reads the wall view and nothing else.',
  ];
}

/** Every wall link as a table (never a key: the store has only hashes). */
export function wallLinkTable(links: readonly WallLinkRecord[], at: number): string[] {
  if (links.length === 0) return ['no wall links (make one with: vigil wall-link create --name NAME)'];
  const rows = wallLinkReview(links, at).map((l) => [l.id, l.name, l.createdBy, iso(l.createdAt), iso(l.expiresAt), iso(l.lastUsedAt), l.state]);
  const head = ['ID', 'NAME', 'CREATED BY', 'CREATED', 'EXPIRES', 'LAST USED', 'STATE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** Revokes a wall link; the line to print. */
export async function revokeWallLinkLine(store: Store, id: string, at: number): Promise<string> {
  const link = await revokeWallLink(store, id, CLI_ACTOR, at);
  return `revoked wall link ${link.id} "${link.name}" at ${iso(link.revokedAt)}; the screen showing it gets 401 at its next refresh`;
}
