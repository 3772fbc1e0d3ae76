// Who may send data in ([X1]): OTLP (/v1/metrics, /v1/traces, /v1/logs, on Vigil's port and on the
// OTLP port) and heartbeat beats. `auth.ingest` says: `token` (an ingest or admin token as
// `Authorization: Bearer`, what the OTel SDK sends from OTEL_EXPORTER_OTLP_HEADERS), `open`, or
// `loopback` (no token from this machine, a token from elsewhere). Unset, it follows the listen
// address: open when Vigil listens on loopback only (nothing else can reach it), token otherwise.
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { IngestMode } from '../config/types.js';
import { ForbiddenError, UnauthorizedError } from '../lib/errors.js';
import { bearerText, identifyBearer, type CredentialStores } from './identify.js';
import { roleAllows } from './policy.js';

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped form. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.replace(/^::ffff:/i, '');
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || v4 === 'localhost';
}

/** The mode in force: the config's, else open for a loopback listen address and token for any other. */
export function ingestMode(configured: IngestMode | null, host: string): IngestMode {
  if (configured !== null) return configured;
  return isLoopbackAddress(host) ? 'open' : 'token';
}

/** The peer address of the request's socket (never X-Forwarded-For, which a client writes); undefined outside a real server. */
export function remoteAddress(c: Context): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
}

/** Throws 401/403 unless the request may ingest under `mode`. */
export async function checkIngest(c: Context, mode: IngestMode, stores: CredentialStores): Promise<void> {
  if (mode === 'open') return;
  if (mode === 'loopback' && isLoopbackAddress(remoteAddress(c))) return;
  const text = bearerText(c.req.header('authorization'));
  if (text === null) throw new UnauthorizedError('sending data here needs an ingest token: Authorization: Bearer vgl_… (vigil token create --role ingest)');
  const identity = await identifyBearer(text, stores);
  if (identity.kind !== 'token' || !roleAllows(identity.role, 'ingest')) {
    throw new ForbiddenError(`sending data needs an ingest or admin token; ${identity.kind === 'wall' ? 'a wall link only reads' : `the token "${identity.name}" is a ${identity.role}`}`);
  }
}

/** The collector's guard: refusals in the API's error shape (the OTel exporters stop on 401/403 and log it). */
export function ingestGuard(mode: IngestMode, stores: CredentialStores, onRefusal: (c: Context, error: Error) => Response): MiddlewareHandler {
  return async (c, next) => {
    try {
      await checkIngest(c, mode, stores);
    } catch (error) {
      if (error instanceof UnauthorizedError || error instanceof ForbiddenError) return onRefusal(c, error);
      throw error;
    }
    return next();
  };
}
