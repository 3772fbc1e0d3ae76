import { z } from 'zod';
import { port } from '../lib/port.js';
import net from 'node:net';
import tls from 'node:tls';
import type { Probe, ProbeOutcome, ProbeSample } from './probe.js';
import { tlsSchema } from './http.js';
import { abortMessage, networkErrorMessage } from './outcome-text.js';
import { caFilesOf, peerCertExpiresAt, secondsUntil, tlsConnectOptions, type TlsConnectOptions } from './tls-info.js';
import { startRunTimer } from './run-timer.js';

export const tcpSchema = z.strictObject({
  host: z.string().min(1),
  port: port(),
  /** Also complete a TLS handshake (and record the certificate's expiry). */
  tls: z.union([z.boolean(), tlsSchema]).default(false),
});

export type TcpTarget = z.output<typeof tcpSchema>;

/** Connects (and completes a TLS handshake when asked), then closes; records the certificate's expiry on TLS. */
export const tcpProbe: Probe<TcpTarget> = {
  kind: 'tcp',
  schema: tcpSchema,
  run(target, signal, ctx): Promise<ProbeOutcome> {
    const { startedAt, seconds: elapsed } = startRunTimer();
    const where = `${target.host}:${target.port}`;
    if (signal.aborted) {
      return Promise.resolve({ success: false, error: abortMessage(signal, `before connecting to ${where}`, startedAt), durationSeconds: 0, samples: [] });
    }
    const refused = ctx.outbound.checkHost(target.host);
    if (refused) return Promise.resolve({ success: false, error: refused.message, durationSeconds: 0, samples: [] });
    let tlsOptions: TlsConnectOptions | null = null;
    if (target.tls !== false) {
      try {
        tlsOptions = tlsConnectOptions(target.host, target.tls === true ? undefined : target.tls, caFilesOf(ctx));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return Promise.resolve({ success: false, error: `cannot read tls.ca_file: ${reason}`, durationSeconds: 0, samples: [] });
      }
    }
    return new Promise<ProbeOutcome>((resolve) => {
      let phase = `while connecting to ${where}`;
      let settled = false;
      const samples: ProbeSample[] = [];
      const socket: net.Socket = tlsOptions
        ? tls.connect({ host: target.host, port: target.port, lookup: ctx.outbound.lookup, ...tlsOptions })
        : net.connect({ host: target.host, port: target.port, lookup: ctx.outbound.lookup });
      const settle = (error: string | null): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve({ success: error === null, error, durationSeconds: elapsed(), samples });
      };
      const onAbort = (): void => settle(abortMessage(signal, phase, startedAt));
      socket.once('connect', () => {
        if (!tlsOptions) return settle(null);
        phase = `during the TLS handshake with ${where}`;
      });
      socket.once('secureConnect', () => {
        const expiresAt = peerCertExpiresAt(socket as tls.TLSSocket);
        if (expiresAt !== null) samples.push({ name: 'tls_cert_expiry_seconds', value: secondsUntil(expiresAt, ctx.clock.now()) });
        settle(null);
      });
      socket.on('error', (error) => settle(networkErrorMessage(error, target.host, target.port, phase)));
      socket.once('close', () => settle(`connection closed by ${where} ${phase}`));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  },
};
