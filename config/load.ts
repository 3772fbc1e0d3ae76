// vigil.yaml → VigilConfig: parse the YAML (keeping node positions), validate the document, expand the
// checks per environment, and report every problem with its file, line and path.
import { readFileSync } from 'node:fs';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../lib/errors.js';
import type { ProbeRegistry } from '../probes/probe.js';
import { DEFAULT_RETENTION, type Retention } from '../store/types.js';
import type { ServiceSpec, VigilConfig } from './types.js';
import { ENV_PATTERN, EXTENSION_PREFIX, NAME_PATTERN, configSchema } from './schema.js';
import { expandChecks, isPlainObject, type ServiceToExpand } from './expand.js';
import { formatPath, humanErrorMap, issuesToProblems, suggest, type PathSegment, type RawProblem } from './issues.js';

export interface LoadOptions {
  /** How the file is named in problems: `vigil.yaml`, or a path. */
  readonly file: string;
  /** Where `${VAR}`s come from; the CLI passes process.env, tests pass a map. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Extra template variables, e.g. `{ demo_target: 'http://127.0.0.1:41234' }` for `{{demo_target}}`. */
  readonly vars?: Readonly<Record<string, string>>;
  readonly registry: ProbeRegistry;
}

export const DEFAULT_PORT = 8080;

/** Parses and validates a config; throws a ConfigError carrying every problem found. */
export function loadConfigText(text: string, opts: LoadOptions): VigilConfig {
  const lineCounter = new LineCounter();
  // `merge` allows `<<: *defaults`, so shared check settings can live in an `x-` anchor.
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((error) => ({ file: opts.file, line: error.linePos?.[0]?.line ?? null, path: '', message: yamlMessage(error.message) })),
    );
  }
  const data = withoutExtensions(doc.toJS() as unknown);
  if (data === null || data === undefined) {
    throw new ConfigError([{ file: opts.file, line: null, path: '', message: 'the config is empty; it needs at least environments and services' }]);
  }

  const problems: RawProblem[] = [];
  const parsed = configSchema(opts.registry, { checkItem: z.unknown() }).safeParse(data, {
    reportInput: true,
    error: humanErrorMap((text) => text),
  });
  if (!parsed.success) problems.push(...issuesToProblems(parsed.error.issues));

  // Checks are validated even when another part of the file is wrong, so one run shows every problem.
  const environments = parsed.success ? parsed.data.environments : plausibleEnvironments(data);
  const environmentsValid = environments.length > 0 && !problems.some((p) => p.path[0] === 'environments');
  const services = servicesToExpand(data, environments, problems, environmentsValid);
  const expanded = expandChecks({ environments, services, registry: opts.registry, env: opts.env, vars: opts.vars });
  problems.push(...expanded.problems);

  if (problems.length || !parsed.success) throw new ConfigError(locateProblems(problems, doc, lineCounter, opts.file));

  const document = parsed.data;
  const serviceSpecs: ServiceSpec[] = Object.entries(document.services).map(([name, service]) => ({
    name,
    owner: service.owner ?? null,
    description: service.description ?? null,
    environments: environments.filter((env) => (service.environments ?? environments).includes(env)),
  }));
  const written = document.storage?.retention;
  const retention: Retention = {
    rawMs: written?.raw ?? DEFAULT_RETENTION.rawMs,
    oneMinuteMs: written?.['1m'] ?? DEFAULT_RETENTION.oneMinuteMs,
    oneHourMs: written?.['1h'] ?? DEFAULT_RETENTION.oneHourMs,
  };
  const scheduler = { concurrency: document.scheduler.concurrency };
  const server = { port: document.server?.port ?? DEFAULT_PORT };
  return {
    source: opts.file,
    environments,
    services: serviceSpecs,
    checks: expanded.checks,
    server,
    scheduler,
    retention,
    redacted: {
      source: opts.file,
      environments,
      server,
      services: serviceSpecs,
      checks: expanded.redacted,
      scheduler,
      retention,
    },
  };
}

/** Reads and loads a config file; an unreadable file is a ConfigError saying so. */
export function loadConfigFile(path: string, opts: Omit<LoadOptions, 'file'>): VigilConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(error);
    throw new ConfigError([{ file: path, line: null, path: '', message: `cannot read the config file: ${reason}` }]);
  }
  return loadConfigText(text, { ...opts, file: path });
}

function yamlMessage(message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return `invalid YAML: ${first}`;
}

/** Drops top-level `x-…` keys: free space for YAML anchors, as in docker-compose files. */
function withoutExtensions(data: unknown): unknown {
  if (!isPlainObject(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([key]) => !key.startsWith(EXTENSION_PREFIX)));
}

function plausibleEnvironments(data: unknown): string[] {
  const written = isPlainObject(data) ? data.environments : undefined;
  if (!Array.isArray(written)) return [];
  return [...new Set(written.filter((env): env is string => typeof env === 'string' && ENV_PATTERN.test(env)))];
}

/** The services whose checks can be expanded, with their environments checked against the config's. */
function servicesToExpand(data: unknown, environments: readonly string[], problems: RawProblem[], environmentsValid: boolean): ServiceToExpand[] {
  const services = isPlainObject(data) && isPlainObject(data.services) ? data.services : {};
  const result: ServiceToExpand[] = [];
  for (const [name, service] of Object.entries(services)) {
    if (!NAME_PATTERN.test(name) || !isPlainObject(service)) continue;
    let serviceEnvironments = environments;
    if (Array.isArray(service.environments)) {
      service.environments.forEach((env, i) => {
        if (typeof env !== 'string' || environments.includes(env) || !environmentsValid || !ENV_PATTERN.test(env)) return;
        const close = suggest(env, environments);
        problems.push({
          path: ['services', name, 'environments', i],
          message: `unknown environment "${env}"${close ? ` (did you mean "${close}"?)` : ''}; environments are ${environments.join(', ')}`,
          at: 'value',
        });
      });
      serviceEnvironments = environments.filter((env) => (service.environments as unknown[]).includes(env));
    }
    result.push({
      name,
      environments: serviceEnvironments,
      runbook: typeof service.runbook === 'string' ? service.runbook : null,
      checks: Array.isArray(service.checks) ? service.checks : [],
    });
  }
  return result;
}

/** Gives each problem its line, drops repeats (the same problem in every environment), sorts by line. */
function locateProblems(problems: readonly RawProblem[], doc: Document, lineCounter: LineCounter, file: string): ConfigProblem[] {
  const seen = new Set<string>();
  const located: ConfigProblem[] = [];
  for (const problem of problems) {
    const line = problem.path.length === 0 ? null : lineOf(doc, lineCounter, problem.path, problem.at);
    const path = formatPath(problem.path);
    const key = `${line}\u0000${path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    located.push({ file, line, path, message: problem.message });
  }
  return located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** The line of the node at `path`: the key's line for a problem with the key, else the value's. */
function lineOf(doc: Document, lineCounter: LineCounter, path: readonly PathSegment[], at: 'key' | 'value'): number | null {
  let node: unknown = doc.contents;
  let keyNode: unknown = null;
  let found = true;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === String(segment));
      if (!pair) {
        found = false;
        break;
      }
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      keyNode = null;
      node = node.items[segment];
    } else {
      found = false;
      break;
    }
  }
  const start = (n: unknown): number | null => {
    const range = (n as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : null;
  };
  if (at === 'key' || !found) return start(keyNode) ?? start(node);
  return start(node) ?? start(keyNode);
}
