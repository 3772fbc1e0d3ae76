// The one HTTP client of the probes (http and health): node:http/https rather than fetch because the
// checks need the peer certificate, keep-alive agents with bounded sockets for throughput, and errors
// that say which phase failed (connect, TLS handshake, response headers, body).
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { SecretValues } from '../lib/secret.js';
import type { ProbeContext } from './context.js';
import { HttpAgents } from '../lib/http-agents.js';
import type { ProbeSample } from './probe.js';
import type { AbortLike } from './run-abort.js';
import { abortMessage, networkErrorMessage } from './outcome-text.js';
import { basicAuthorization, showLocation, showUrl } from './url-credentials.js';
import { caFilesOf, peerCertExpiresAt, secondsUntil, tlsConnectOptions, type TlsConfig, type TlsConnectOptions } from './tls-info.js';

/** The context's keep-alive agents (closed with it), shared by the http and health checks so an origin probed by both shares sockets. */
export function agentsOf(ctx: ProbeContext): HttpAgents {
  return ctx.resource('http.agents', () => new HttpAgents());
}

/** Requests prepared for the checks of one context, by target (a check's target object lives as long as its config). */
class PreparedRequests<Target extends object> {
  #byTarget = new WeakMap<Target, PreparedRequest>();

  get(target: Target, prepare: (target: Target) => PreparedRequest): PreparedRequest {
    let request = this.#byTarget.get(target);
    if (!request) {
      request = prepare(target);
      this.#byTarget.set(target, request);
    }
    return request;
  }

  close(): void {
    this.#byTarget = new WeakMap();
  }
}

/** `prepare(target)` once per target and context; `kind` keeps the caches of the probe kinds apart. */
export function preparedFor<Target extends object>(
  ctx: ProbeContext,
  kind: string,
  target: Target,
  prepare: (target: Target) => PreparedRequest,
): PreparedRequest {
  return ctx.resource(`${kind}.prepared`, () => new PreparedRequests<Target>()).get(target, prepare);
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
  /** The URL without its user:password, which is in `headers` as basic auth. */
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
}

export const USER_AGENT = 'vigil-probe/0.1';

/**
 * Parses a spec once; `extraHeaders` are defaults the caller's headers override (e.g. `accept`). A
 * user:password in the URL becomes `Authorization: Basic …` (as browsers and curl send it), unless the
 * spec's own headers set Authorization.
 */
export function prepareRequest(spec: HttpRequestSpec, extraHeaders: Readonly<Record<string, string>> = {}): PreparedRequest {
  const url = new URL(spec.url);
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...extraHeaders };
  if (url.username || url.password) {
    headers.authorization = basicAuthorization(url.username, url.password);
    url.username = '';
    url.password = '';
  }
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
    headers[name] = value;
  }
  return { spec, url, method: spec.method ?? 'GET', headers };
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

/**
 * Sends a prepared request through the context's agents, follows redirects when asked, reads the body;
 * honours `signal` (already aborted: opens nothing). Error texts are scrubbed of the config's secrets.
 */
export async function performRequest(prepared: PreparedRequest, signal: AbortLike, ctx: ProbeContext): Promise<HttpExchange> {
  const exchange = await performUnscrubbed(prepared, signal, ctx);
  return exchange.ok ? exchange : { ...exchange, error: ctx.secrets.scrub(exchange.error) };
}

async function performUnscrubbed(prepared: PreparedRequest, signal: AbortLike, ctx: ProbeContext): Promise<HttpExchange> {
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
    if (signal.aborted) {
      const { host, port } = endpoint(url);
      return failure(abortMessage(signal, `before connecting to ${host}:${port}`, startedAt), startedAt, null, null);
    }
    const isHttps = url.protocol === 'https:';
    if (isHttps) {
      try {
        tls = tlsConnectOptions(url.hostname, spec.tls, caFilesOf(ctx));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return failure(`cannot read tls.ca_file: ${reason}`, startedAt, null, null);
      }
    }
    // Every hop, redirects included: an IP literal here, a name inside the socket's lookup.
    const refused = ctx.outbound.checkHost(endpoint(url).host);
    if (refused) return failure(redirects > 0 ? `redirect to ${showUrl(url)} ${refused.message}` : refused.message, startedAt, null, null);
    const hop = await sendOnce(url, method, headers, body, spec.maxBodyBytes, isHttps ? tls : undefined, agentsOf(ctx), ctx.outbound.lookup, signal, startedAt);
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
        return failure(`more than ${maxRedirects} redirects (last one to ${showLocation(location)})`, startedAt, hop.certExpiresAt, hop.status);
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return failure(`redirect to an invalid URL "${showLocation(location)}"`, startedAt, hop.certExpiresAt, hop.status);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        return failure(`redirect to an unsupported URL ${showUrl(next)}`, startedAt, hop.certExpiresAt, hop.status);
      }
      // Credentials in a Location are the server's, not the config's: neither sent nor shown.
      next.username = '';
      next.password = '';
      if (hop.status === 303 || ((hop.status === 301 || hop.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      if (next.origin !== url.origin) headers = withoutCredentials(headers, ctx.secrets);
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

/**
 * The headers that may follow a redirect to another origin: not the credentials browsers drop (Fetch
 * spec), nor any custom header carrying a config secret (`X-Api-Key: ${KEY}`), which the other origin
 * must not learn either.
 */
function withoutCredentials(headers: Readonly<Record<string, string>>, secrets: SecretValues): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!CREDENTIAL_HEADERS.has(name.toLowerCase()) && !secrets.contains(value)) kept[name] = value;
  }
  return kept;
}

/** What the http and health checks both record of an exchange, with the certificate's lifetime left at `now`. */
export interface ExchangeSamples {
  /** `probe_http_status_code` when a status arrived; `tls_cert_expiry_seconds` on https. */
  readonly samples: ProbeSample[];
  /** Seconds the peer certificate has left (negative once expired), null without one. */
  readonly certExpirySeconds: number | null;
}

/** The status code and certificate expiry samples of an exchange. */
export function exchangeSamples(exchange: HttpExchange, now: number): ExchangeSamples {
  const samples: ProbeSample[] = [];
  const status = exchange.ok ? exchange.response.status : exchange.status;
  if (status !== null) samples.push({ name: 'probe_http_status_code', value: status });
  if (exchange.certExpiresAt === null) return { samples, certExpirySeconds: null };
  samples.push({ name: 'tls_cert_expiry_seconds', value: secondsUntil(exchange.certExpiresAt, now) });
  return { samples, certExpirySeconds: (exchange.certExpiresAt - now) / 1000 };
}

/** The host (an IPv6 address without brackets) and port a URL connects to. */
function endpoint(url: URL): { host: string; port: number } {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
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
  lookup: LookupFunction,
  signal: AbortLike,
  startedAt: number,
): Promise<Hop> {
  return new Promise<Hop>((resolve) => {
    const isHttps = tls !== undefined;
    const { host, port } = endpoint(url);
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
      lookup,
    };
    if (tls) Object.assign(options, tls);
    let req: http.ClientRequest;
    try {
      req = isHttps ? https.request(options) : http.request(options);
    } catch (error) {
      // Node refuses a header it cannot send (a name with a space, a value with CR/LF); the schemas
      // refuse these first, so this is a target built in code, still a failed check rather than a crash.
      const reason = error instanceof Error ? error.message : String(error);
      resolve({ kind: 'error', error: `cannot send the request: ${reason}`, certExpiresAt: null, status: null, staleSocket: false });
      return;
    }

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

    signal.addEventListener('abort', onAbort, { once: true });
    req.end(body);
  });
}
