import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, UnreadableDataError } from '../lib/errors.js';
import type { ErrorResponse } from './types.js';

/** The one place where errors become HTTP responses: `{ error: { code, message } }`. */
export function errorResponse(c: Context, err: Error): Response {
  if (err instanceof BadRequestError) return c.json<ErrorResponse>({ error: { code: 'bad_request', message: err.message } }, 400);
  if (err instanceof UnauthorizedError) {
    return c.json<ErrorResponse>({ error: { code: 'unauthorized', message: err.message } }, 401, { 'www-authenticate': 'Bearer realm="vigil"' });
  }
  if (err instanceof ForbiddenError) return c.json<ErrorResponse>({ error: { code: 'forbidden', message: err.message } }, 403);
  if (err instanceof NotFoundError) return c.json<ErrorResponse>({ error: { code: 'not_found', message: err.message } }, 404);
  if (err instanceof ConflictError) return c.json<ErrorResponse>({ error: { code: 'conflict', message: err.message } }, 409);
  if (err instanceof UnreadableDataError) {
    console.error(`${c.req.method} ${c.req.path} failed: ${err.message}`);
    return c.json<ErrorResponse>({ error: { code: 'unreadable', message: err.message } }, 500);
  }
  if (err instanceof HTTPException && err.status < 500) {
    return c.json<ErrorResponse>({ error: { code: 'bad_request', message: err.message } }, err.status);
  }
  console.error(`${c.req.method} ${c.req.path} failed:`, err);
  return c.json<ErrorResponse>({ error: { code: 'internal', message: 'internal error; see the server log' } }, 500);
}

export function notFound(c: Context): Response {
  return c.json<ErrorResponse>({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404);
}
