// A real SMTP server (smtp-server) on 127.0.0.1, port 0, for the email receiver's tests: it keeps what
// it receives, answers what a test queues (a 4xx or 5xx at MAIL FROM, RCPT TO or DATA, or no answer at
// all), checks a password when given one, and counts open connections (a transport left open shows).
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { onTestFinished } from 'vitest';

/** A message as the server got it. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** Who logged in; null without AUTH. */
  readonly user: string | null;
  readonly raw: string;
}

/** Where a queued answer is given, and what it is: an SMTP reply, or none (the client waits). */
export type SmtpStage = 'mail' | 'rcpt' | 'data';
export type QueuedReply = { readonly code: number; readonly text: string } | 'hang';

export interface SmtpSink {
  readonly port: number;
  /** Messages accepted, and refused at DATA (their content arrived), in order. */
  readonly received: ReceivedMail[];
  /** Sessions open now. */
  readonly open: number;
  /** The next answers at `stage`, one per command, before accepting again. */
  answer(stage: SmtpStage, ...replies: QueuedReply[]): void;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Require AUTH with this user and password (over plain text: tests only). */
  readonly auth?: { readonly user: string; readonly password: string; readonly refusal?: (given: string) => string };
  /** Offer STARTTLS (smtp-server's built-in self-signed certificate); default: not offered. */
  readonly starttls?: boolean;
}

/** Starts an SMTP server on loopback; it is closed when the test ends. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const queues: Record<SmtpStage, QueuedReply[]> = { mail: [], rcpt: [], data: [] };
  let open = 0;
  const answerAt = (stage: SmtpStage, callback: (err?: Error | null) => void, accept: () => void): void => {
    const next = queues[stage].shift();
    if (next === 'hang') return;
    if (next) return callback(Object.assign(new Error(next.text), { responseCode: next.code }));
    accept();
  };
  const settings: SMTPServerOptions = {
    secure: false,
    disabledCommands: options.starttls ? [] : ['STARTTLS'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 200,
    onConnect: (_session, callback) => {
      open += 1;
      callback();
    },
    onClose: () => {
      open -= 1;
    },
    onAuth: (auth, _session, callback) => {
      const expected = options.auth;
      if (expected && auth.username === expected.user && auth.password === expected.password) return callback(null, { user: auth.username });
      const text = expected?.refusal?.(auth.password ?? '') ?? 'Authentication credentials invalid';
      callback(Object.assign(new Error(text), { responseCode: 535 }));
    },
    onMailFrom: (_address, _session, callback) => answerAt('mail', callback, () => callback()),
    onRcptTo: (_address, _session, callback) => answerAt('rcpt', callback, () => callback()),
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : null,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        answerAt('data', callback, () => callback(null, 'queued as test'));
      });
    },
  };
  const server = new SMTPServer(settings);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => {});
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closed: Promise<void> | null = null;
  const sink: SmtpSink = {
    port,
    received,
    get open() {
      return open;
    },
    answer: (stage, ...replies) => void queues[stage].push(...replies),
    close: () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
  onTestFinished(() => sink.close());
  return sink;
}

/** A received message's headers (lower-case names, unfolded) and its decoded text and HTML parts. */
export interface ParsedMail {
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string | null;
  readonly html: string | null;
}

/** Reads a multipart/alternative message as nodemailer writes it (quoted-printable or base64 parts). */
export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitHeaders(raw);
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1).map((part) => splitHeaders(part.replace(/^\r?\n/, ''))) : [{ headers, body }];
  const partOf = (type: string) => {
    const part = parts.find((p) => (p.headers['content-type'] ?? '').toLowerCase().startsWith(type));
    return part ? decodeBody(part.body, part.headers['content-transfer-encoding'] ?? '7bit') : null;
  };
  return { headers, text: partOf('text/plain'), html: partOf('text/html') };
}

function splitHeaders(raw: string): { headers: Record<string, string>; body: string } {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? '' : raw.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`); whitespace between two of them is dropped. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, _charset: string, encoding: string, text: string) => {
      if (encoding.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
      const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => `%${hex}`);
      return decodeURIComponent(bytes.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
    });
}

function decodeBody(body: string, encoding: string): string {
  const trimmed = body.replace(/\r?\n$/, '');
  if (/base64/i.test(encoding)) return Buffer.from(trimmed, 'base64').toString('utf8');
  if (/quoted-printable/i.test(encoding)) {
    const joined = trimmed.replace(/=\r?\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < joined.length; i++) {
      const hex = joined[i] === '=' ? /^[0-9A-Fa-f]{2}/.exec(joined.slice(i + 1, i + 3)) : null;
      if (hex) {
        bytes.push(parseInt(hex[0], 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(joined[i]!, 'utf8'));
      }
    }
    return Buffer.from(bytes).toString('utf8').replace(/\r\n/g, '\n');
  }
  return trimmed.replace(/\r\n/g, '\n');
}
