// `notify:` → NotifyConfig: receivers validated one by one by their kind's schema after `${VAR}`s are
// expanded (every value a secret field holds joins the config's secrets), routes checked against the
// receivers (an unknown name is a located problem with a suggestion), matchers compiled. Problems are
// collected, never thrown; the loader locates them.
import { z } from 'zod';
import { compileMatcher, matchersFromMap, type Matcher } from '../lib/matchers.js';
import { Secret } from '../lib/secret.js';
import type { ReceiverRegistry } from '../notify/receiver.js';
import { DEFAULT_DELIVERY, EMPTY_NOTIFY, GROUP_BY_ALL, type NotifyConfig, type ReceiverSpec, type RouteSpec } from '../notify/types.js';
import { isPlainObject } from './expand.js';
import { interpolateSecrets } from './interpolate.js';
import { humanErrorMap, issuesToProblems, suggest, unknownKeyMessage, type PathSegment, type RawProblem } from './issues.js';
import { COMMON_RECEIVER_KEYS, notifySchema, rateLimitSchema } from './notify-schema.js';

export interface NotifyCompileOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly receivers: ReceiverRegistry;
}

export interface NotifyCompileResult {
  readonly notify: NotifyConfig;
  readonly problems: readonly RawProblem[];
  /** Every value taken from the environment or held by a secret field: what must never be shown. */
  readonly secrets: readonly string[];
}

const ROOT: PathSegment[] = ['notify'];

/** Validates and compiles `notify:` (the raw YAML value; undefined when absent). */
export function compileNotify(raw: unknown, opts: NotifyCompileOptions): NotifyCompileResult {
  if (raw === undefined || raw === null) return { notify: EMPTY_NOTIFY, problems: [], secrets: [] };
  const problems: RawProblem[] = [];
  const secrets = new Set<string>();
  const scrub = (text: string) => {
    let out = text;
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.replaceAll(secret, '***');
    return out;
  };
  const parsed = notifySchema(opts.receivers, z.unknown()).safeParse(raw, { reportInput: true, error: humanErrorMap(scrub) });
  if (!parsed.success) problems.push(...issuesToProblems(parsed.error.issues, ROOT));

  const receivers: ReceiverSpec[] = [];
  const rawReceivers = isPlainObject(raw) && isPlainObject(raw.receivers) ? raw.receivers : {};
  for (const [name, entry] of Object.entries(rawReceivers)) {
    const spec = compileReceiver(name, entry, opts, problems, secrets, scrub);
    if (spec) receivers.push(spec);
  }
  const known = Object.keys(rawReceivers);
  const routes: RouteSpec[] = [];
  if (parsed.success) {
    parsed.data.routes.forEach((route, index) => {
      const path: PathSegment[] = [...ROOT, 'routes', index];
      const rawRoute = isPlainObject(raw) && Array.isArray(raw.routes) && isPlainObject(raw.routes[index]) ? raw.routes[index] : {};
      checkNames(route.to, rawRoute.to, [...path, 'to'], known, problems);
      route.escalate.forEach((step, i) => {
        const rawStep = Array.isArray(rawRoute.escalate) && isPlainObject(rawRoute.escalate[i]) ? rawRoute.escalate[i] : {};
        checkNames(step.to, rawStep.to, [...path, 'escalate', i, 'to'], known, problems);
      });
      const matchers: Matcher[] = matchersFromMap(route.match ?? {});
      for (const matcher of matchers) {
        try {
          compileMatcher(matcher);
        } catch (error) {
          problems.push({ path: [...path, 'match', matcher.label], message: (error as Error).message, at: 'value' });
        }
      }
      if (route.group_by.includes(GROUP_BY_ALL) && route.group_by.length > 1) {
        problems.push({ path: [...path, 'group_by'], message: `"${GROUP_BY_ALL}" groups by every label and cannot be combined with other labels`, at: 'value' });
      }
      routes.push({
        index,
        matchers,
        to: route.to,
        continue: route.continue,
        groupBy: route.group_by,
        groupWaitMs: route.group_wait,
        groupIntervalMs: route.group_interval,
        repeatIntervalMs: route.repeat,
        sendResolved: route.send_resolved,
        escalate: [...route.escalate].sort((a, b) => a.after - b.after).map((step) => ({ afterMs: step.after, to: step.to })),
      });
    });
  }
  const delivery = parsed.success
    ? {
        timeoutMs: parsed.data.delivery.timeout,
        maxAgeMs: parsed.data.delivery.max_age,
        backoffInitialMs: parsed.data.delivery.backoff.initial,
        backoffMaxMs: parsed.data.delivery.backoff.max,
        breakerFailures: parsed.data.delivery.breaker.failures,
        breakerCooldownMs: parsed.data.delivery.breaker.cooldown,
      }
    : DEFAULT_DELIVERY;
  return { notify: { receivers, routes, delivery }, problems, secrets: [...secrets] };
}

/** Every receiver name a route (or a report) uses must be configured: a problem with a did-you-mean for each that is not. */
export function checkNames(names: readonly string[], written: unknown, path: PathSegment[], known: readonly string[], problems: RawProblem[]): void {
  names.forEach((name, i) => {
    if (known.includes(name)) return;
    const close = suggest(name, known);
    const list = known.length ? `receivers are ${known.join(', ')}` : 'no receivers are configured';
    problems.push({
      path: Array.isArray(written) ? [...path, i] : path,
      message: `unknown receiver "${name}"${close ? ` (did you mean "${close}"?)` : ''}; ${list}`,
      at: 'value',
    });
  });
}

function compileReceiver(
  name: string,
  entry: unknown,
  opts: NotifyCompileOptions,
  problems: RawProblem[],
  secrets: Set<string>,
  scrub: (text: string) => string,
): ReceiverSpec | null {
  const path: PathSegment[] = [...ROOT, 'receivers', name];
  if (!isPlainObject(entry)) {
    problems.push({ path, message: `expected a mapping with one receiver kind (${opts.receivers.kinds().join(', ')})`, at: 'value' });
    return null;
  }
  const kinds = Object.keys(entry).filter((key) => !(COMMON_RECEIVER_KEYS as readonly string[]).includes(key));
  const valid = kinds.filter((key) => opts.receivers.has(key));
  for (const key of kinds) {
    if (!opts.receivers.has(key)) problems.push({ path: [...path, key], message: unknownKeyMessage(key, [...opts.receivers.kinds(), ...COMMON_RECEIVER_KEYS], 'receiver kind'), at: 'key' });
  }
  if (kinds.length === 0) problems.push({ path, message: `expected one receiver kind: ${opts.receivers.kinds().join(', ')}`, at: 'key' });
  if (valid.length > 1) problems.push({ path, message: `expected one receiver kind, got ${valid.join(' and ')}; write one receiver each`, at: 'key' });
  let rateLimit: ReceiverSpec['rateLimit'] = null;
  if (entry.rate_limit !== undefined) {
    const limit = rateLimitSchema.safeParse(entry.rate_limit, { reportInput: true, error: humanErrorMap(scrub) });
    if (limit.success) rateLimit = { max: limit.data.max, perMs: limit.data.per };
    else problems.push(...issuesToProblems(limit.error.issues, [...path, 'rate_limit']));
  }
  if (valid.length !== 1 || kinds.length !== 1) return null;
  const kind = valid[0]!;
  const fields = interpolateTree(entry[kind], [...path, kind], opts.env, problems, secrets);
  if (fields === FAILED) return null;
  const parsed = opts.receivers.get(kind).schema.safeParse(fields, { reportInput: true, error: humanErrorMap(scrub) });
  if (!parsed.success) {
    problems.push(...issuesToProblems(parsed.error.issues, [...path, kind]).map((p) => ({ ...p, message: scrub(p.message) })));
    return null;
  }
  collectSecrets(parsed.data, secrets);
  return { name, kind, config: parsed.data, rateLimit };
}

const FAILED = Symbol('failed');

/** `${VAR}`s in every string of a receiver's fields; a missing variable is a problem at its path. */
function interpolateTree(value: unknown, path: PathSegment[], env: NotifyCompileOptions['env'], problems: RawProblem[], secrets: Set<string>): unknown {
  if (typeof value === 'string') {
    const result = interpolateSecrets(value, env);
    for (const secret of result.secrets) secrets.add(secret);
    for (const name of result.missing) problems.push({ path, message: `environment variable ${name} is not set`, at: 'value' });
    for (const ref of result.invalid) problems.push({ path, message: `invalid variable reference "${ref}"; write \${NAME} or \${NAME:-default}`, at: 'value' });
    return result.missing.length || result.invalid.length ? FAILED : result.value;
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => interpolateTree(item, [...path, i], env, problems, secrets));
    return items.includes(FAILED) ? FAILED : items;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([key, item]) => [key, interpolateTree(item, [...path, key], env, problems, secrets)] as const);
    return entries.some(([, item]) => item === FAILED) ? FAILED : Object.fromEntries(entries);
  }
  return value;
}

/** The values of every Secret in a parsed config: a webhook URL written literally is still never shown. */
function collectSecrets(value: unknown, secrets: Set<string>): void {
  if (value instanceof Secret) {
    if (value.reveal()) secrets.add(value.reveal());
    return;
  }
  if (Array.isArray(value)) for (const item of value) collectSecrets(item, secrets);
  else if (isPlainObject(value)) for (const item of Object.values(value)) collectSecrets(item, secrets);
}
