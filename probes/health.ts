import { z } from 'zod';
import { userMetricNameSchema } from '../lib/reserved-metric-names.js';
import type { ProbeContext } from './context.js';
import type { Probe, ProbeOutcome, ProbeSample } from './probe.js';
import { headersSchema, tlsSchema } from './http.js';
import { startWithRunAbort, type AbortLike } from './run-abort.js';
import { exchangeSamples, performRequest, preparedFor, prepareRequest, type PreparedRequest } from './http-request.js';
import { bodyStart, jsonPathProblem, lookupJsonPath, parseJsonBody, parseJsonPath, showJson } from './json-path.js';

/** A number in the health JSON recorded as a series. */
const healthMetric = z.strictObject({
  name: userMetricNameSchema,
  /** Where the number is: `$.replication.lag_seconds`, `$.queues[0].depth`. */
  path: z
    .string()
    .regex(/^\$/, 'expected a JSON path starting with $, like $.queue.depth')
    .superRefine((path, ctx) => {
      const problem = path.startsWith('$') ? jsonPathProblem(path) : null;
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; expected a path like $.queue.depth` });
    }),
  labels: z.record(z.string(), z.string()).default({}),
});

export const healthSchema = z.strictObject({
  /** The app's readiness endpoint, e.g. https://api.example.com/health/ready. */
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  headers: headersSchema.default({}),
  tls: tlsSchema.optional(),
  /** Numbers to read from the JSON as series: `{ name: replica_lag_seconds, path: $.replication.lag_seconds }`. */
  metrics: z.array(healthMetric).default([]),
});

export type HealthTarget = z.output<typeof healthSchema>;

/** What a status value says, from the common health formats (Spring Boot, IETF draft, MicroProfile, ad hoc). */
export type HealthState = 'up' | 'down' | 'degraded' | 'unknown';

const UP = new Set(['up', 'ok', 'pass', 'passed', 'healthy', 'true', 'green', 'success']);
const DOWN = new Set(['down', 'fail', 'failed', 'error', 'unhealthy', 'false', 'red', 'critical', 'out_of_service']);
const DEGRADED = new Set(['warn', 'warning', 'degraded', 'yellow']);

/** Classifies a status value (`"UP"`, `"pass"`, `true`, `"degraded"`, …), case-insensitively. */
export function healthState(status: unknown): HealthState {
  if (typeof status !== 'string' && typeof status !== 'boolean') return 'unknown';
  const text = String(status).trim().toLowerCase();
  if (UP.has(text)) return 'up';
  if (DOWN.has(text)) return 'down';
  if (DEGRADED.has(text)) return 'degraded';
  return 'unknown';
}

const SEVERITY: Record<HealthState, number> = { up: 0, unknown: 1, degraded: 2, down: 3 };

/** One component of a health document and its state. */
export interface HealthComponent {
  readonly name: string;
  readonly state: HealthState;
}

function statusOf(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value !== null && typeof value === 'object' && 'status' in value) return (value as { status: unknown }).status;
  return undefined;
}

/**
 * Components from Spring Boot (`components` or `details`: `{ db: { status: "UP" } }`), the IETF health
 * draft (`checks: { "db:responseTime": [{ status: "pass" }] }`, named by the part before the colon) and
 * MicroProfile (`checks: [{ name: "db", status: "UP" }]`); the worst state wins when a name repeats.
 */
export function healthComponents(document: unknown): HealthComponent[] {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return [];
  const doc = document as Record<string, unknown>;
  const found = new Map<string, HealthState>();
  const add = (name: string, status: unknown): void => {
    if (status === undefined) return;
    const state = healthState(status);
    const before = found.get(name);
    if (before === undefined || SEVERITY[state] > SEVERITY[before]) found.set(name, state);
  };
  for (const key of ['components', 'details'] as const) {
    const map = doc[key];
    if (map && typeof map === 'object' && !Array.isArray(map)) {
      for (const [name, value] of Object.entries(map)) add(name, statusOf(value));
    }
  }
  const checks = doc.checks;
  if (Array.isArray(checks)) {
    for (const check of checks) {
      const name = check && typeof check === 'object' ? (check as { name?: unknown }).name : undefined;
      if (typeof name === 'string') add(name, statusOf(check));
    }
  } else if (checks && typeof checks === 'object') {
    for (const [key, value] of Object.entries(checks)) {
      const name = key.split(':')[0] || key;
      for (const entry of Array.isArray(value) ? value : [value]) add(name, statusOf(entry));
    }
  }
  return [...found].map(([name, state]) => ({ name, state }));
}

const MAX_HEALTH_BODY_BYTES = 1_048_576;

function prepare(target: HealthTarget): PreparedRequest {
  const request = prepareRequest(
    { url: target.url, headers: target.headers, tls: target.tls, maxBodyBytes: MAX_HEALTH_BODY_BYTES },
    { accept: 'application/health+json, application/json' },
  );
  for (const metric of target.metrics) parseJsonPath(metric.path);
  return request;
}

/** What a health document says as a whole, and the problem when it says nothing usable. */
interface OverallHealth {
  readonly state: HealthState;
  readonly problem: string | null;
  /** False for a bare value or a list: nothing else (components, metrics) can be read from it. */
  readonly isObject: boolean;
  /** The problem already names the components at fault. */
  readonly namesComponents: boolean;
  /** For the detail of a degraded success: `status is "warn"`. */
  readonly degradedDetail: string | null;
}

const EXPECTED_STATUS = 'expected one of UP, ok, pass, healthy (or DOWN, fail, warn)';

/**
 * The overall state of a parsed health document. A document must say it is up: an object whose
 * `status` reads as up or degraded. Without a `status`, the components decide, and only when there are
 * some and each is up or degraded (a component down or unreadable fails: with no overall status
 * nothing says the whole survives it). Anything else (a bare `"UP"`, `true`, `[]`, `{}`, `null`) fails,
 * since a 2xx with such a body is as often a stub or a proxy's page as a healthy app.
 */
function overallHealth(document: unknown, components: readonly HealthComponent[]): OverallHealth {
  const verdict = { isObject: true, namesComponents: false, degradedDetail: null };
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    const problem = `health document is ${showJson(document)}, expected a JSON object with a status, like {"status":"UP"}`;
    return { ...verdict, state: 'unknown', problem, isObject: false };
  }
  if ('status' in document) {
    const status = (document as { status: unknown }).status;
    const state = healthState(status);
    if (state === 'down') return { ...verdict, state, problem: `health status is ${showJson(status)}` };
    if (state === 'unknown') return { ...verdict, state, problem: `health status is ${showJson(status)}, ${EXPECTED_STATUS}` };
    return { ...verdict, state, problem: null, degradedDetail: state === 'degraded' ? `status is ${showJson(status)}` : null };
  }
  if (components.length === 0) {
    const problem = 'health document has no status and no components, expected a status, like {"status":"UP"}';
    return { ...verdict, state: 'unknown', problem };
  }
  const notUp = components.filter((c) => c.state === 'down' || c.state === 'unknown');
  if (notUp.length) {
    const named = notUp.map((c) => `${c.name}: ${c.state}`).join(', ');
    return { ...verdict, state: 'down', problem: `health document has no status and a component is not up (${named})`, namesComponents: true };
  }
  return { ...verdict, state: components.some((c) => c.state === 'degraded') ? 'degraded' : 'up', problem: null };
}

/** Reads the configured numbers; a missing path or a non-number is a problem naming the path. */
function readMetrics(document: unknown, metrics: HealthTarget['metrics'], samples: ProbeSample[]): string[] {
  const problems: string[] = [];
  for (const metric of metrics) {
    const found = lookupJsonPath(document, metric.path);
    if (!found.found) problems.push(`${metric.path} is missing, expected a number for ${metric.name}`);
    else if (typeof found.value !== 'number' || !Number.isFinite(found.value)) {
      problems.push(`${metric.path} is ${showJson(found.value)}, expected a number for ${metric.name}`);
    } else samples.push({ name: metric.name, labels: metric.labels, value: found.value });
  }
  return problems;
}

/**
 * GETs a health endpoint and reads its JSON: the overall status, each component's status
 * (`health_component_up{component}`) and configured numbers as series. A component down while the
 * whole is up is a success marked degraded. A configured metric that is missing fails the check (the
 * other metrics are still recorded): a silently absent series would hide a broken alert.
 */
export const healthProbe: Probe<HealthTarget> = {
  kind: 'health',
  schema: healthSchema,
  run: runHealth,
  // How the scheduler and a probe worker run it: aborted by a call, no AbortController per run.
  start: startWithRunAbort(runHealth),
};

async function runHealth(target: HealthTarget, signal: AbortLike, ctx: ProbeContext): Promise<ProbeOutcome> {
  const exchange = await performRequest(preparedFor(ctx, 'health', target, prepare), signal, ctx);
  const { samples } = exchangeSamples(exchange, ctx.clock.now());
  const { durationSeconds } = exchange;
  if (!exchange.ok) return { success: false, error: exchange.error, durationSeconds, samples };

  const problems: string[] = [];
  const status = exchange.response.status;
  if (status < 200 || status > 299) problems.push(`expected status 2xx, got ${status}`);
  const text = exchange.response.body.toString('utf8');
  const parsed = parseJsonBody(text);
  if (!parsed.ok) {
    // The start of the body is quoted scrubbed: an error page may echo a request header back.
    problems.push(`body is not valid JSON (${parsed.reason}); it starts with ${bodyStart(text, (t) => ctx.secrets.scrub(t))}`);
    return { success: false, error: problems.join('; '), durationSeconds, samples };
  }
  const document = parsed.value;

  const components = healthComponents(document);
  const overall = overallHealth(document, components);
  if (overall.problem) problems.push(overall.problem);
  if (!overall.isObject) return { success: false, error: problems.join('; '), durationSeconds, samples };
  const unwell: string[] = [];
  for (const component of components) {
    if (component.state !== 'unknown') {
      samples.push({ name: 'health_component_up', labels: { component: component.name }, value: component.state === 'down' ? 0 : 1 });
    }
    if (component.state === 'down' || component.state === 'degraded') unwell.push(`${component.name}: ${component.state}`);
  }
  const detail = unwell.length ? unwell.join(', ') : overall.degradedDetail;
  if (problems.length && unwell.length && !overall.namesComponents) problems[problems.length - 1] += ` (${unwell.join(', ')})`;
  problems.push(...readMetrics(document, target.metrics, samples));

  const success = problems.length === 0;
  return {
    success,
    error: success ? null : problems.join('; '),
    durationSeconds,
    samples,
    degraded: success && (overall.state === 'degraded' || unwell.length > 0),
    detail,
  };
}
