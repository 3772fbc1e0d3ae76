// Error texts shared by the probes: they name what was expected and what was found, and for
// timeouts which phase of the check was running.
import { formatDuration } from '../lib/duration.js';
import { OutboundRefused } from '../lib/outbound-guard.js';

/**
 * The reason the scheduler aborts a run with at its deadline; carries the configured timeout so a probe
 * can say `timed out after 5s while reading the body`.
 */
export class ProbeTimeoutError extends Error {
  override name = 'TimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`timed out after ${formatDuration(timeoutMs)}`);
    this.timeoutMs = timeoutMs;
  }
}

/** Milliseconds as a short text: 812 → "812ms", 1500 → "1.5s". */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${Number((ms / 1000).toFixed(1))}s`;
}

/** Why a run stopped when its signal aborted: `timed out after 5s while reading the body`. */
export function abortMessage(signal: { readonly reason: unknown }, phase: string, startedAtMs: number): string {
  const reason: unknown = signal.reason;
  if (reason instanceof ProbeTimeoutError) return `timed out after ${formatDuration(reason.timeoutMs)} ${phase}`;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return `timed out after ${formatElapsed(performance.now() - startedAtMs)} ${phase}`;
  }
  const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : '';
  return why ? `aborted ${phase} (${why})` : `aborted ${phase}`;
}

const TLS_UNTRUSTED: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate (missing intermediate?)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issuer certificate not found in the trusted CAs',
  UNABLE_TO_GET_ISSUER_CERT: 'issuer certificate not found',
  CERT_UNTRUSTED: 'certificate not trusted',
};

/** Turns a socket/TLS/DNS error into an actionable sentence naming the target. */
export function networkErrorMessage(error: unknown, host: string, port: number, phase: string): string {
  // The guard's sentence is whole: it names the address and the setting that allows it.
  if (error instanceof OutboundRefused) return error.message;
  const err = error as NodeJS.ErrnoException;
  const code = err?.code ?? '';
  const where = `${host}:${port}`;
  const untrusted = TLS_UNTRUSTED[code];
  if (untrusted) {
    return `TLS certificate of ${where} is not trusted: ${untrusted} (${code}); set tls.insecure: true or tls.ca_file to accept it`;
  }
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused to ${where}`;
    case 'ENOTFOUND':
      return `DNS lookup of ${host} failed: no such host (ENOTFOUND)`;
    case 'EAI_AGAIN':
      return `DNS lookup of ${host} failed: temporary resolver error (EAI_AGAIN)`;
    case 'ECONNRESET':
      return `connection reset by ${where} ${phase}`;
    case 'EPIPE':
      return `connection closed by ${where} ${phase} (EPIPE)`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return `${where} is unreachable (${code})`;
    case 'CERT_HAS_EXPIRED':
      return `TLS certificate of ${where} has expired (CERT_HAS_EXPIRED)`;
    case 'CERT_NOT_YET_VALID':
      return `TLS certificate of ${where} is not valid yet (CERT_NOT_YET_VALID)`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate of ${where} does not match the host name: ${err.message}; set tls.server_name or tls.insecure`;
  }
  if (code.startsWith('HPE_')) return `invalid HTTP response from ${where}: ${err.message} (${code})`;
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return `TLS error with ${where} ${phase}: ${err.message} (${code})`;
  const message = err instanceof Error ? err.message : String(error);
  return code ? `${message} (${code}) ${phase}` : `${message} ${phase}`;
}
