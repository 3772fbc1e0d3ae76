// `vigil token create|list|revoke` and `vigil audit verify` ([X1]): against the store `vigil serve`
// uses, so a first admin token can be made before the server ever starts.
import fs from 'node:fs';
import { verifyAuditChain, type AuditProblem } from '../audit/chain.js';
import { accessReview, wallLinkReview } from '../auth/access-review.js';
import { issueToken, parseRole, revokeToken, unusableReason } from '../auth/tokens.js';
import { isPostgresUrl } from '../store/postgres/connection.js';
import { openStore } from '../store/open.js';
import type { AuditEntry, Store, TokenRecord, WallLinkRecord } from '../store/types.js';
import { wallLinkTable } from './wall-links.js';

/** Who the CLI records changes under: it runs with access to the database, so it is trusted as such. */
export const CLI_ACTOR = 'cli';

/** Opens the store at `location`; `create: false` refuses a SQLite file that is not there yet. */
export async function openCliStore(location: string, create: boolean): Promise<Store> {
  if (!create && !isPostgresUrl(location) && !fs.existsSync(location)) throw new Error(`no store at ${location} (give --db, or run vigil serve first)`);
  return openStore(location, { sqlite: { readers: 0 } });
}

/** Makes a token and returns the lines to print, the secret among them (shown this once). */
export async function createTokenLines(store: Store, opts: { name: string; role: string; expires?: string }, at: number): Promise<string[]> {
  const { token, text } = await issueToken(store, { name: opts.name, role: parseRole(opts.role), expires: opts.expires, createdBy: CLI_ACTOR }, at);
  return [
    `made token ${token.id} "${token.name}" (${token.role}${token.expiresAt === null ? ', never expires' : `, expires ${new Date(token.expiresAt).toISOString()}`})`,
    '',
    `  ${text}`,
    '',
    'This is the only time it is shown: keep it now. Send it as "Authorization: Bearer <token>".',
  ];
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/** Every token as a table (never a secret: the store has only hashes). */
export function tokenTable(tokens: readonly TokenRecord[], at: number): string[] {
  if (tokens.length === 0) return ['no tokens (make one with: vigil token create --name NAME --role admin)'];
  const rows = tokens.map((t) => [t.id, t.name, t.role, t.createdBy, iso(t.createdAt), iso(t.expiresAt), iso(t.lastUsedAt), unusableReason(t, at)?.replace(/^the token (was |has )?/, '') ?? 'active']);
  const head = ['ID', 'NAME', 'ROLE', 'CREATED BY', 'CREATED', 'EXPIRES', 'LAST USED', 'STATE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** Revokes a token; the line to print. */
export async function revokeTokenLine(store: Store, id: string, at: number): Promise<string> {
  const token = await revokeToken(store, id, CLI_ACTOR, at);
  return `revoked token ${token.id} "${token.name}" at ${iso(token.revokedAt)}`;
}

/** The whole audit log checked page by page: the number of rows and every break found, naming its row. */
export async function verifyAudit(store: Store): Promise<{ rows: number; problems: AuditProblem[] }> {
  const problems: AuditProblem[] = [];
  let previous: AuditEntry | null = null;
  let rows = 0;
  for (;;) {
    const page = await store.audit.list({ afterSeq: previous?.seq ?? 0, limit: 1000 });
    if (page.length === 0) break;
    problems.push(...verifyAuditChain(page, previous));
    rows += page.length;
    previous = page[page.length - 1]!;
  }
  return { rows, problems };
}

/** `vigil access-review`: every token as in `token list`, then every wall link, each flagged one followed by why. */
export function accessReviewLines(tokens: readonly TokenRecord[], at: number, wallLinks: readonly WallLinkRecord[] = []): string[] {
  const review = accessReview(tokens, at);
  const links = wallLinkReview(wallLinks, at);
  const flagged = [
    ...review.filter((entry) => entry.flags.length > 0).map((entry) => `  ${entry.id} "${entry.name}" (${entry.role}): ${entry.flags.join('; ')}`),
    ...links.filter((entry) => entry.flags.length > 0).map((entry) => `  ${entry.id} "${entry.name}" (wall link): ${entry.flags.join('; ')}`),
  ];
  const lines = [`access review at ${iso(at)}: ${review.length} token${review.length === 1 ? '' : 's'}, ${links.length} wall link${links.length === 1 ? '' : 's'}, ${flagged.length} flagged`, '', ...tokenTable(tokens, at)];
  if (links.length > 0) lines.push('', ...wallLinkTable(wallLinks, at));
  if (flagged.length > 0) lines.push('', 'flagged:', ...flagged);
  return lines;
}
