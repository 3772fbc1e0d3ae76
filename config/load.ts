// vigil.yaml → VigilConfig: read the file (bounded), parse the YAML (keeping node positions), validate
// the document, expand the checks per environment, and report every problem with its file, line and
// path, scrubbed of every secret value the config interpolated.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../lib/errors.js';
import { SecretValues } from '../lib/secret.js';
import { parseCidr } from '../lib/cidr.js';
import { DEFAULT_OUTBOUND_POLICY, type OutboundPolicy } from '../lib/outbound-guard.js';
import type { ProbeRegistry } from '../probes/probe.js';
import type { ReceiverRegistry } from '../notify/receiver.js';
import { builtinReceivers } from '../notify/index.js';
import { compileNotify } from './notify.js';
import { compileReports, slaFraction } from './reports.js';
import { DEFAULT_RETENTION, type Retention } from '../store/types.js';
import { DEFAULT_OTLP_CONFIG, DEFAULT_PORT, DEFAULT_SERVER_LIMITS, DEFAULT_SESSION_LIFETIME_MS, type OtlpConfig, type ServerConfig, type ServiceSpec, type VigilConfig } from './types.js';
import { ENV_PATTERN, EXTENSION_PREFIX, NAME_PATTERN, configSchema, type ConfigDocument } from './schema.js';
import { compileAlerting } from './alerting.js';
import { expandChecks, isPlainObject, type ServiceToExpand } from './expand.js';
import { formatPath, humanErrorMap, issuesToProblems, suggest, type PathSegment, type RawProblem } from './issues.js';
import { interpolateSecrets } from './interpolate.js';
import { MAX_CONFIG_BYTES, MAX_ENVIRONMENTS, MAX_REPORTED_PROBLEMS, MAX_SERVICES, formatBytes, formatCount } from './limits.js';
import { parseYaml, type YamlDocument } from './yaml-document.js';

export interface LoadOptions {
  /** How the file is named in problems: `vigil.yaml`, or a path. */
  readonly file: string;
  /** Where `${VAR}`s come from; the CLI passes process.env, tests pass a map. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Extra template variables, e.g. `{ demo_target: 'http://127.0.0.1:41234' }` for `{{demo_target}}`. */
  readonly vars?: Readonly<Record<string, string>>;
  readonly registry: ProbeRegistry;
  /** Receiver kinds of `notify.receivers` (default: the built-in ones). */
  readonly receivers?: ReceiverRegistry;
}

/** How many environment names a message lists before "and N more". */
const LISTED_ENVIRONMENTS = 10;

/** Parses and validates a config; throws a ConfigError carrying every problem found. */
export function loadConfigText(text: string, opts: LoadOptions): VigilConfig {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) throw new ConfigError([tooLargeProblem(opts.file, bytes)]);
  const yaml = parseYaml(text, opts.file);
  const data = withoutExtensions(yaml.data);
  if (data === null || data === undefined) {
    throw new ConfigError([{ file: opts.file, line: null, path: '', message: 'the config is empty; it needs at least environments and services' }]);
  }
  // Refused before anything walks them: services times environments is how many pairs are built.
  const oversized = oversizedProblems(data);
  if (oversized.length) throw new ConfigError(locateProblems(oversized, yaml, opts.file, SecretValues.none));

  const problems: RawProblem[] = [];
  const parsed = configSchema(opts.registry, { checkItem: z.unknown(), deferAlerting: true, deferNotify: true }).safeParse(data, {
    reportInput: true,
    error: humanErrorMap((text) => text),
  });
  if (!parsed.success) for (const problem of issuesToProblems(parsed.error.issues)) problems.push(problem);

  // Checks are validated even when another part of the file is wrong, so one run shows every problem.
  const environments = parsed.success ? parsed.data.environments : plausibleEnvironments(data);
  const environmentsValid = environments.length > 0 && !problems.some((p) => p.path[0] === 'environments');
  const services = servicesToExpand(data, environments, problems, environmentsValid);
  const expanded = expandChecks({ environments, services, registry: opts.registry, env: opts.env, vars: opts.vars });
  for (const problem of expanded.problems) problems.push(problem);
  const storage = storageLocation(parsed.success ? parsed.data.storage : undefined, opts.env, problems);
  const alerting = compileAlerting(data, {
    environments,
    services: new Map(services.map((service) => [service.name, service.environments])),
    checks: expanded.checks,
  });
  for (const problem of alerting.problems) problems.push(problem);
  const notify = compileNotify(isPlainObject(data) ? data.notify : undefined, { env: opts.env, receivers: opts.receivers ?? builtinReceivers() });
  for (const problem of notify.problems) problems.push(problem);
  const reports = compileReports(isPlainObject(data) ? data.reports : undefined, {
    environments,
    receivers: notify.notify.receivers,
    // A receiver that failed its own validation is still a name the file defines: its problem is reported once.
    receiverNames: isPlainObject(data) && isPlainObject(data.notify) && isPlainObject(data.notify.receivers) ? Object.keys(data.notify.receivers) : [],
    kinds: opts.receivers ?? builtinReceivers(),
  });
  for (const problem of reports.problems) problems.push(problem);
  const secrets = new SecretValues([...expanded.secrets, ...storage.secrets, ...notify.secrets, ...urlPasswords(expanded.checks.map((check) => check.target))]);

  if (problems.length || !parsed.success) throw new ConfigError(locateProblems(problems, yaml, opts.file, secrets));

  const document = parsed.data;
  const serviceSpecs: ServiceSpec[] = Object.entries(document.services).map(([name, service]) => {
    const written = service.environments === undefined ? null : new Set(service.environments);
    return {
      name,
      owner: service.owner ?? null,
      description: service.description ?? null,
      // Shared, not copied, when the service runs everywhere: a config may have thousands of services.
      environments: written === null ? environments : environments.filter((env) => written.has(env)),
      sla: service.sla === undefined ? null : slaFraction(service.sla),
    };
  });
  const written = document.storage?.retention;
  const retention: Retention = {
    rawMs: written?.raw ?? DEFAULT_RETENTION.rawMs,
    oneMinuteMs: written?.['1m'] ?? DEFAULT_RETENTION.oneMinuteMs,
    oneHourMs: written?.['1h'] ?? DEFAULT_RETENTION.oneHourMs,
  };
  return {
    source: opts.file,
    environments,
    services: serviceSpecs,
    checks: expanded.checks,
    server: serverConfig(document.server),
    auth: {
      anonymousRead: document.auth?.anonymous_read ?? true,
      ingest: document.auth?.ingest ?? null,
      sessionLifetimeMs: document.auth?.session_lifetime ?? DEFAULT_SESSION_LIFETIME_MS,
    },
    sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
    scheduler: { concurrency: document.scheduler.concurrency, workers: document.scheduler.workers },
    otlp: otlpConfig(document.otlp),
    retention,
    storage: storage.location,
    alerting: alerting.alerting,
    notify: notify.notify,
    reports: reports.reports,
    outbound: outboundPolicy(document.security?.outbound),
    secrets,
  };
}

/**
 * The password of every URL in the checks' fields (a DSN's, an http URL's user:password), also when
 * written in the file rather than in a `${VAR}`: it is shown as *** like any secret.
 */
function urlPasswords(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.includes('@') && URL.canParse(value)) {
      const { password } = new URL(value);
      if (password) {
        found.push(password);
        try {
          found.push(decodeURIComponent(password));
        } catch {
          // A stray % leaves the password as written, which is already kept.
        }
      }
    }
  } else if (Array.isArray(value)) {
    for (const item of value) urlPasswords(item, found);
  } else if (isPlainObject(value)) {
    for (const item of Object.values(value)) urlPasswords(item, found);
  }
  return found;
}

function outboundPolicy(outbound: NonNullable<ConfigDocument['security']>['outbound']): OutboundPolicy {
  if (!outbound) return DEFAULT_OUTBOUND_POLICY;
  // Each entry was checked by the schema, so every one parses.
  return { enabled: outbound.guard, allow: outbound.allow.map((text) => parseCidr(text)!) };
}

function otlpConfig(otlp: ConfigDocument['otlp']): OtlpConfig {
  if (!otlp) return DEFAULT_OTLP_CONFIG;
  return {
    enabled: otlp.enabled,
    port: otlp.port ?? null,
    maxBodyBytes: otlp.max_body_bytes,
    queueBytes: otlp.queue_bytes,
    defaultService: otlp.default_service,
    defaultEnv: otlp.default_env,
    seriesPerMetric: otlp.series_per_metric,
    histogramSamples: otlp.histogram_samples,
  };
}

/** The store location `storage:` names, with its `${VAR}`s (a password, a whole URL) expanded and kept secret. */
function storageLocation(
  storage: { sqlite?: string; postgres?: string } | undefined,
  env: Readonly<Record<string, string | undefined>>,
  problems: RawProblem[],
): { location: string | null; secrets: readonly string[] } {
  const key = storage?.postgres !== undefined ? 'postgres' : storage?.sqlite !== undefined ? 'sqlite' : null;
  if (key === null) return { location: null, secrets: [] };
  const result = interpolateSecrets(storage![key]!, env);
  const path: PathSegment[] = ['storage', key];
  for (const name of result.missing) problems.push({ path, message: `environment variable ${name} is not set`, at: 'value' });
  for (const ref of result.invalid) problems.push({ path, message: `invalid variable reference "${ref}"; write \${NAME} or \${NAME:-default}`, at: 'value' });
  if (key === 'postgres' && result.missing.length === 0 && !/^postgres(?:ql)?:\/\//.test(result.value)) {
    problems.push({ path, message: `expected a postgres://user@host:5432/database URL, got "${result.redacted}"`, at: 'value' });
  }
  return { location: result.value, secrets: result.secrets };
}

/**
 * Reads and loads a config file. Only a regular file is read (a device like /dev/zero or a pipe never
 * ends, or blocks), and at most MAX_CONFIG_BYTES of it; any failure is a ConfigError saying why.
 */
export function loadConfigFile(path: string, opts: Omit<LoadOptions, 'file'>): VigilConfig {
  return loadConfigText(readConfigFile(path), { ...opts, file: path });
}

function readConfigFile(path: string): string {
  const refuse = (message: string) => new ConfigError([{ file: path, line: null, path: '', message }]);
  const cannotRead = (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    return refuse(`cannot read the config file: ${reason}`);
  };
  const notRegular = (stat: { isDirectory(): boolean }) =>
    refuse(`cannot read the config file: ${stat.isDirectory() ? 'it is a directory' : 'it is not a regular file (a device, pipe or socket)'}`);

  let fd: number;
  try {
    // Checked before opening: opening a pipe blocks until something writes to it.
    const stat = statSync(path);
    if (!stat.isFile()) throw notRegular(stat);
    if (stat.size > MAX_CONFIG_BYTES) throw refuse(tooLargeProblem(path, stat.size).message);
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw error instanceof ConfigError ? error : cannotRead(error);
  }
  try {
    // Again on what was opened, in case the path was replaced in between; and never more than the limit
    // plus one byte, in case the file grew.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw notRegular(stat);
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_CONFIG_BYTES) throw refuse(tooLargeProblem(path, length).message);
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    throw error instanceof ConfigError ? error : cannotRead(error);
  } finally {
    closeSync(fd);
  }
}

function tooLargeProblem(file: string, bytes: number): ConfigProblem {
  const size = bytes > MAX_CONFIG_BYTES + 1 ? `${formatBytes(bytes)}` : `more than ${formatBytes(MAX_CONFIG_BYTES)}`;
  return { file, line: null, path: '', message: `the config is ${size}; a config may be at most ${formatBytes(MAX_CONFIG_BYTES)}` };
}

/** Lists longer than the limits: found on the raw data, so nothing quadratic runs on them first. */
function oversizedProblems(data: unknown): RawProblem[] {
  if (!isPlainObject(data)) return [];
  const problems: RawProblem[] = [];
  if (Array.isArray(data.environments) && data.environments.length > MAX_ENVIRONMENTS) {
    problems.push({
      path: ['environments'],
      message: `${formatCount(data.environments.length)} environments; at most ${formatCount(MAX_ENVIRONMENTS)} are allowed`,
      at: 'key',
    });
  }
  if (isPlainObject(data.services)) {
    const count = Object.keys(data.services).length;
    if (count > MAX_SERVICES) {
      problems.push({ path: ['services'], message: `${formatCount(count)} services; at most ${formatCount(MAX_SERVICES)} are allowed`, at: 'key' });
    }
  }
  return problems;
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
  const known = new Set(environments);
  const listed = listEnvironments(environments);
  // Suggestions cost an edit distance per known environment; past the problems shown, none is worth it.
  let suggestionsLeft = MAX_REPORTED_PROBLEMS;
  const result: ServiceToExpand[] = [];
  for (const [name, service] of Object.entries(services)) {
    if (!NAME_PATTERN.test(name) || !isPlainObject(service)) continue;
    let serviceEnvironments = environments;
    const written = service.environments;
    if (Array.isArray(written)) {
      // A list longer than the limit is reported by the schema; its items are not worth a problem each.
      if (environmentsValid && written.length <= MAX_ENVIRONMENTS) {
        written.forEach((env, i) => {
          if (typeof env !== 'string' || known.has(env) || !ENV_PATTERN.test(env)) return;
          const close = suggestionsLeft-- > 0 ? suggest(env, environments) : null;
          problems.push({
            path: ['services', name, 'environments', i],
            message: `unknown environment "${env}"${close ? ` (did you mean "${close}"?)` : ''}; environments are ${listed}`,
            at: 'value',
          });
        });
      }
      const writtenSet = new Set(written);
      serviceEnvironments = environments.filter((env) => writtenSet.has(env));
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

/** `dev, staging, prod`, or the first few and how many more. */
function listEnvironments(environments: readonly string[]): string {
  if (environments.length <= LISTED_ENVIRONMENTS) return environments.join(', ');
  const more = environments.length - LISTED_ENVIRONMENTS;
  return `${environments.slice(0, LISTED_ENVIRONMENTS).join(', ')} and ${formatCount(more)} more`;
}

/**
 * Gives each problem its line, scrubs every secret value from its path and message (a probe's schema may
 * quote the value it refused), drops repeats (the same problem in every environment), sorts by line, and
 * keeps the first MAX_REPORTED_PROBLEMS with a count of the rest.
 */
function locateProblems(problems: readonly RawProblem[], yaml: YamlDocument, file: string, secrets: SecretValues): ConfigProblem[] {
  const seen = new Set<string>();
  const located: ConfigProblem[] = [];
  for (const problem of problems) {
    const path = secrets.scrub(formatPath(problem.path));
    const message = secrets.scrub(problem.message);
    const key = `${problem.at}\u0000${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const line = problem.path.length === 0 ? null : yaml.lineOf(problem.path, problem.at);
    located.push({ file, line, path, message });
  }
  located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (located.length <= MAX_REPORTED_PROBLEMS) return located;
  const more = located.length - MAX_REPORTED_PROBLEMS;
  return [
    ...located.slice(0, MAX_REPORTED_PROBLEMS),
    { file, line: null, path: '', message: `and ${formatCount(more)} more problem${more === 1 ? '' : 's'} not shown; fix these first` },
  ];
}

/** `server:` with its defaults. */
function serverConfig(written: ConfigDocument['server']): ServerConfig {
  const limits = DEFAULT_SERVER_LIMITS;
  const rate = written?.rate_limit;
  const bucket = (name: 'api' | 'ingest' | 'metrics') => {
    const given = rate?.[name];
    return { perSecond: given?.per_second ?? limits.rateLimit[name].perSecond, burst: given?.burst ?? limits.rateLimit[name].burst };
  };
  return {
    port: written?.port ?? DEFAULT_PORT,
    publicUrl: written?.public_url?.replace(/\/+$/, '') ?? null,
    headersTimeoutMs: written?.headers_timeout ?? limits.headersTimeoutMs,
    requestTimeoutMs: written?.request_timeout ?? limits.requestTimeoutMs,
    keepAliveTimeoutMs: written?.keep_alive_timeout ?? limits.keepAliveTimeoutMs,
    maxHeaderBytes: written?.max_header_bytes ?? limits.maxHeaderBytes,
    rateLimit: {
      enabled: rate?.enabled ?? limits.rateLimit.enabled,
      maxClients: rate?.max_clients ?? limits.rateLimit.maxClients,
      api: bucket('api'),
      ingest: bucket('ingest'),
      metrics: bucket('metrics'),
    },
  };
}
