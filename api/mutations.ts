// The one point every mutating API route passes through: a bounded JSON body, validated by the
// route's schema, and the actor the change is recorded under. Roles and tokens ([X1]) attach here:
// `actorOf` is where an authenticated identity will replace the name a caller gives.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { BadRequestError } from '../lib/errors.js';

/** The largest body a mutating route reads: a postmortem's Markdown fits with room. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Who a change is recorded under when the caller names nobody. */
export const ANONYMOUS = 'anonymous';

const ACTOR_HEADER = 'x-vigil-user';
const MAX_ACTOR_LENGTH = 100;

/** Applied to POST, PUT, PATCH and DELETE under the API: the body bound, before any route reads it. */
export function mutationGuard(): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new BadRequestError(`the request body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
    },
  });
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    return limit(c, next);
  };
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
 * Who makes the change: the `X-Vigil-User` header, else the body's `by`, else "anonymous". A name is
 * one line of at most 100 printable characters, so a timeline cannot be forged with line breaks.
 */
export function actorOf(c: Context, by: string | undefined): string {
  const written = c.req.header(ACTOR_HEADER) ?? by;
  if (written === undefined) return ANONYMOUS;
  const name = written.trim();
  if (name === '') return ANONYMOUS;
  if (name.length > MAX_ACTOR_LENGTH) throw new BadRequestError(`the user name is longer than ${MAX_ACTOR_LENGTH} characters`);
  if (/[\p{Cc}\p{Cf}]/u.test(name)) throw new BadRequestError('the user name contains control characters');
  return name;
}
