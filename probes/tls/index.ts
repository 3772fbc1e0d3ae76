import net from 'node:net';
import tls from 'node:tls';
import { z } from 'zod';
import { duration } from '../../lib/duration.js';
import { port } from '../../lib/port.js';
import type { Probe, ProbeOutcome, ProbeSample } from '../probe.js';
import { abortMessage, networkErrorMessage } from '../outcome-text.js';
import { caFilesOf, certValidityProblem, formatRemaining, peerCertExpiresAt, secondsUntil } from '../tls-info.js';
import { STARTTLS_PROTOCOLS, StartTlsRefused, negotiateStartTls, type StartTlsProtocol } from './starttls.js';
import { startRunTimer } from '../run-timer.js';

export const tlsProbeSchema = z.strictObject({
  host: z.string().min(1),
  port: port(),
  /** Upgrade a plain connection first: PostgreSQL's SSLRequest, or SMTP's EHLO/STARTTLS. */
  starttls: z.enum(STARTTLS_PROTOCOLS).optional().meta({ description: 'Upgrade a plain connection first: postgres (SSLRequest) or smtp (EHLO/STARTTLS)' }),
  /** The name sent as SNI and checked against the certificate; default `host`. */
  server_name: z.string().min(1).optional(),
  /** PEM file of a CA to trust besides the system's (an internal CA). */
  ca_file: z.string().optional(),
  expect: z
    .strictObject({
      /** Fail when the certificate expires sooner than this. */
      valid_for: duration().optional(),
      /** Fail when the chain does not verify against the trusted CAs (default true). */
      chain_valid: z.boolean().default(true),
      /** Fail when the certificate does not name the host (default true). */
      hostname_match: z.boolean().default(true),
    })
    .default({ chain_valid: true, hostname_match: true }),
});

export type TlsProbeTarget = z.output<typeof tlsProbeSchema>;

const CHAIN_ERRORS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate (missing intermediate?)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issuer certificate not found in the trusted CAs',
  UNABLE_TO_GET_ISSUER_CERT: 'issuer certificate not found',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_NOT_YET_VALID: 'certificate not valid yet',
  CERT_REVOKED: 'certificate revoked',
};

/** What the handshake showed about the certificate. */
export interface CertFacts {
  /** Seconds until notAfter (negative once expired), or null without a certificate. */
  readonly expirySeconds: number | null;
  /** The chain verified against the trusted CAs (expiry aside, which `expirySeconds` reports). */
  readonly chainError: string | null;
  /** Why the certificate does not name the host, or null when it does. */
  readonly hostnameError: string | null;
  readonly subject: string | null;
  readonly issuer: string | null;
}

/** Every expectation the certificate misses, as sentences naming `where`. */
export function certProblems(facts: CertFacts, expect: TlsProbeTarget['expect'], where: string): string[] {
  const problems: string[] = [];
  if (facts.expirySeconds === null) return [`${where} sent no certificate`];
  if (facts.expirySeconds <= 0) problems.push(`certificate of ${where} expired ${formatRemaining(facts.expirySeconds)} ago`);
  else if (expect.valid_for !== undefined) {
    const problem = certValidityProblem(facts.expirySeconds, expect.valid_for);
    if (problem) problems.push(`${problem} (${where})`);
  }
  if (expect.chain_valid && facts.chainError !== null && facts.chainError !== 'CERT_HAS_EXPIRED') {
    const why = CHAIN_ERRORS[facts.chainError] ?? facts.chainError;
    problems.push(`certificate chain of ${where} does not verify: ${why} (${facts.chainError}); set ca_file to trust its CA`);
  }
  if (expect.hostname_match && facts.hostnameError !== null) problems.push(`certificate of ${where} ${facts.hostnameError}`);
  return problems;
}

function nameOf(entity: tls.Certificate | undefined): string | null {
  if (!entity) return null;
  const cn = entity.CN;
  if (typeof cn === 'string') return `CN=${cn}`;
  const o = entity.O;
  return typeof o === 'string' ? `O=${o}` : null;
}

function factsOf(socket: tls.TLSSocket, hostname: string, now: number): CertFacts {
  const cert = socket.getPeerCertificate(true);
  const expiresAt = peerCertExpiresAt(socket);
  const chainError = socket.authorized ? null : String(socket.authorizationError ?? 'CERT_UNTRUSTED');
  const identity = cert && cert.raw ? tls.checkServerIdentity(hostname, cert) : undefined;
  // Node's sentence ("Hostname/IP does not match certificate's altnames: …") after our "certificate of X".
  const hostnameError = identity ? `does not match ${hostname}: ${identity.message.replace(/^Hostname\/IP does not match certificate's altnames: /, '')}` : null;
  return {
    expirySeconds: expiresAt === null ? null : secondsUntil(expiresAt, now),
    chainError,
    hostnameError,
    subject: nameOf(cert?.subject),
    issuer: nameOf(cert?.issuer),
  };
}

/**
 * Connects (through STARTTLS for PostgreSQL or SMTP when asked), completes a TLS handshake and checks
 * the certificate: `tls_cert_expiry_seconds`, `tls_cert_chain_valid`, `tls_cert_hostname_match`. The
 * handshake accepts any certificate, so an expired or untrusted one is measured, then judged.
 */
export const tlsProbe: Probe<TlsProbeTarget> = {
  kind: 'tls',
  schema: tlsProbeSchema,
  run(target, signal, ctx): Promise<ProbeOutcome> {
    const { startedAt, seconds: elapsed } = startRunTimer();
    const where = `${target.host}:${target.port}`;
    if (signal.aborted) {
      return Promise.resolve({ success: false, error: abortMessage(signal, `before connecting to ${where}`, startedAt), durationSeconds: 0, samples: [] });
    }
    const refused = ctx.outbound.checkHost(target.host);
    if (refused) return Promise.resolve({ success: false, error: refused.message, durationSeconds: 0, samples: [] });
    let ca: string[] | undefined;
    try {
      ca = target.ca_file ? caFilesOf(ctx).trustedWith(target.ca_file) : undefined;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return Promise.resolve({ success: false, error: `cannot read ca_file: ${reason}`, durationSeconds: 0, samples: [] });
    }
    const hostname = target.server_name ?? target.host;
    const tlsOptions: tls.ConnectionOptions = {
      rejectUnauthorized: false,
      // The host name is checked below, apart from the chain, so each has its own series and message.
      checkServerIdentity: () => undefined,
      ...(ca ? { ca } : {}),
      // SNI is never an IP address (RFC 6066 §3).
      ...(net.isIP(hostname) ? {} : { servername: hostname }),
    };
    return new Promise<ProbeOutcome>((resolve) => {
      let phase = `while connecting to ${where}`;
      let settled = false;
      const sockets: net.Socket[] = [];
      const settle = (error: string | null, samples: ProbeSample[] = [], detail: string | null = null): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        // Only the outermost socket: destroying a socket a TLSSocket wraps, besides the TLSSocket, crashes Node 20.
        sockets[sockets.length - 1]?.destroy();
        resolve({ success: error === null, error, durationSeconds: elapsed(), samples, detail });
      };
      const onAbort = (): void => settle(abortMessage(signal, phase, startedAt));
      const onError = (error: unknown): void => {
        if (error instanceof StartTlsRefused) return settle(error.message);
        settle(networkErrorMessage(error, target.host, target.port, phase));
      };
      signal.addEventListener('abort', onAbort, { once: true });

      const handshake = (options: tls.ConnectionOptions): void => {
        phase = `during the TLS handshake with ${where}`;
        const secure = tls.connect(options);
        sockets.push(secure);
        secure.on('error', onError);
        secure.once('close', () => settle(`connection closed by ${where} ${phase}`));
        secure.once('secureConnect', () => {
          const facts = factsOf(secure, hostname, ctx.clock.now());
          const samples: ProbeSample[] = [];
          if (facts.expirySeconds !== null) samples.push({ name: 'tls_cert_expiry_seconds', value: facts.expirySeconds });
          samples.push({ name: 'tls_cert_chain_valid', value: facts.chainError === null ? 1 : 0 });
          samples.push({ name: 'tls_cert_hostname_match', value: facts.hostnameError === null ? 1 : 0 });
          const problems = certProblems(facts, target.expect, where);
          const expires = facts.expirySeconds === null ? null : facts.expirySeconds > 0 ? `expires in ${formatRemaining(facts.expirySeconds)}` : 'expired';
          const detail = [facts.subject, facts.issuer && `issued by ${facts.issuer}`, expires].filter(Boolean).join(', ') || null;
          settle(problems.length ? problems.join('; ') : null, samples, detail);
        });
      };

      if (!target.starttls) return handshake({ host: target.host, port: target.port, lookup: ctx.outbound.lookup, ...tlsOptions });
      const protocol: StartTlsProtocol = target.starttls;
      const plain = net.connect({ host: target.host, port: target.port, lookup: ctx.outbound.lookup });
      sockets.push(plain);
      plain.on('error', onError);
      plain.once('connect', () => {
        phase = `during the ${protocol === 'postgres' ? 'PostgreSQL SSLRequest' : 'SMTP STARTTLS'} exchange with ${where}`;
        negotiateStartTls(plain, protocol, where).then(
          () => {
            if (!settled) handshake({ socket: plain, ...tlsOptions });
          },
          onError,
        );
      });
    });
  },
};
