// The one I/O step of a delivery: send a rendered request with a timeout and read a bounded answer, or
// hand it to the kind's own transport (SMTP).
import type { AnyReceiverKind, Classification, HttpAnswer, OutgoingRequest, ReceiverTransport } from './receiver.js';
import { Secret } from '../lib/secret.js';

/** The part of an answer's body kept for classification and the record. */
export const MAX_ANSWER_BYTES = 4096;

/** Sends `request` and answers what came back; never throws for a network failure (that is an answer too). */
export async function sendRequest(request: OutgoingRequest, timeoutMs: number, fetchImpl: typeof fetch = fetch): Promise<HttpAnswer> {
  const url = request.url instanceof Secret ? request.url.reveal() : request.url;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchImpl(url, { method: request.method, headers: request.headers, body: request.body, signal, redirect: 'manual' });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    return { status: response.status, headers, body: await readBounded(response) };
  } catch (error) {
    const err = error as Error & { cause?: { code?: string } };
    if (signal.aborted || err.name === 'TimeoutError' || err.name === 'AbortError') return { error: 'timeout', message: `no answer within ${timeoutMs} ms` };
    const code = err.cause?.code;
    if (code === 'ECONNREFUSED') return { error: 'refused', message: 'connection refused' };
    return { error: 'network', message: code ? `${code}` : err.message };
  }
}

/** One attempt's verdict, and the HTTP answer when it went over HTTP (its status is recorded). */
export interface AttemptOutcome {
  readonly verdict: Classification;
  readonly answer: HttpAnswer | null;
}

/**
 * Sends a rendered request once: through `transport` when the kind has one (it judges its own answer),
 * else over HTTP, judged by the kind's `classify`. Never throws: a transport's bug fails the message.
 */
export async function sendOnce(
  kind: AnyReceiverKind,
  request: OutgoingRequest,
  transport: ReceiverTransport | null,
  timeoutMs: number,
  fetchImpl?: typeof fetch,
): Promise<AttemptOutcome> {
  if (!transport) {
    const answer = await sendRequest(request, timeoutMs, fetchImpl);
    return { verdict: kind.classify(answer), answer };
  }
  try {
    return { verdict: await transport.deliver(request, AbortSignal.timeout(timeoutMs)), answer: null };
  } catch (error) {
    return { verdict: { result: 'fail', reason: `could not deliver: ${(error as Error).message}` }, answer: null };
  }
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < MAX_ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } catch {
    // A body cut off mid-way still leaves the status to judge by.
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}
