// Wall links over the API ([X1]); admin only (auth/policy.ts). The key and the URL holding it are in
// the answer that makes the link and nowhere else, ever.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { issueWallLink, revokeWallLink, wallLinkUrl } from '../auth/wall-links.js';
import type { Clock } from '../lib/clock.js';
import { BadRequestError } from '../lib/errors.js';
import type { Store } from '../store/types.js';
import { actorOf, readBody } from './mutations.js';
import { parseTime } from './series-params.js';

export interface WallLinkRoutesDeps {
  readonly store: Pick<Store, 'wallLinks' | 'audit'>;
  readonly clock: Clock;
  /** `server.public_url`: the link's base; else the origin the admin's request came to. */
  readonly publicUrl?: string | null;
}

const createBody = z.strictObject({
  name: z.string(),
  expires: z.string().optional(),
  expires_at: z.union([z.string(), z.number().int().nonnegative()]).optional(),
});

function baseUrlOf(c: Context, publicUrl: string | null | undefined): string {
  if (publicUrl) return publicUrl;
  const url = new URL(c.req.url);
  const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
  return proto === 'https' || proto === 'http' ? `${proto}://${url.host}` : url.origin;
}

/** The routes, to mount at /api/v1. */
export function wallLinkRoutes(deps: WallLinkRoutesDeps): Hono {
  const app = new Hono();
  app.post('/wall-links', async (c) => {
    const body = await readBody(c, createBody);
    const at = deps.clock.now();
    let expiresAt: number | undefined;
    if (body.expires_at !== undefined) {
      const parsed = parseTime(String(body.expires_at), at);
      if (parsed === null) throw new BadRequestError(`expires_at: expected epoch ms or an ISO time, got "${String(body.expires_at).slice(0, 50)}"`);
      expiresAt = parsed;
    }
    const { link, key } = await issueWallLink(deps.store, { name: body.name, expires: body.expires, expiresAt, createdBy: actorOf(c, undefined) }, at);
    return c.json({ wallLink: link, url: wallLinkUrl(baseUrlOf(c, deps.publicUrl), key), note: 'the URL is shown this once; open it on the wall screen now' }, 201);
  });
  app.get('/wall-links', async (c) => c.json({ wallLinks: await deps.store.wallLinks.list() }));
  app.delete('/wall-links/:id', async (c) => c.json({ wallLink: await revokeWallLink(deps.store, c.req.param('id'), actorOf(c, undefined), deps.clock.now()) }));
  return app;
}
