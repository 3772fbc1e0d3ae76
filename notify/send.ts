// The one I/O step of a delivery: send a rendered request with a timeout and read a bounded answer, or
// hand it to the kind's own transport (SMTP). Over node:http rather than fetch so the connection goes
// through the outbound guard's lookup (the address checked is the address connected to) and through
// keep-alive agents the dispatcher owns and closes, not a process-wide pool.
import http from 'node:http';
import https from 'node:https';
import type { AnyReceiverKind, Classification, HttpAnswer, OutgoingRequest, ReceiverTransport } from './receiver.js';
import { HttpAgents } from '../lib/http-agents.js';
import { OutboundGuard, OutboundRefused } from '../lib/outbound-guard.js';
import { Secret } from '../lib/secret.js';

/** The part of an answer's body kept for classification and the record. */
export const MAX_ANSWER_BYTES = 4096;

/** Connections to one receiver's origin at most: a storm of messages queues for these. */
const MAX_SOCKETS_PER_ORIGIN = 16;

/** How deliveries speak HTTP: the guard every connection passes, and keep-alive agents closed by `close()`. */
export class DeliveryHttp {
  readonly guard: OutboundGuard;
  #agents: HttpAgents | null = null;

  constructor(guard: OutboundGuard = new OutboundGuard()) {
    this.guard = guard;
  }

  /** Sends `request` and answers what came back; never throws for a network failure (that is an answer too). */
  send(request: OutgoingRequest, timeoutMs: number): Promise<HttpAnswer> {
    const href = request.url instanceof Secret ? request.url.reveal() : request.url;
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      return Promise.resolve({ error: 'network', message: 'the receiver URL is not a URL' });
    }
    // The schemas refuse other schemes; a kind building its URL in code is held to the same.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.resolve({ error: 'guard', message: `refused: ${url.protocol}// is not http:// or https://` });
    }
    const refused = this.guard.checkHost(url.hostname.replace(/^\[(.*)\]$/, '$1'));
    if (refused) return Promise.resolve({ error: 'guard', message: refused.message });
    const agents = (this.#agents ??= new HttpAgents(MAX_SOCKETS_PER_ORIGIN));
    const isHttps = url.protocol === 'https:';
    return new Promise<HttpAnswer>((resolve) => {
      let settled = false;
      const finish = (answer: HttpAnswer, complete: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(answer);
        // A complete exchange leaves its socket to the agent for the next message; anything else ends it.
        if (!complete) req.destroy();
      };
      const options: https.RequestOptions = {
        method: request.method,
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        agent: isHttps ? agents.https : agents.http,
        lookup: this.guard.lookup,
      };
      const req = isHttps ? https.request(url, options) : http.request(url, options);
      const timer = setTimeout(() => finish({ error: 'timeout', message: `no answer within ${timeoutMs} ms` }, false), timeoutMs);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let length = 0;
        const answer = (complete: boolean): void =>
          finish({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8') }, complete);
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          length += chunk.length;
          if (length >= MAX_ANSWER_BYTES) answer(false);
        });
        res.on('end', () => answer(true));
        // A body cut off mid-way still leaves the status to judge by.
        res.on('error', () => answer(false));
        res.on('close', () => answer(res.complete));
      });
      req.on('error', (error) => finish(errorAnswer(error), false));
      req.end(request.body);
    });
  }

  /** Ends every kept-alive connection; a send in flight fails. */
  close(): void {
    this.#agents?.close();
    this.#agents = null;
  }
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function errorAnswer(error: unknown): HttpAnswer {
  if (error instanceof OutboundRefused) return { error: 'guard', message: error.message };
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'ECONNREFUSED') return { error: 'refused', message: 'connection refused' };
  return { error: 'network', message: err.code ?? err.message };
}

/** One attempt's verdict, and the HTTP answer when it went over HTTP (its status is recorded). */
export interface AttemptOutcome {
  readonly verdict: Classification;
  readonly answer: HttpAnswer | null;
}

/**
 * Sends a rendered request once: through `transport` when the kind has one (it judges its own answer),
 * else over HTTP, judged by the kind's `classify`, except that a connection the outbound guard refused
 * fails the message at once (the same address would be refused on every retry). Never throws: a
 * transport's bug fails the message.
 */
export async function sendOnce(
  kind: AnyReceiverKind,
  request: OutgoingRequest,
  transport: ReceiverTransport | null,
  timeoutMs: number,
  delivery: DeliveryHttp,
): Promise<AttemptOutcome> {
  if (!transport) {
    const answer = await delivery.send(request, timeoutMs);
    if ('error' in answer && answer.error === 'guard') return { verdict: { result: 'fail', reason: answer.message }, answer };
    return { verdict: kind.classify(answer), answer };
  }
  try {
    return { verdict: await transport.deliver(request, AbortSignal.timeout(timeoutMs)), answer: null };
  } catch (error) {
    return { verdict: { result: 'fail', reason: `could not deliver: ${(error as Error).message}` }, answer: null };
  }
}
