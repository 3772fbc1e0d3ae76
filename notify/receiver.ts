// A receiver kind: how a message becomes an HTTP request for one service (Slack, PagerDuty, …) and how
// that service's answer is judged. Each kind is one file, registered in `builtinReceivers`
// (notify/index.ts); every kind runs the shared contract suite (test/notify/receivers.test.ts).
// A kind that does not speak HTTP (email over SMTP) still renders purely, into the same shape, and adds
// a `transport`: the dispatcher keeps one per receiver, delivers through it, and closes it on stop.
//
// Example:
//   export const example: ReceiverKind<{ url: Secret }> = {
//     kind: 'example',
//     schema: z.strictObject({ url: secretUrl() }),
//     render: ({ config, message }) => jsonRequest(config.url, { text: messageTitle(message) }),
//     classify: classifyHttp,
//   };
import { z } from 'zod';
import { Registry } from '../lib/registry.js';
import { Secret } from '../lib/secret.js';
import type { OutboundGuard } from '../lib/outbound-guard.js';
import type { NotificationMessage } from './types.js';
import type { ReportDigest } from '../reports/digest.js';

/** A request to send, built purely from the message; headers lower-case. */
export interface OutgoingRequest {
  /** The destination; a Secret when the URL itself is the credential (a chat webhook). */
  readonly url: string | Secret;
  readonly method: 'POST' | 'PUT';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What came back: an HTTP answer (the body's first few KiB), or no answer at all. */
export type HttpAnswer =
  | { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: string }
  | { readonly error: 'timeout' | 'refused' | 'network'; readonly message: string }
  /** The outbound guard refused the address (a metadata or link-local address): never retried. */
  | { readonly error: 'guard'; readonly message: string };

/** How an answer is judged: delivered, try again (maybe not before `afterMs`), give up, or disable the receiver. */
export type Classification =
  | { readonly result: 'ok' }
  | { readonly result: 'retry'; readonly afterMs: number | null; readonly reason: string }
  | { readonly result: 'fail'; readonly reason: string }
  | { readonly result: 'disable'; readonly reason: string };

/** What `render` gets: the message, the receiver's validated config, and what a sender adds. */
export interface RenderInput<C> {
  readonly config: C;
  /** The receiver's name in the config (`oncall-slack`). */
  readonly receiver: string;
  readonly message: NotificationMessage;
  /** The idempotency key, the same on every attempt. */
  readonly key: string;
  /** When this attempt is made (signatures carry it). */
  readonly at: number;
  /** The dashboard's address: `https://vigil.example.com` (incident links are `<baseUrl>/#/incidents/<id>`). */
  readonly baseUrl: string;
}

/** What `renderReport` gets: the report's digest in place of a message. */
export interface ReportRenderInput<C> extends Omit<RenderInput<C>, 'message'> {
  readonly report: ReportDigest;
}

/** A receiver kind. Pure: `render` and `classify` do no I/O and read no clock. */
export interface ReceiverKind<C = unknown> {
  readonly kind: string;
  /** The kind's fields in `notify.receivers.<name>.<kind>`; secret fields parse to `Secret`. */
  readonly schema: z.ZodType<C>;
  /** True when a message may hold one incident only (PagerDuty: one dedup key per event). */
  readonly oneIncidentPerMessage?: boolean;
  render(input: RenderInput<C>): OutgoingRequest;
  /**
   * Renders an SLA report's message. A kind without it (PagerDuty, Alertmanager: they take alerts
   * only) cannot be a report's receiver; the config says so.
   */
  renderReport?(input: ReportRenderInput<C>): OutgoingRequest;
  classify(answer: HttpAnswer): Classification;
  /**
   * Set by a kind that delivers itself instead of over HTTP: a connection for one configured receiver,
   * opened lazily and closed when the dispatcher stops. Its `deliver` judges the answer itself (`classify`
   * is then not asked).
   *
   * Example:
   *   transport: (config, { timeoutMs }) => {
   *     const client = connect(config.url.reveal(), timeoutMs);
   *     return { deliver: (request, signal) => client.send(request.body, signal).then(judge), close: () => client.close() };
   *   },
   */
  transport?(config: C, options: TransportOptions): ReceiverTransport;
}

/** What a kind's transport is told besides its config. */
export interface TransportOptions {
  /** The receiver's name in the config. */
  readonly receiver: string;
  /** One attempt's timeout (`notify.delivery.timeout`), for connection and greeting timeouts. */
  readonly timeoutMs: number;
  /** Every connection the transport opens passes it (`security.outbound`); default the guard's default policy. */
  readonly outbound?: OutboundGuard;
}

/** A receiver's own connection (an SMTP client). */
export interface ReceiverTransport {
  /** Sends one rendered message; never throws for a delivery failure (that is a judgement); stops when `signal` aborts. */
  deliver(request: OutgoingRequest, signal: AbortSignal): Promise<Classification>;
  /** Ends its connections; a message in flight fails (and is retried later). */
  close(): Promise<void>;
}

// `any`: a registry holds kinds of different config types, each used only with its own config.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyReceiverKind = ReceiverKind<any>;

export type ReceiverRegistry = Registry<AnyReceiverKind>;

/** A registry of the given kinds; registering a kind twice throws. */
export function receiverRegistry(kinds: readonly AnyReceiverKind[]): ReceiverRegistry {
  return new Registry<AnyReceiverKind>('receiver kind', kinds);
}

/** The request for a message of any kind: `renderReport` for a report, `render` for the rest. */
export function renderMessage<C>(kind: ReceiverKind<C>, input: RenderInput<C>): OutgoingRequest {
  if (input.message.kind !== 'report') return kind.render(input);
  const { message, ...rest } = input;
  if (!kind.renderReport || !message.report) throw new Error(`a ${kind.kind} receiver cannot take a report`);
  return kind.renderReport({ ...rest, report: message.report });
}

/** A secret string field (a routing key, a signing secret): never shown, never in an error. */
export function secretString() {
  return z
    .string({ error: 'expected a string' })
    .min(1, 'must not be empty')
    .transform((value) => new Secret(value))
    .meta({ type: 'string', description: 'A secret: write "${VAR}" to take it from the environment' });
}

/** A secret http(s) URL (a chat webhook URL is its own credential); a problem never quotes it. */
export function secretUrl() {
  return z
    .string({ error: 'expected a URL' })
    .refine((value) => isHttpUrl(value), 'expected an http:// or https:// URL')
    .transform((value) => new Secret(value))
    .meta({ type: 'string', description: 'A secret URL: write "${VAR}" to take it from the environment' });
}

/** A plain http(s) URL (an Alertmanager address). */
export function httpUrl() {
  return z.string({ error: 'expected a URL' }).refine((value) => isHttpUrl(value), 'expected an http:// or https:// URL');
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A JSON POST. */
export function jsonRequest(url: string | Secret, body: unknown, headers: Readonly<Record<string, string>> = {}): OutgoingRequest {
  return { url, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** The longest wait a Retry-After may ask for before we treat it as "later, on our own schedule". */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** `Retry-After` in ms: delta-seconds, or an HTTP date relative to the answer's `date` header; null when absent or unreadable. */
export function retryAfterMs(headers: Readonly<Record<string, string>>): number | null {
  const value = headers['retry-after']?.trim();
  if (!value) return null;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Math.min(MAX_RETRY_AFTER_MS, Math.round(Number(value) * 1000));
  const when = Date.parse(value);
  const now = Date.parse(headers.date ?? '');
  if (Number.isNaN(when) || Number.isNaN(now)) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, when - now));
}

/**
 * The default judgement: 2xx ok; 408, 425, 429 and 5xx retry (honouring Retry-After); 410 Gone
 * disables the receiver (the webhook was deleted); other 4xx fail (retrying the same request cannot
 * help); no answer (timeout, refused, reset) retries. `goneStatuses` lets a kind add its own "deleted"
 * answers (Slack and Discord answer 404 for a removed webhook).
 */
export function classifyHttp(answer: HttpAnswer, goneStatuses: readonly number[] = [410]): Classification {
  if ('error' in answer) return { result: 'retry', afterMs: null, reason: `${answer.error}: ${answer.message}` };
  const { status } = answer;
  const said = describeAnswer(answer);
  if (status >= 200 && status < 300) return { result: 'ok' };
  if (goneStatuses.includes(status)) return { result: 'disable', reason: `the receiver is gone: ${said}` };
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    return { result: 'retry', afterMs: retryAfterMs(answer.headers), reason: said };
  }
  return { result: 'fail', reason: said };
}

/** `HTTP 429: rate_limited`: the status and the start of the body, on one line. */
export function describeAnswer(answer: { readonly status: number; readonly body: string }): string {
  const body = answer.body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return body ? `HTTP ${answer.status}: ${body}` : `HTTP ${answer.status}`;
}
