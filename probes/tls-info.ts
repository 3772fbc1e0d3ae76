// Certificate facts the probes record: expiry as seconds from now, and a readable "3d" for messages;
// the CA files a context trusts.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { rootCertificates, type TLSSocket } from 'node:tls';
import type { ProbeContext } from './context.js';

const EXPIRES_AT = Symbol('vigil.certExpiresAt');
type CachedSocket = TLSSocket & { [EXPIRES_AT]?: number | null };

/**
 * Epoch ms of the peer certificate's notAfter (`valid_to`), or null when there is none. Cached on the
 * socket: a keep-alive socket serves many runs with the same certificate.
 */
export function peerCertExpiresAt(socket: TLSSocket): number | null {
  const cached = (socket as CachedSocket)[EXPIRES_AT];
  if (cached !== undefined) return cached;
  const cert = socket.getPeerCertificate();
  const expiresAt = cert && cert.valid_to ? Date.parse(cert.valid_to) : NaN;
  const value = Number.isFinite(expiresAt) ? expiresAt : null;
  (socket as CachedSocket)[EXPIRES_AT] = value;
  return value;
}

/** Whole seconds from `now` until `expiresAt` (both epoch ms); negative once expired. */
export function secondsUntil(expiresAt: number, now: number): number {
  return Math.round((expiresAt - now) / 1000);
}

/** Seconds as "3d", "5h", "12m", "40s"; "expired 2d ago" is the caller's wording for negatives. */
export function formatRemaining(seconds: number): string {
  const s = Math.abs(seconds);
  if (s >= 86_400) return `${Math.floor(s / 86_400)}d`;
  if (s >= 3_600) return `${Math.floor(s / 3_600)}h`;
  if (s >= 60) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s)}s`;
}

/** `certificate expires in 3d, expected at least 14d`, or null when the certificate is valid long enough. */
export function certValidityProblem(expirySeconds: number, validForMs: number): string | null {
  if (expirySeconds * 1000 >= validForMs) return null;
  const wanted = formatRemaining(validForMs / 1000);
  if (expirySeconds <= 0) return `certificate expired ${formatRemaining(expirySeconds)} ago, expected at least ${wanted} left`;
  return `certificate expires in ${formatRemaining(expirySeconds)}, expected at least ${wanted}`;
}

/** TLS options of a check as given in the config. */
export interface TlsConfig {
  readonly insecure?: boolean;
  readonly ca_file?: string;
  readonly server_name?: string;
}

/**
 * CA files read for the checks of one context: each file once, so a run does no disk I/O; a new
 * context (a restart, a reload that makes one) reads a rotated file again.
 */
export class CaFiles {
  readonly #trusted = new Map<string, string[]>();

  /** The system's roots plus the PEM in `file`; throws when the file cannot be read. */
  trustedWith(file: string): string[] {
    let ca = this.#trusted.get(file);
    if (!ca) {
      ca = [...rootCertificates, readFileSync(file, 'utf8')];
      this.#trusted.set(file, ca);
    }
    return ca;
  }

  close(): void {
    this.#trusted.clear();
  }
}

/** The context's CA files. */
export function caFilesOf(ctx: ProbeContext): CaFiles {
  return ctx.resource('tls.ca-files', () => new CaFiles());
}

/** Node TLS options for one connection. */
export interface TlsConnectOptions {
  rejectUnauthorized: boolean;
  ca?: string[];
  servername?: string;
}

/**
 * Node TLS options for a check: verification, an extra CA trusted besides the system's (read once per
 * file and context; throws when the file cannot be read), SNI (never an IP, per RFC 6066).
 */
export function tlsConnectOptions(host: string, tls: TlsConfig | undefined, caFiles: CaFiles): TlsConnectOptions {
  const options: TlsConnectOptions = {
    rejectUnauthorized: !(tls?.insecure ?? false),
  };
  if (tls?.ca_file) options.ca = caFiles.trustedWith(tls.ca_file);
  const servername = tls?.server_name ?? (net.isIP(host) ? undefined : host);
  if (servername) options.servername = servername;
  return options;
}
