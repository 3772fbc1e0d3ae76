// Expands each service's checks per environment: templates and secrets in every string of a check, then
// validation by the kind's schema, default names, duplicate names and the rendered runbook.
import type { z } from 'zod';
import type { CheckSpec } from './types.js';
import type { ProbeRegistry } from '../probes/probe.js';
import { COMMON_CHECK_KEYS, checkFieldsSchema } from './schema.js';
import { humanErrorMap, issuesToProblems, suggest, type PathSegment, type RawProblem } from './issues.js';
import { interpolateSecrets, renderTemplate, scrubSecrets, templateVars, unknownTemplateMessage } from './interpolate.js';

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
  /** The same checks with every interpolated value shown as `***`. */
  readonly redacted: CheckSpec[];
  readonly problems: RawProblem[];
}

interface PreparedCheck {
  readonly index: number;
  readonly kind: string;
  readonly fields: unknown;
  readonly defaultName: string;
  readonly named: boolean;
}

type Tree = unknown;

/** Expands and validates all checks; problems are collected, never thrown. */
export function expandChecks(opts: ExpandOptions): ExpandResult {
  const problems: RawProblem[] = [];
  const checks: CheckSpec[] = [];
  const redacted: CheckSpec[] = [];
  const schemas = new Map<string, z.ZodType>();
  const schemaOf = (kind: string) => {
    let schema = schemas.get(kind);
    if (!schema) schemas.set(kind, (schema = checkFieldsSchema(opts.registry, kind)));
    return schema;
  };
  const prepared = new Map(opts.services.map((s) => [s.name, prepareChecks(s, opts.registry, problems)]));

  for (const env of opts.environments) {
    for (const service of opts.services) {
      if (!service.environments.includes(env)) continue;
      const servicePath = ['services', service.name];
      const usedNames = new Map<string, number>();
      for (const check of prepared.get(service.name) ?? []) {
        const checkPath = [...servicePath, 'checks', check.index, check.kind];
        const vars = templateVars(env, service.name, opts.vars);
        const expanded = expandTree(check.fields, checkPath, vars, opts.env, problems);
        if (!expanded) continue;
        const secrets = expanded.secrets;
        const parsed = schemaOf(check.kind).safeParse(expanded.value, {
          reportInput: true,
          error: humanErrorMap((text) => scrubSecrets(text, secrets)),
        });
        if (!parsed.success) {
          problems.push(...issuesToProblems(parsed.error.issues, checkPath));
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
        const runbook = service.runbook === null ? null : renderRunbook(service.runbook, env, service.name, name, opts, problems);
        if (runbook === undefined) continue;
        const base = { id: `${env}/${service.name}/${name}`, env, service: service.name, name, kind: check.kind };
        const timing = { everyMs: every as number, timeoutMs: timeout as number };
        checks.push({ ...base, ...timing, target, runbook: runbook?.value ?? null });
        const redactedTarget = redactTree(target, [], expanded, secrets) as Record<string, unknown>;
        redacted.push({ ...base, ...timing, target: redactedTarget, runbook: runbook?.redacted ?? null });
      }
    }
  }
  return { checks, redacted, problems };
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

interface ExpandedTree {
  readonly value: Tree;
  readonly redacted: Tree;
  readonly secrets: readonly string[];
}

/** Templates then secrets in every string of a check; null (with problems pushed) when one fails. */
function expandTree(
  tree: Tree,
  path: readonly PathSegment[],
  vars: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
  problems: RawProblem[],
): ExpandedTree | null {
  const secrets: string[] = [];
  let failed = false;
  const walk = (node: Tree, at: readonly PathSegment[]): [Tree, Tree] => {
    if (typeof node === 'string') {
      const result = expandString(node, vars, env);
      if (result.problems.length) {
        failed = true;
        problems.push(...result.problems.map((message) => ({ path: at, message, at: 'value' as const })));
        return [node, node];
      }
      secrets.push(...result.secrets);
      return [result.value, result.redacted];
    }
    if (Array.isArray(node)) {
      const pairs = node.map((child, i) => walk(child, [...at, i]));
      return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
    }
    if (isPlainObject(node)) {
      const value: Record<string, Tree> = {};
      const redacted: Record<string, Tree> = {};
      for (const [key, child] of Object.entries(node)) [value[key], redacted[key]] = walk(child, [...at, key]);
      return [value, redacted];
    }
    return [node, node];
  };
  const [value, redacted] = walk(tree, path);
  return failed ? null : { value, redacted, secrets };
}

interface ExpandedString {
  readonly value: string;
  readonly redacted: string;
  readonly secrets: readonly string[];
  readonly problems: readonly string[];
}

function expandString(
  text: string,
  vars: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): ExpandedString {
  const rendered = renderTemplate(text, vars);
  if (rendered.unknown.length) {
    return { value: text, redacted: text, secrets: [], problems: rendered.unknown.map((name) => unknownTemplateMessage(name, vars)) };
  }
  const result = interpolateSecrets(rendered.text, env);
  const problems = [
    ...result.missing.map((name) => `environment variable ${name} is not set`),
    ...result.invalid.map((ref) => `invalid variable reference "${ref}"; write \${NAME} or \${NAME:-default}, or $\${ for a literal \${`),
  ];
  return { value: result.value, redacted: result.redacted, secrets: result.secrets, problems };
}

function renderRunbook(
  template: string,
  env: string,
  service: string,
  check: string,
  opts: ExpandOptions,
  problems: RawProblem[],
): { value: string; redacted: string } | undefined {
  const expanded = expandString(template, templateVars(env, service, opts.vars, check), opts.env);
  if (expanded.problems.length) {
    problems.push(...expanded.problems.map((message) => ({ path: ['services', service, 'runbook'], message, at: 'value' as const })));
    return undefined;
  }
  return { value: expanded.value, redacted: expanded.redacted };
}

/**
 * The parsed output with each string that came from an interpolated input shown redacted: the
 * redacted input where the string passed through unchanged, else the string with secrets scrubbed.
 */
function redactTree(node: Tree, at: readonly PathSegment[], input: ExpandedTree, secrets: readonly string[]): Tree {
  if (typeof node === 'string') {
    const original = get(input.value, at);
    const shown = get(input.redacted, at);
    if (original === node && typeof shown === 'string') return shown;
    return scrubSecrets(node, secrets);
  }
  if (Array.isArray(node)) return node.map((child, i) => redactTree(child, [...at, i], input, secrets));
  if (isPlainObject(node)) {
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, redactTree(child, [...at, key], input, secrets)]));
  }
  return node;
}

function get(tree: Tree, path: readonly PathSegment[]): unknown {
  let node = tree;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  return node;
}

/** A YAML mapping as parsed: an object that is not a list. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
