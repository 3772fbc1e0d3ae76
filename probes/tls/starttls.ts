// The plain-text exchanges that come before a TLS handshake on a server that upgrades a connection:
// PostgreSQL's SSLRequest (protocol 3.0, §55.2.10: 8 bytes, the server answers one byte, S or N) and
// SMTP's EHLO/STARTTLS (RFC 3207). Each resolves once the next byte on the socket is the server's
// part of the handshake, or rejects with a sentence naming the server.
import os from 'node:os';
import type net from 'node:net';

/** Protocols the tls probe can upgrade. */
export const STARTTLS_PROTOCOLS = ['postgres', 'smtp'] as const;
export type StartTlsProtocol = (typeof STARTTLS_PROTOCOLS)[number];

/** The server answered, but not with what the protocol allows: the message is the outcome's error. */
export class StartTlsRefused extends Error {}

/** Upgrades `socket` (connected, nothing read yet); the caller destroys it on failure or abort. */
export function negotiateStartTls(socket: net.Socket, protocol: StartTlsProtocol, where: string): Promise<void> {
  return protocol === 'postgres' ? postgresSslRequest(socket, where) : smtpStartTls(socket, where);
}

/** Reads from the socket until `step` says it has enough; rejects on close or error. */
function exchange(socket: net.Socket, step: (buffered: Buffer) => 'more' | 'done'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      try {
        if (step(buffered) === 'done') {
          cleanup();
          // Nothing the server sends next may be read without a listener (and lost) before the next step.
          socket.pause();
          resolve();
        }
      } catch (error) {
        cleanup();
        reject(error);
      }
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(Object.assign(new Error('closed'), { code: 'ECONNRESET' }));
    };
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.resume();
  });
}

const SSL_REQUEST_CODE = 80877103;

async function postgresSslRequest(socket: net.Socket, where: string): Promise<void> {
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(SSL_REQUEST_CODE, 4);
  const answered = exchange(socket, (buffered) => {
    const answer = String.fromCharCode(buffered[0]);
    if (answer === 'N') throw new StartTlsRefused(`PostgreSQL at ${where} does not accept TLS (it answered N to the SSLRequest: ssl is off)`);
    if (answer !== 'S') throw new StartTlsRefused(`${where} answered the PostgreSQL SSLRequest with ${JSON.stringify(answer)}, expected S: is it PostgreSQL?`);
    // Bytes after the S before our handshake would be injected by a man in the middle (CVE-2021-23222).
    if (buffered.length > 1) throw new StartTlsRefused(`PostgreSQL at ${where} sent data after accepting TLS, before the handshake`);
    return 'done';
  });
  socket.write(request);
  await answered;
}

/** One SMTP reply: its code and its lines' texts. */
interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
}

/** Reads one reply, multi-line (`250-…` continues, `250 …` ends) included. */
function smtpReply(socket: net.Socket, where: string): Promise<SmtpReply> {
  let reply: SmtpReply | null = null;
  return exchange(socket, (buffered) => {
    const text = buffered.toString('latin1');
    if (!text.endsWith('\r\n') && !text.endsWith('\n')) return 'more';
    const lines = text.split(/\r?\n/).filter(Boolean);
    const last = lines[lines.length - 1];
    if (!/^\d{3}(?: |$)/.test(last)) {
      if (/^\d{3}-/.test(last)) return 'more';
      throw new StartTlsRefused(`${where} does not speak SMTP (it sent ${JSON.stringify(last.slice(0, 60))})`);
    }
    reply = { code: Number(last.slice(0, 3)), lines: lines.map((line) => line.slice(4)) };
    return 'done';
  }).then(() => reply as unknown as SmtpReply);
}

function showReply(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines[reply.lines.length - 1] ?? ''}`.trim();
}

async function smtpStartTls(socket: net.Socket, where: string): Promise<void> {
  const greeting = await smtpReply(socket, where);
  if (greeting.code !== 220) throw new StartTlsRefused(`SMTP server at ${where} greeted with ${showReply(greeting)}, expected 220`);
  socket.write(`EHLO ${os.hostname() || 'vigil'}\r\n`);
  const ehlo = await smtpReply(socket, where);
  if (ehlo.code !== 250) throw new StartTlsRefused(`SMTP server at ${where} answered EHLO with ${showReply(ehlo)}, expected 250`);
  if (!ehlo.lines.some((line) => /^STARTTLS\b/i.test(line))) {
    throw new StartTlsRefused(`SMTP server at ${where} does not offer STARTTLS (not in its EHLO reply)`);
  }
  socket.write('STARTTLS\r\n');
  const ready = await smtpReply(socket, where);
  if (ready.code !== 220) throw new StartTlsRefused(`SMTP server at ${where} answered STARTTLS with ${showReply(ready)}, expected 220`);
}
