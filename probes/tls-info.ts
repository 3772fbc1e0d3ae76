// Certificate facts the probes record: expiry as seconds from now, and a readable "3d" for messages.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { rootCertificates, type TLSSocket } from 'node:tls';

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

const caCache = new Map<string, string[]>();

/** Node TLS options for one connection. */
export interface TlsConnectOptions {
  rejectUnauthorized: boolean;
  ca?: string[];
  servername?: string;
}

/**
 * Node TLS options for a check: verification, an extra CA trusted besides the system's (read once per
 * file; throws when the file cannot be read), SNI (never an IP, per RFC 6066).
 */
export function tlsConnectOptions(host: string, tls: TlsConfig | undefined): TlsConnectOptions {
  const options: TlsConnectOptions = {
    rejectUnauthorized: !(tls?.insecure ?? false),
  };
  if (tls?.ca_file) {
    let ca = caCache.get(tls.ca_file);
    if (!ca) {
      ca = [...rootCertificates, readFileSync(tls.ca_file, 'utf8')];
      caCache.set(tls.ca_file, ca);
    }
    options.ca = ca;
  }
  const servername = tls?.server_name ?? (net.isIP(host) ? undefined : host);
  if (servername) options.servername = servername;
  return options;
}
