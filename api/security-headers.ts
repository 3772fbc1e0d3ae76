// Security headers on every answer of Vigil's port (and the OTLP port): the API's JSON, errors, 404s,
// the dashboard, its assets, /metrics and /health. The dashboard is same-origin scripts and styles
// only: no inline script or style (uPlot and Preact set styles through the CSSOM, which CSP allows),
// and the favicon is a data: URL. Nothing may frame Vigil (clickjacking of the incident buttons).
import type { MiddlewareHandler } from 'hono';

/** The Content-Security-Policy of every answer. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
  "form-action 'self'",
].join('; ');

/** The headers set on every answer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Sets SECURITY_HEADERS on the answer, whichever route or error handler made it. A route may set a
 * Content-Security-Policy of its own, stricter for what it serves (a report's HTML page: its one
 * inline style by hash, no script at all); it is kept.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (name === 'content-security-policy' && c.res.headers.has(name)) continue;
      c.res.headers.set(name, value);
    }
  };
}
