// Token management and the audit log over the API ([X1]); admin only (auth/policy.ts). A token's
// text is in the answer that makes it and nowhere else, ever.
import { Hono } from 'hono';
import { z } from 'zod';
import { accessReview, wallLinkReview } from '../auth/access-review.js';
import { issueToken, parseRole, revokeToken } from '../auth/tokens.js';
import type { Clock } from '../lib/clock.js';
import { BadRequestError } from '../lib/errors.js';
import { parseTime } from './series-params.js';
import { actorOf, readBody } from './mutations.js';
import { parseQuery } from './params.js';
import type { Store } from '../store/types.js';

export interface TokenRoutesDeps {
  readonly store: Pick<Store, 'tokens' | 'audit' | 'sessions' | 'wallLinks'>;
  readonly clock: Clock;
}

const single = z.array(z.string()).optional().transform((values) => values?.[values.length - 1]);
const auditQuery = z.strictObject({
  actor: single,
  action: single,
  from: single,
  to: single,
  after: single.pipe(z.string().regex(/^\d{1,15}$/, 'expected the nextAfter of the previous page').transform(Number).optional()),
  limit: single.pipe(z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(1000)).optional()),
  format: single.pipe(z.enum(['json', 'csv']).optional()),
});

const AUDIT_CSV_COLUMNS = ['seq', 'at', 'actor', 'action', 'target', 'detail', 'prevHash', 'hash'] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; a leading =+-@ is prefixed so a spreadsheet does not run it. */
function csvField(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The routes, to mount at /api/v1. */
export function tokenRoutes(deps: TokenRoutesDeps): Hono {
  const app = new Hono();
  app.post('/tokens', async (c) => {
    const body = await readBody(c, z.strictObject({ name: z.string(), role: z.string(), expires: z.string().optional() }));
    const issued = await issueToken(deps.store, { name: body.name, role: parseRole(body.role), expires: body.expires, createdBy: actorOf(c, undefined) }, deps.clock.now());
    return c.json({ token: issued.token, secret: issued.text, note: 'the secret is shown this once; keep it now' }, 201);
  });
  app.get('/tokens', async (c) => c.json({ tokens: await deps.store.tokens.list() }));
  app.delete('/tokens/:id', async (c) => {
    const token = await revokeToken(deps.store, c.req.param('id'), actorOf(c, undefined), deps.clock.now());
    return c.json({ token });
  });
  app.get('/audit', async (c) => {
    const q = parseQuery(c, auditQuery);
    const now = deps.clock.now();
    const limit = q.limit ?? 100;
    const entries = await deps.store.audit.list({
      actor: q.actor,
      action: q.action,
      from: q.from === undefined ? undefined : parseTimeParam('from', q.from, now),
      to: q.to === undefined ? undefined : parseTimeParam('to', q.to, now),
      afterSeq: q.after,
      limit,
    });
    const nextAfter = entries.length === limit ? entries[entries.length - 1]!.seq : null;
    if (q.format === 'csv') {
      const lines = [AUDIT_CSV_COLUMNS.join(','), ...entries.map((entry) => AUDIT_CSV_COLUMNS.map((column) => csvField(column === 'at' ? new Date(entry.at).toISOString() : entry[column])).join(','))];
      const headers: Record<string, string> = { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="vigil-audit.csv"' };
      if (nextAfter !== null) headers['x-next-after'] = String(nextAfter);
      return c.body(`${lines.join('\r\n')}\r\n`, 200, headers);
    }
    return c.json({ entries, nextAfter });
  });
  app.get('/access-review', async (c) => {
    const at = deps.clock.now();
    const [tokens, sessions, links] = await Promise.all([deps.store.tokens.list(), deps.store.sessions.activeCounts(at), deps.store.wallLinks.list()]);
    return c.json({ at, tokens: accessReview(tokens, at, sessions), wallLinks: wallLinkReview(links, at) });
  });
  return app;
}

function parseTimeParam(name: string, text: string, at: number): number {
  const time = parseTime(text, at);
  if (time === null) throw new BadRequestError(`${name}: expected epoch ms, an ISO time or now-1h, got "${text.slice(0, 50)}"`);
  return time;
}
