import { z } from 'zod';
import { duration } from '../lib/duration.js';
import type { Probe, ProbeOutcome, ProbeSample } from './probe.js';
import { createAgents, performRequest, prepareRequest, type HttpResponse, type PreparedRequest } from './http-request.js';
import { jsonPathProblem, lookupJsonPath, parseJsonPath, showJson } from './json-path.js';
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

export const httpSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z.enum(METHODS).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
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

/** Keep-alive sockets shared by every http check of this process. */
const agents = createAgents();

/** Parsed once per check target (targets are the config's objects, stable for the life of a check). */
const prepared = new WeakMap<HttpTarget, PreparedRequest>();

function prepare(target: HttpTarget): PreparedRequest {
  let request = prepared.get(target);
  if (!request) {
    request = prepareRequest({
      url: target.url,
      method: target.method,
      headers: target.headers,
      body: target.body,
      followRedirects: target.follow_redirects,
      maxBodyBytes: target.max_body_bytes,
      tls: target.tls,
    });
    for (const rule of target.expect.json ?? []) parseJsonPath(rule.path);
    prepared.set(target, request);
  }
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
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [`body is not JSON (${reason}), expected ${rules[0].path} to be ${showJson(rules[0].equals)}`];
  }
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
  async run(target, signal): Promise<ProbeOutcome> {
    const exchange = await performRequest(prepare(target), agents, signal);
    const samples: ProbeSample[] = [];
    const status = exchange.ok ? exchange.response.status : exchange.status;
    if (status !== null) samples.push({ name: 'probe_http_status_code', value: status });
    const certExpirySeconds = exchange.certExpiresAt === null ? null : (exchange.certExpiresAt - Date.now()) / 1000;
    if (certExpirySeconds !== null) samples.push({ name: 'tls_cert_expiry_seconds', value: Math.round(certExpirySeconds) });
    if (!exchange.ok) return { success: false, error: exchange.error, durationSeconds: exchange.durationSeconds, samples };
    const problems = checkExpectations(target.expect, exchange.response, exchange.durationSeconds, certExpirySeconds);
    return {
      success: problems.length === 0,
      error: problems.length ? problems.join('; ') : null,
      durationSeconds: exchange.durationSeconds,
      samples,
    };
  },
};
