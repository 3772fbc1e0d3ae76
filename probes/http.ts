import { z } from 'zod';
import { duration } from '../lib/duration.js';
import type { ProbeContext } from './context.js';
import type { Probe, ProbeOutcome } from './probe.js';
import { startWithRunAbort, type AbortLike } from './run-abort.js';
import { exchangeSamples, performRequest, preparedFor, prepareRequest, type HttpResponse, type PreparedRequest } from './http-request.js';
import { jsonPathProblem, lookupJsonPath, parseJsonBody, parseJsonPath, showJson } from './json-path.js';
import { formatElapsed } from './outcome-text.js';
import { certValidityProblem } from './tls-info.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** "200", 200, "2xx": a status code or a class of them. */
const statusPattern = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^[1-5](?:\d\d|xx)$/, 'expected a status like 200 or "2xx"'),
]);

/** A JSON path like `$.status` or `$.checks[0].name`, checked when the config is loaded. */
export const jsonPath = z.string().superRefine((path, ctx) => {
  const problem = jsonPathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; expected a path like $.status or $.items[0].name` });
});

/** TLS options shared by the probes that speak TLS. */
export const tlsSchema = z.strictObject({
  /** Accept certificates that do not verify (self-signed, wrong host); expiry is still recorded. */
  insecure: z.boolean().default(false),
  /** PEM file of a CA to trust besides the system's. */
  ca_file: z.string().optional(),
  server_name: z.string().optional(),
});

// RFC 9110 §5.1: a field name is a token.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// What node:http refuses in a value: controls other than tab (CR, LF and NUL among them) and anything
// past Latin-1, since a header is sent as bytes.
const HEADER_VALUE_BAD = /[^\t\x20-\x7e\x80-\xff]/;

/** Why a header value cannot be sent, or null; never quotes the value, which may be a secret. */
export function headerValueProblem(value: string): string | null {
  const bad = HEADER_VALUE_BAD.exec(value);
  if (!bad) return null;
  const char = bad[0];
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  if (char === '\r' || char === '\n') return 'must not contain a line break (CR or LF)';
  if (char === '\0') return 'must not contain NUL';
  if (char < '\x80') return `must not contain control characters (${code})`;
  return `can carry only Latin-1 text (${code})`;
}

/**
 * Request headers of the http and health checks, refused when the config is loaded if node:http could
 * not send them (which would fail every run instead).
 */
export const headersSchema = z.record(
  z.string().superRefine((name, ctx) => {
    if (!HEADER_NAME.test(name)) {
      ctx.addIssue({ code: 'custom', message: "a header name is letters, digits and !#$%&'*+-.^_`|~ only, without spaces or colons" });
    }
  }),
  z.string(),
).superRefine((headers, ctx) => {
  for (const [name, value] of Object.entries(headers)) {
    const problem = headerValueProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', path: [name], message: `the value of header ${name} ${problem}` });
  }
});

export const httpSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z.enum(METHODS).default('GET'),
  headers: headersSchema.default({}),
  body: z.string().optional(),
  follow_redirects: z.boolean().default(false),
  /** Bodies larger than this fail the check rather than being read forever. */
  max_body_bytes: z.number().int().positive().default(1_048_576),
  tls: tlsSchema.optional(),
  expect: z
    .strictObject({
      status: z.union([statusPattern, z.array(statusPattern).min(1)]).default('2xx'),
      latency_under: duration().optional(),
      body_contains: z.string().optional(),
      /** `{ path: "$.status", equals: "ok" }`: a value in a JSON body. */
      json: z
        .array(z.strictObject({ path: jsonPath, equals: z.union([z.string(), z.number(), z.boolean(), z.null()]) }))
        .optional(),
      /** Response headers that must be present and contain the given text (names are case-insensitive). */
      headers: z.record(z.string(), z.string()).optional(),
      /** Fail when the TLS certificate expires sooner than this. */
      cert_valid_for: duration().optional(),
    })
    .default({ status: '2xx' }),
});

export type HttpTarget = z.output<typeof httpSchema>;

type Expect = HttpTarget['expect'];
type StatusPattern = number | string;

function prepare(target: HttpTarget): PreparedRequest {
  const request = prepareRequest({
    url: target.url,
    method: target.method,
    headers: target.headers,
    body: target.body,
    followRedirects: target.follow_redirects,
    maxBodyBytes: target.max_body_bytes,
    tls: target.tls,
  });
  for (const rule of target.expect.json ?? []) parseJsonPath(rule.path);
  return request;
}

/** True when `status` matches 200, "200", "2xx" or any of a list of them. */
export function statusMatches(status: number, expected: StatusPattern | readonly StatusPattern[]): boolean {
  const patterns = Array.isArray(expected) ? expected : [expected as StatusPattern];
  return patterns.some((p) =>
    typeof p === 'number' ? p === status : p.endsWith('xx') ? Math.floor(status / 100) === Number(p[0]) : Number(p) === status,
  );
}

function showStatus(expected: StatusPattern | readonly StatusPattern[]): string {
  return Array.isArray(expected) ? expected.join(' or ') : String(expected);
}

/** Every expectation the response misses, each as `expected …, got …`; empty when all hold. */
export function checkExpectations(
  expect: Expect,
  response: HttpResponse,
  durationSeconds: number,
  certExpirySeconds: number | null,
): string[] {
  const problems: string[] = [];
  if (!statusMatches(response.status, expect.status)) {
    problems.push(`expected status ${showStatus(expect.status)}, got ${response.status}`);
  }
  if (expect.latency_under !== undefined && durationSeconds * 1000 >= expect.latency_under) {
    problems.push(`latency ${formatElapsed(durationSeconds * 1000)} over ${formatElapsed(expect.latency_under)}`);
  }
  if (expect.body_contains !== undefined || expect.json) {
    const text = response.body.toString('utf8');
    if (expect.body_contains !== undefined && !text.includes(expect.body_contains)) {
      problems.push(`body does not contain ${JSON.stringify(expect.body_contains)}`);
    }
    if (expect.json?.length) problems.push(...jsonProblems(text, expect.json));
  }
  for (const [name, wanted] of Object.entries(expect.headers ?? {})) {
    const raw = response.headers[name.toLowerCase()];
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (value === undefined) problems.push(`header ${name} is missing, expected it to contain ${JSON.stringify(wanted)}`);
    else if (!value.includes(wanted)) problems.push(`header ${name} is ${JSON.stringify(value)}, expected it to contain ${JSON.stringify(wanted)}`);
  }
  if (expect.cert_valid_for !== undefined) {
    if (certExpirySeconds === null) problems.push('cert_valid_for needs an https:// URL, but the response came without a certificate');
    else {
      const problem = certValidityProblem(certExpirySeconds, expect.cert_valid_for);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function jsonProblems(text: string, rules: NonNullable<Expect['json']>): string[] {
  const parsed = parseJsonBody(text);
  if (!parsed.ok) return [`body is not JSON (${parsed.reason}), expected ${rules[0].path} to be ${showJson(rules[0].equals)}`];
  const document = parsed.value;
  const problems: string[] = [];
  for (const { path, equals } of rules) {
    const found = lookupJsonPath(document, path);
    if (!found.found) problems.push(`${path} is missing, expected ${showJson(equals)}`);
    else if (found.value !== equals) problems.push(`${path} is ${showJson(found.value)}, expected ${showJson(equals)}`);
  }
  return problems;
}

/** Requests a URL and checks status, latency, body, JSON values, headers and certificate lifetime. */
export const httpProbe: Probe<HttpTarget> = {
  kind: 'http',
  schema: httpSchema,
  run: runHttp,
  // How the scheduler and a probe worker run it: aborted by a call, no AbortController per run.
  start: startWithRunAbort(runHttp),
};

async function runHttp(target: HttpTarget, signal: AbortLike, ctx: ProbeContext): Promise<ProbeOutcome> {
  const exchange = await performRequest(preparedFor(ctx, 'http', target, prepare), signal, ctx);
  const { samples, certExpirySeconds } = exchangeSamples(exchange, ctx.clock.now());
  if (!exchange.ok) return { success: false, error: exchange.error, durationSeconds: exchange.durationSeconds, samples };
  const problems = checkExpectations(target.expect, exchange.response, exchange.durationSeconds, certExpirySeconds);
  return {
    success: problems.length === 0,
    error: problems.length ? problems.join('; ') : null,
    durationSeconds: exchange.durationSeconds,
    samples,
  };
}
