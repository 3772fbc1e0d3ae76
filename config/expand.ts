// Expands each service's checks per environment: templates and secrets in every string of a check, then
// validation by the kind's schema, default names, duplicate names and the rendered runbook. The work is
// bounded before it starts (checks, values) and while it runs (characters: environment values are not
// bounded by the file).
import type { z } from 'zod';
import type { CheckSpec } from './types.js';
import type { ProbeRegistry } from '../probes/probe.js';
import { COMMON_CHECK_KEYS, checkFieldsSchema } from './schema.js';
import { humanErrorMap, issuesToProblems, suggest, type PathSegment, type RawProblem } from './issues.js';
import { interpolateSecrets, renderTemplate, scrubSecrets, templateVars, unknownTemplateMessage } from './interpolate.js';
import { MAX_EXPANDED_CHARS, MAX_EXPANDED_CHECKS, MAX_EXPANDED_VALUES, formatCount, sizeOf, type ValueSize } from './limits.js';

/** A service as the expander needs it; `environments` are already known to be in the config. */
export interface ServiceToExpand {
  readonly name: string;
  readonly environments: readonly string[];
  readonly runbook: string | null;
  /** Check items as written in the file. */
  readonly checks: readonly unknown[];
}

export interface ExpandOptions {
  /** The config's environments, in order. */
  readonly environments: readonly string[];
  readonly services: readonly ServiceToExpand[];
  readonly registry: ProbeRegistry;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly vars?: Readonly<Record<string, string>>;
}

export interface ExpandResult {
  /** Every check of every service in every environment, environment by environment. */
  readonly checks: CheckSpec[];
  readonly problems: RawProblem[];
  /**
   * Every non-empty value taken from the environment by a `${VAR}` in a check or a runbook, also in a
   * check that turned out invalid, so that every problem message can be scrubbed of them.
   */
  readonly secrets: readonly string[];
}

interface PreparedCheck {
  readonly index: number;
  readonly kind: string;
  readonly fields: unknown;
  readonly defaultName: string;
  readonly named: boolean;
}

type Tree = unknown;

/** Thrown inside the expansion when its text outgrows MAX_EXPANDED_CHARS; caught in `expandChecks`. */
class ExpansionTooLarge extends Error {}

/** What the strings of one expansion may still add, in characters. */
interface CharBudget {
  remaining: number;
}

/** Expands and validates all checks; problems are collected, never thrown. */
export function expandChecks(opts: ExpandOptions): ExpandResult {
  const problems: RawProblem[] = [];
  const secrets = new Set<string>();
  const prepared = new Map(opts.services.map((s) => [s.name, prepareChecks(s, opts.registry, problems)]));
  const tooLarge = expansionTooLarge(opts.services, prepared);
  if (tooLarge) return { checks: [], problems: [...problems, tooLarge], secrets: [] };
  try {
    const checks = expandPrepared(opts, prepared, problems, secrets, { remaining: MAX_EXPANDED_CHARS });
    return { checks, problems, secrets: [...secrets] };
  } catch (error) {
    if (!(error instanceof ExpansionTooLarge)) throw error;
    const message = `the checks expand to more than ${formatCount(MAX_EXPANDED_CHARS)} characters of text across their environments`;
    return { checks: [], problems: [...problems, { path: ['services'], message, at: 'key' }], secrets: [...secrets] };
  }
}

/** A problem when the expansion would hold too many checks or values, counted before any is built. */
function expansionTooLarge(services: readonly ServiceToExpand[], prepared: ReadonlyMap<string, PreparedCheck[]>): RawProblem | null {
  const memo = new WeakMap<object, ValueSize>();
  let checkCount = 0;
  let values = 0;
  for (const service of services) {
    const envCount = service.environments.length;
    for (const check of prepared.get(service.name) ?? []) {
      checkCount += envCount;
      values += envCount * sizeOf(check.fields, memo).values;
    }
  }
  if (checkCount > MAX_EXPANDED_CHECKS) {
    const message =
      `the config expands to ${formatCount(checkCount)} checks (each service's checks times its environments); ` +
      `at most ${formatCount(MAX_EXPANDED_CHECKS)} are allowed`;
    return { path: ['services'], message, at: 'key' };
  }
  if (values > MAX_EXPANDED_VALUES) {
    const message =
      `the checks expand to ${formatCount(values)} values across their environments; at most ${formatCount(MAX_EXPANDED_VALUES)} are allowed`;
    return { path: ['services'], message, at: 'key' };
  }
  return null;
}

function expandPrepared(
  opts: ExpandOptions,
  prepared: ReadonlyMap<string, PreparedCheck[]>,
  problems: RawProblem[],
  secrets: Set<string>,
  budget: CharBudget,
): CheckSpec[] {
  const checks: CheckSpec[] = [];
  const schemas = new Map<string, z.ZodType>();
  const schemaOf = (kind: string) => {
    let schema = schemas.get(kind);
    if (!schema) schemas.set(kind, (schema = checkFieldsSchema(opts.registry, kind)));
    return schema;
  };
  // Only services with checks: a config may pair thousands of services with a thousand environments.
  const withChecks = opts.services.filter((s) => (prepared.get(s.name)?.length ?? 0) > 0);
  const serviceEnvironments = new Map(withChecks.map((s) => [s.name, new Set(s.environments)]));

  for (const env of opts.environments) {
    for (const service of withChecks) {
      if (!serviceEnvironments.get(service.name)?.has(env)) continue;
      const servicePath = ['services', service.name];
      const usedNames = new Map<string, number>();
      const vars = templateVars(env, service.name, opts.vars);
      for (const check of prepared.get(service.name) ?? []) {
        const checkPath = [...servicePath, 'checks', check.index, check.kind];
        const expanded = expandTree(check.fields, checkPath, { vars, env: opts.env, budget, secrets }, problems);
        if (!expanded) continue;
        const checkSecrets = expanded.secrets;
        const parsed = schemaOf(check.kind).safeParse(expanded.value, {
          reportInput: true,
          error: humanErrorMap((text) => scrubSecrets(text, checkSecrets)),
        });
        if (!parsed.success) {
          for (const problem of issuesToProblems(parsed.error.issues, checkPath)) problems.push(problem);
          continue;
        }
        const { name: explicitName, every, timeout, ...target } = parsed.data as Record<string, unknown>;
        const name = typeof explicitName === 'string' ? explicitName : check.defaultName;
        const firstIndex = usedNames.get(name);
        if (firstIndex !== undefined) {
          problems.push({
            path: check.named ? [...checkPath, 'name'] : [...servicePath, 'checks', check.index],
            message: `duplicate check name "${name}" (also used by checks[${firstIndex}]); give each check of a service its own name`,
            at: 'value',
          });
          continue;
        }
        usedNames.set(name, check.index);
        const runbook = service.runbook === null ? null : renderRunbook(service.runbook, env, service.name, name, opts, { budget, secrets }, problems);
        if (runbook === undefined) continue;
        checks.push({
          // join makes one flat string; a template literal's pieces stay separate heap objects, one
          // id per check for as long as Vigil runs.
          id: [env, service.name, name].join('/'),
          env,
          service: service.name,
          name,
          kind: check.kind,
          everyMs: every as number,
          timeoutMs: timeout as number,
          target,
          runbook,
        });
      }
    }
  }
  return checks;
}

/** Checks each item's shape (exactly one known kind) and gives each its default name. */
function prepareChecks(service: ServiceToExpand, registry: ProbeRegistry, problems: RawProblem[]): PreparedCheck[] {
  const kinds = registry.kinds();
  const knownKinds = `known kinds: ${kinds.join(', ')}`;
  const unnamedByKind = new Map<string, number>();
  const prepared: PreparedCheck[] = [];
  service.checks.forEach((item, index) => {
    const itemPath: PathSegment[] = ['services', service.name, 'checks', index];
    if (!isPlainObject(item)) {
      problems.push({ path: itemPath, message: `expected a check like { http: { url: … } } (${knownKinds})`, at: 'value' });
      return;
    }
    const keys = Object.keys(item);
    const found = keys.filter((key) => kinds.includes(key));
    for (const key of keys.filter((k) => !kinds.includes(k))) {
      const common = (COMMON_CHECK_KEYS as readonly string[]).includes(key);
      const close = suggest(key, kinds);
      const message = common
        ? `"${key}" goes inside the probe kind's mapping, like ${found[0] ?? kinds[0]}: { ${key}: … }`
        : `unknown probe kind "${key}"${close ? ` (did you mean "${close}"?)` : ''}; ${knownKinds}`;
      problems.push({ path: [...itemPath, key], message, at: 'key' });
    }
    if (keys.length === 0) {
      problems.push({ path: itemPath, message: `a check needs a probe kind; ${knownKinds}`, at: 'value' });
      return;
    }
    if (found.length > 1) {
      problems.push({ path: itemPath, message: `a check has exactly one probe kind, got ${found.join(' and ')}; write one check per kind`, at: 'value' });
      return;
    }
    if (found.length === 0 || found.length !== keys.length) return;
    const kind = found[0];
    const fields = item[kind];
    const named = isPlainObject(fields) && fields.name !== undefined;
    let defaultName = kind;
    if (!named) {
      const count = (unnamedByKind.get(kind) ?? 0) + 1;
      unnamedByKind.set(kind, count);
      if (count > 1) defaultName = `${kind}-${count}`;
    }
    prepared.push({ index, kind, fields, defaultName, named });
  });
  return prepared;
}

interface ExpandContext {
  readonly vars: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly budget: CharBudget;
  /** Every environment value interpolated so far, in any check. */
  readonly secrets: Set<string>;
}

interface ExpandedTree {
  readonly value: Tree;
  /** The environment values interpolated into this tree. */
  readonly secrets: ReadonlySet<string>;
}

/** Templates then secrets in every string of a check; null (with problems pushed) when one fails. */
function expandTree(tree: Tree, path: readonly PathSegment[], context: ExpandContext, problems: RawProblem[]): ExpandedTree | null {
  const secrets = new Set<string>();
  let failed = false;
  const walk = (node: Tree, at: readonly PathSegment[]): Tree => {
    if (typeof node === 'string') {
      const result = expandString(node, context);
      for (const secret of result.secrets) secrets.add(secret);
      if (result.problems.length) {
        failed = true;
        // Loops, not push(...spread): a string may hold 100,000 references, past the arguments limit.
        for (const message of result.problems) problems.push({ path: at, message, at: 'value' });
        return node;
      }
      return result.value;
    }
    if (Array.isArray(node)) return node.map((child, i) => walk(child, [...at, i]));
    if (isPlainObject(node)) {
      const value: Record<string, Tree> = {};
      for (const [key, child] of Object.entries(node)) value[key] = walk(child, [...at, key]);
      return value;
    }
    return node;
  };
  const value = walk(tree, path);
  return failed ? null : { value, secrets };
}

interface ExpandedString {
  readonly value: string;
  readonly secrets: readonly string[];
  readonly problems: readonly string[];
}

function expandString(text: string, context: Pick<ExpandContext, 'vars' | 'env' | 'budget' | 'secrets'>): ExpandedString {
  const { vars, env, budget } = context;
  const rendered = renderTemplate(text, vars, budget.remaining);
  if (rendered.tooLong) throw new ExpansionTooLarge();
  if (rendered.unknown.length) {
    return { value: text, secrets: [], problems: rendered.unknown.map((name) => unknownTemplateMessage(name, vars)) };
  }
  const result = interpolateSecrets(rendered.text, env, budget.remaining);
  for (const secret of result.secrets) context.secrets.add(secret);
  if (result.tooLong) throw new ExpansionTooLarge();
  budget.remaining -= result.value.length;
  const problems = [
    ...[...new Set(result.missing)].map((name) => `environment variable ${name} is not set`),
    ...[...new Set(result.invalid)].map((ref) => `invalid variable reference "${ref}"; write \${NAME} or \${NAME:-default}, or $\${ for a literal \${`),
  ];
  return { value: result.value, secrets: result.secrets, problems };
}

function renderRunbook(
  template: string,
  env: string,
  service: string,
  check: string,
  opts: ExpandOptions,
  context: Pick<ExpandContext, 'budget' | 'secrets'>,
  problems: RawProblem[],
): string | undefined {
  const expanded = expandString(template, { ...context, vars: templateVars(env, service, opts.vars, check), env: opts.env });
  if (expanded.problems.length) {
    for (const message of expanded.problems) problems.push({ path: ['services', service, 'runbook'], message, at: 'value' });
    return undefined;
  }
  return expanded.value;
}

/** A YAML mapping as parsed: an object that is not a list. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
