// The email receiver's transport: one nodemailer connection pool per receiver (a storm of messages
// shares a few connections instead of opening one each), closed when the dispatcher stops. SMTP answers
// are judged like HTTP ones: 2xx delivered; 4xx and no answer (refused, timeout, TLS) retry; 5xx fail;
// an authentication refusal fails with a message saying so. The password never reaches a reason.
import net from 'node:net';
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { OutboundGuard, OutboundRefused } from '../lib/outbound-guard.js';
import { SecretValues } from '../lib/secret.js';
import { checkStored, parseStoredJson, type StoredRead } from '../lib/stored-json.js';
import type { EmailConfig, RenderedEmail } from './email.js';
import type { Classification, OutgoingRequest, ReceiverTransport, TransportOptions } from './receiver.js';

/** Where an `smtp:` URL points, and who logs in. */
export interface SmtpEndpoint {
  /** True for smtps:// (TLS from the first byte, port 465). */
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly user: string | null;
  readonly password: string | null;
}

/**
 * Reads `smtp[s]://[user[:password]@]host[:port]`; null when it is not one. The password runs to the
 * last `@`, so a `${VAR}` holding `@`, `:` or `/` still works; percent-escapes are decoded (URL rules).
 */
export function parseSmtpUrl(text: string): SmtpEndpoint | null {
  const match = /^(smtps?):\/\/(?:([^:@/]*)(?::(.*))?@)?(\[[0-9A-Fa-f:.]+\]|[^\s@/:?#[\]]+)(?::(\d{1,5}))?\/?$/s.exec(text.trim());
  if (!match) return null;
  const [, scheme, user, password, host, port] = match;
  const secure = scheme === 'smtps';
  const portNumber = port ? Number(port) : secure ? 465 : 587;
  if (portNumber < 1 || portNumber > 65_535) return null;
  return {
    secure,
    host: host!.replace(/^\[(.*)\]$/, '$1'),
    port: portNumber,
    user: user ? decode(user) : null,
    password: password !== undefined ? decode(password) : null,
  };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const renderedEmail: z.ZodType<RenderedEmail> = z.object({
  from: z.string(),
  to: z.array(z.string()).min(1),
  subject: z.string(),
  messageId: z.string(),
  inReplyTo: z.string().nullable(),
  references: z.array(z.string()),
  text: z.string(),
  html: z.string(),
});

/** The email in a request's body (email.ts's render), checked; a body that is not one is a problem to report (`is malformed at to: …`), not an exception. */
export function readRenderedEmail(body: string): StoredRead<RenderedEmail> {
  const parsed = parseStoredJson(body);
  if (!parsed.ok) return parsed;
  const checked = checkStored(parsed.value, renderedEmail);
  return checked.ok ? checked : { ok: false, problem: `is malformed at ${checked.problem}` };
}

/** What an SMTP attempt came to: the server's reply, or no usable reply. */
export type SmtpAnswer =
  | { readonly reply: number; readonly text: string; readonly command: string | null }
  | { readonly error: 'timeout' | 'refused' | 'network' | 'tls' | 'auth' | 'message' | 'guard'; readonly message: string };

/** Replies that mean "your login is wrong" (RFC 4954): 530 authentication required, 534, 535 credentials invalid. */
const AUTH_REPLIES = [530, 534, 535];

/** Judges an SMTP answer (pure). */
export function classifySmtp(answer: SmtpAnswer): Classification {
  if ('error' in answer) {
    if (answer.error === 'auth') return { result: 'fail', reason: `SMTP authentication failed: ${answer.message}` };
    // The same address is refused on every retry.
    if (answer.error === 'guard') return { result: 'fail', reason: answer.message };
    if (answer.error === 'message') return { result: 'fail', reason: `the message was refused before sending: ${answer.message}` };
    return { result: 'retry', afterMs: null, reason: `${answer.error}: ${answer.message}` };
  }
  const { reply, text, command } = answer;
  const said = `SMTP ${text.startsWith(String(reply)) ? text : `${reply} ${text}`}`.trim();
  if (reply >= 200 && reply < 300) return { result: 'ok' };
  const isAuth = AUTH_REPLIES.includes(reply) || (command?.startsWith('AUTH') ?? false);
  if (isAuth && reply >= 500) {
    return { result: 'fail', reason: `SMTP authentication failed (check the user and password in notify's smtp URL): ${said}` };
  }
  // 4xx is transient by definition (RFC 5321 4.2.1): 421 closing, 450/451 try again, 452 storage, 454 auth later.
  if (reply >= 400 && reply < 500) return { result: 'retry', afterMs: null, reason: said };
  if (reply >= 500 && reply < 600) return { result: 'fail', reason: said };
  return { result: 'retry', afterMs: null, reason: `unexpected reply: ${said}` };
}

/** What nodemailer's errors carry besides a message. */
interface NodemailerError extends Error {
  readonly code?: string;
  readonly originalCode?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly command?: string;
}

/** The answer a nodemailer error stands for; `aborted` when our own timeout ended the attempt. */
export function smtpAnswerOf(error: unknown, aborted: boolean, timeoutMs: number): SmtpAnswer {
  const err = error as NodemailerError;
  const message = oneLine(err?.message ?? String(error));
  if (error instanceof OutboundRefused) return { error: 'guard', message: error.message };
  if (aborted || err?.name === 'AbortError') return { error: 'timeout', message: `no answer within ${timeoutMs} ms` };
  if (err.code === 'ETIMEDOUT') return { error: 'timeout', message };
  if (err.code === 'ETLS' || err.command === 'STARTTLS') return { error: 'tls', message: `STARTTLS failed (starttls: required refuses plain text): ${message}` };
  if (typeof err.responseCode === 'number') return { reply: err.responseCode, text: oneLine(err.response ?? message), command: err.command ?? null };
  if (err.code === 'EAUTH') return { error: 'auth', message };
  if (err.code === 'EMESSAGE' || err.code === 'EENVELOPE') return { error: 'message', message };
  const system = err.originalCode ?? err.code;
  if (system === 'ECONNREFUSED') return { error: 'refused', message: 'connection refused' };
  return { error: 'network', message: system && !message.includes(system) ? `${system}: ${message}` : message };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}

/** A plain socket to the SMTP server through the outbound guard, for nodemailer's `getSocket`. */
function guardedSocket(endpoint: SmtpEndpoint, guard: OutboundGuard, timeoutMs: number, callback: (error: Error | null, socketOptions?: { connection: net.Socket }) => void): void {
  const refused = guard.checkHost(endpoint.host);
  if (refused) return callback(refused);
  const socket = net.connect({ host: endpoint.host, port: endpoint.port, lookup: guard.lookup });
  const timer = setTimeout(() => {
    socket.destroy();
    callback(Object.assign(new Error(`no connection to ${endpoint.host}:${endpoint.port} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
  }, timeoutMs);
  socket.once('connect', () => {
    clearTimeout(timer);
    socket.off('error', onError);
    callback(null, { connection: socket });
  });
  const onError = (error: Error): void => {
    clearTimeout(timer);
    callback(error);
  };
  socket.once('error', onError);
}

/** Connections to one SMTP server at most, shared by a receiver's messages. */
const MAX_CONNECTIONS = 2;

/** The SMTP transport of one email receiver. */
export function smtpTransport(config: EmailConfig, options: TransportOptions): ReceiverTransport {
  const url = config.smtp.reveal();
  const endpoint = parseSmtpUrl(url);
  if (!endpoint) throw new Error('the smtp URL is not an smtp:// or smtps:// URL');
  const secrets = new SecretValues([url, ...(endpoint.password ? [endpoint.password] : [])]);
  const { timeoutMs } = options;
  const pool = createTransport({
    pool: true,
    maxConnections: MAX_CONNECTIONS,
    // A connection the server dropped is tried once more in the pool; our own retries do the rest.
    maxRequeues: 1,
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    requireTLS: !endpoint.secure && config.starttls === 'required',
    ...(endpoint.user !== null ? { auth: { user: endpoint.user, pass: endpoint.password ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    logger: false,
    debug: false,
    // The message is our own rendering: never read files or URLs into it.
    disableFileAccess: true,
    disableUrlAccess: true,
    // nodemailer resolves and connects by itself; handing it a socket we connected through the guard
    // makes the checked address the connected one (it upgrades that socket to TLS as it would its own).
    getSocket: (_options: unknown, callback: (error: Error | null, socketOptions?: { connection: net.Socket }) => void) => guardedSocket(endpoint, options.outbound ?? new OutboundGuard(), timeoutMs, callback),
  });
  // A pooled connection failing while idle is not a delivery's failure; the next send opens another.
  // An unheard 'error' event would end the process.
  pool.on('error', () => {});
  let closed = false;
  return {
    async deliver(request: OutgoingRequest, signal: AbortSignal): Promise<Classification> {
      if (closed) return { result: 'retry', afterMs: null, reason: 'the SMTP transport is closed (shutting down)' };
      const read = readRenderedEmail(request.body);
      // A bug in the render, not the server's doing: sending it again would not help.
      if (!read.ok) return { result: 'fail', reason: `not sent: the rendered email ${read.problem}` };
      const mail = read.value;
      let verdict: Classification;
      try {
        const info = await pool.sendMail({
          from: mail.from,
          to: [...mail.to],
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
          ...(mail.references.length ? { references: [...mail.references] } : {}),
          signal,
        });
        const reply = Number(/^\d{3}/.exec(info.response ?? '')?.[0] ?? 250);
        verdict = classifySmtp({ reply, text: oneLine(info.response ?? ''), command: 'DATA' });
      } catch (error) {
        verdict = classifySmtp(smtpAnswerOf(error, signal.aborted, timeoutMs));
      }
      return 'reason' in verdict ? { ...verdict, reason: secrets.scrub(verdict.reason) } : verdict;
    },
    async close(): Promise<void> {
      closed = true;
      // The dispatcher has waited for its tick: what is still sending is abandoned, and retried later.
      pool.close({ force: true });
    },
  };
}
