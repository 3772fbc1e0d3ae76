// The one HTTP client of the probes (http and health): node:http/https rather than fetch because the
// checks need the peer certificate, keep-alive agents with bounded sockets for throughput, and errors
// that say which phase failed (connect, TLS handshake, response headers, body).
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { abortMessage, networkErrorMessage } from './outcome-text.js';
import { peerCertExpiresAt, tlsConnectOptions, type TlsConfig, type TlsConnectOptions } from './tls-info.js';

/** The keep-alive agents one probe module sends through. */
export interface HttpAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

/**
 * Keep-alive agents with a bounded number of sockets per origin, so one slow target cannot open
 * thousands of connections. Idle sockets close after 4s, under the 5s keep-alive most servers (Node's
 * included) use, so a reused socket is rarely one the server is closing.
 */
export function createAgents(maxSocketsPerOrigin = 128): HttpAgents {
  const options = {
    keepAlive: true,
    maxSockets: maxSocketsPerOrigin,
    maxFreeSockets: maxSocketsPerOrigin,
    timeout: 4_000,
    scheduling: 'lifo' as const,
  };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

/** What to request; mirrors the config fields of the http check. */
export interface HttpRequestSpec {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly followRedirects?: boolean;
  /** Hops followed before giving up; default 10. */
  readonly maxRedirects?: number;
  readonly maxBodyBytes: number;
  readonly tls?: TlsConfig;
}

/** A request spec parsed once (URL, headers) so a check run does not redo it. */
export interface PreparedRequest {
  readonly spec: HttpRequestSpec;
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
}

export const USER_AGENT = 'vigil-probe/0.1';

/** Parses a spec once; `extraHeaders` are defaults the caller's headers override (e.g. `accept`). */
export function prepareRequest(spec: HttpRequestSpec, extraHeaders: Readonly<Record<string, string>> = {}): PreparedRequest {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...extraHeaders };
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
    headers[name] = value;
  }
  return { spec, url: new URL(spec.url), method: spec.method ?? 'GET', headers };
}

/** A complete response: status, headers, the whole body (at most max_body_bytes). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The URL that answered, after redirects. */
  readonly url: string;
  readonly redirects: number;
}

/** The result of one request: a response, or the reason there is none; never thrown. */
export type HttpExchange =
  | {
      readonly ok: true;
      readonly response: HttpResponse;
      readonly durationSeconds: number;
      /** notAfter of the peer certificate (epoch ms) on https, else null. */
      readonly certExpiresAt: number | null;
    }
  | {
      readonly ok: false;
      readonly error: string;
      readonly durationSeconds: number;
      readonly certExpiresAt: number | null;
      /** The status, when the failure came after the response headers (e.g. body too large). */
      readonly status: number | null;
    };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** Sends a prepared request, follows redirects when asked, reads the body; honours `signal`. */
export async function performRequest(prepared: PreparedRequest, agents: HttpAgents, signal: AbortSignal): Promise<HttpExchange> {
  const startedAt = performance.now();
  const { spec } = prepared;
  const maxRedirects = spec.maxRedirects ?? 10;
  let url = prepared.url;
  let method = prepared.method;
  let headers = prepared.headers;
  let body = spec.body;
  let redirects = 0;
  let retried = false;
  let tls: TlsConnectOptions | undefined;
  for (;;) {
    const isHttps = url.protocol === 'https:';
    if (isHttps) {
      try {
        tls = tlsConnectOptions(url.hostname, spec.tls);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return failure(`cannot read tls.ca_file: ${reason}`, startedAt, null, null);
      }
    }
    const hop = await sendOnce(url, method, headers, body, spec.maxBodyBytes, isHttps ? tls : undefined, agents, signal, startedAt);
    if (hop.kind === 'error') {
      // A keep-alive socket the server closed as we reused it: undici and browsers retry these once.
      if (hop.staleSocket && !retried && IDEMPOTENT.has(method) && !signal.aborted) {
        retried = true;
        continue;
      }
      return failure(hop.error, startedAt, hop.certExpiresAt, hop.status);
    }
    const location = hop.headers.location;
    if (spec.followRedirects && REDIRECT_STATUSES.has(hop.status) && location) {
      if (redirects >= maxRedirects) {
        return failure(`more than ${maxRedirects} redirects (last one to ${location})`, startedAt, hop.certExpiresAt, hop.status);
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return failure(`redirect to an invalid URL "${location}"`, startedAt, hop.certExpiresAt, hop.status);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        return failure(`redirect to an unsupported URL ${next.href}`, startedAt, hop.certExpiresAt, hop.status);
      }
      if (hop.status === 303 || ((hop.status === 301 || hop.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      if (next.origin !== url.origin) headers = withoutCredentials(headers);
      url = next;
      redirects++;
      retried = false;
      continue;
    }
    return {
      ok: true,
      response: { status: hop.status, headers: hop.headers, body: hop.body, url: url.href, redirects },
      durationSeconds: (performance.now() - startedAt) / 1000,
      certExpiresAt: hop.certExpiresAt,
    };
  }
}

function failure(error: string, startedAt: number, certExpiresAt: number | null, status: number | null): HttpExchange {
  return { ok: false, error, durationSeconds: (performance.now() - startedAt) / 1000, certExpiresAt, status };
}

function withoutCredentials(headers: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!CREDENTIAL_HEADERS.has(name.toLowerCase())) kept[name] = value;
  return kept;
}

type Hop =
  | {
      kind: 'response';
      status: number;
      headers: http.IncomingHttpHeaders;
      body: Buffer;
      certExpiresAt: number | null;
    }
  | { kind: 'error'; error: string; certExpiresAt: number | null; status: number | null; staleSocket: boolean };

const EMPTY = Buffer.alloc(0);

function sendOnce(
  url: URL,
  method: string,
  headers: Readonly<Record<string, string>>,
  body: string | undefined,
  maxBodyBytes: number,
  tls: TlsConnectOptions | undefined,
  agents: HttpAgents,
  signal: AbortSignal,
  startedAt: number,
): Promise<Hop> {
  return new Promise<Hop>((resolve) => {
    const isHttps = tls !== undefined;
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port) || (isHttps ? 443 : 80);
    // Until the agent hands out a socket the request waits for one (all maxSockets busy on this origin).
    let phase = `while waiting for a free connection to ${host}:${port}`;
    let settled = false;
    let status: number | null = null;
    let certExpiresAt: number | null = null;

    const options: https.RequestOptions = {
      hostname: host,
      port,
      path: url.pathname + url.search,
      method,
      headers,
      agent: isHttps ? agents.https : agents.http,
    };
    if (tls) Object.assign(options, tls);
    const req = isHttps ? https.request(options) : http.request(options);

    const finish = (hop: Hop): void => {
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(hop);
    };
    const fail = (error: string, staleSocket = false): void => {
      if (settled) return;
      finish({ kind: 'error', error, certExpiresAt, status, staleSocket });
      req.destroy();
    };
    const onAbort = (): void => fail(abortMessage(signal, phase, startedAt));

    req.on('socket', (socket) => {
      phase = `while connecting to ${host}:${port}`;
      if (!socket.connecting) {
        phase = 'while waiting for the response headers';
        return;
      }
      socket.once('connect', () => {
        if (status === null) phase = isHttps ? `during the TLS handshake with ${host}:${port}` : 'while waiting for the response headers';
      });
      if (isHttps) {
        socket.once('secureConnect', () => {
          if (status === null) phase = 'while waiting for the response headers';
        });
      }
    });
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      if (isHttps) certExpiresAt = peerCertExpiresAt(res.socket as TLSSocket);
      phase = 'while reading the body';
      const declared = Number(res.headers['content-length']);
      if (declared > maxBodyBytes) {
        fail(`body is ${declared} bytes, over max_body_bytes (${maxBodyBytes})`);
        return;
      }
      let chunks: Buffer[] | null = null;
      let first: Buffer | null = null;
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) return fail(`body is over max_body_bytes (${maxBodyBytes} bytes)`);
        if (first === null) first = chunk;
        else (chunks ??= [first]).push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        const whole = chunks ? Buffer.concat(chunks, size) : (first ?? EMPTY);
        finish({ kind: 'response', status: status ?? 0, headers: res.headers, body: whole, certExpiresAt });
      });
      res.on('error', (error) => fail(networkErrorMessage(error, host, port, phase)));
      res.on('close', () => {
        if (!res.complete) fail(`connection closed by ${host}:${port} while reading the body`);
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && status === null && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      fail(networkErrorMessage(error, host, port, phase), stale);
    });

    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    req.end(body);
  });
}
