// Path and query parameters shared by the API's routes: ids and query strings checked by a schema,
// every problem named in one 400.
import type { Context } from 'hono';
import type { z } from 'zod';
import { BadRequestError } from '../lib/errors.js';

/** The `:id` path parameter as a number; 400 for anything but digits. */
export function idParam(c: Context): number {
  const text = c.req.param('id') ?? '';
  if (!/^\d{1,15}$/.test(text)) throw new BadRequestError(`expected a numeric id, got "${text.slice(0, 50)}"`);
  return Number(text);
}

/** The query string parsed by `schema` (each parameter as the list of its values). */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.queries());
  if (!parsed.success) throw new BadRequestError(parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
  return parsed.data;
}
