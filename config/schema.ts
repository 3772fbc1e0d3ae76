// The one schema of vigil.yaml, built from the probe registry: a new probe kind brings its own schema
// and needs no change here. The loader validates checks one by one (per environment, after templates),
// so the check item is a parameter; the JSON Schema for editors uses the full union of kinds.
import { z } from 'zod';
import { duration } from '../lib/duration.js';
import { parseCidr } from '../lib/cidr.js';
import type { ProbeRegistry } from '../probes/probe.js';
import { MAX_ENVIRONMENTS, formatCount } from './limits.js';
import { ENV_PATTERN, NAME_PATTERN } from './names.js';
import { alertingSettingsSchema, defaultsSchema, inhibitSchema, maintenanceSchema, ruleSchema, sloItemSchema } from './alerting-schema.js';
import { builtinReceivers } from '../notify/index.js';
import { notifySchema } from './notify-schema.js';
import { serverLimitsShape } from './server-schema.js';
import { reportsSchema, slaSchema } from './reports.js';

export { ENV_PATTERN, NAME_PATTERN };

/** Top-level keys starting with this are ignored: room for YAML anchors (`x-defaults: &d { every: 5s }`). */
export const EXTENSION_PREFIX = 'x-';

/** The fields every check has besides its kind's own (the kind's schema must not define them). */
export const COMMON_CHECK_KEYS = ['name', 'every', 'timeout'] as const;

const nameSchema = z
  .string()
  .regex(NAME_PATTERN, 'expected a name of lowercase letters, digits, - and _ (like "api" or "pg-primary")');

const envNameSchema = z.string().regex(ENV_PATTERN, 'expected an environment name of lowercase letters, digits and - (like "prod")');

/** The shortest `every`: below it a check is load, not monitoring. */
export const MIN_EVERY_MS = 1000;
/**
 * The longest `every`. Node timers take at most 2^31-1 ms (24.8 days) and fire at once for more, so a
 * larger interval spun the scheduler; a week is far below that and above any useful check interval.
 */
export const MAX_EVERY_MS = 7 * 86_400_000;
/** The longest `timeout`: a run that takes longer is stuck, and a longer timer would also overflow as above. */
export const MAX_TIMEOUT_MS = 3_600_000;
/** More probe worker threads than this only add threads competing for the same few cores. */
export const MAX_PROBE_WORKERS = 16;

/** The common fields of a check, in the kind's mapping: `http: { url: …, every: 15s, timeout: 5s }`. */
export const commonCheckShape = {
  name: nameSchema.optional().meta({ description: 'Name of the check in its service; default the kind (http, http-2, …)' }),
  every: duration()
    .pipe(z.number().min(MIN_EVERY_MS, 'must be at least 1s').max(MAX_EVERY_MS, 'must be at most 7d'))
    .prefault('30s')
    .meta({ description: 'How often the check runs (default 30s, at least 1s, at most 7d)' }),
  timeout: duration()
    .pipe(z.number().positive('must be longer than 0s').max(MAX_TIMEOUT_MS, 'must be at most 1h'))
    .prefault('10s')
    .meta({ description: 'How long one run may take (default 10s, at most 1h); a run never overlaps the next' }),
};

/** One kind's check fields: the kind's own schema plus the common fields, strict. */
export function checkFieldsSchema(registry: ProbeRegistry, kind: string) {
  return registry.get(kind).schema.extend(commonCheckShape);
}

/** A check item as written: `{ <kind>: { …fields } }` with exactly one kind (for the JSON Schema). */
export function checkItemSchema(registry: ProbeRegistry): z.ZodType {
  const options: z.ZodType[] = registry.kinds().map((kind) => z.strictObject({ [kind]: checkFieldsSchema(registry, kind) }));
  if (options.length === 0) throw new Error('no probe kinds registered');
  return options.length === 1 ? options[0] : z.union(options as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

/**
 * The schemas of the alerting parts of the file. The loader passes `deferred` (each part `z.unknown()`)
 * and validates them in config/alerting.ts, part by part and item by item, so a problem in one part
 * never hides the problems of another; the JSON Schema for editors uses the real ones.
 */
function alertingParts(deferred: boolean) {
  const part = <T extends z.ZodType>(schema: T) => (deferred ? z.unknown().optional() : schema);
  return {
    alerting: part(alertingSettingsSchema.optional()),
    defaults: part(defaultsSchema.optional()),
    slos: part(z.array(sloItemSchema).optional().meta({ description: 'SLOs: - availability: { objective: 99.9%, window: 28d }' })),
    rules: part(z.array(ruleSchema).optional().meta({ description: 'Threshold and nodata rules' })),
    inhibit: part(z.array(inhibitSchema).optional().meta({ description: 'Inhibition, as Alertmanager\'s inhibit_rules' })),
    maintenance: part(z.array(maintenanceSchema).optional().meta({ description: 'Maintenance windows: recurring (cron) or once' })),
  };
}

/** A service, written once and expanded per environment. */
export function serviceSchema(checkItem: z.ZodType, opts: { deferAlerting?: boolean } = {}) {
  const alerting = alertingParts(opts.deferAlerting ?? false);
  return z.strictObject({
    owner: z.string().min(1).optional().meta({ description: 'The team that owns the service' }),
    description: z.string().optional(),
    environments: z
      .array(envNameSchema)
      .min(1)
      .max(MAX_ENVIRONMENTS, `expected at most ${formatCount(MAX_ENVIRONMENTS)} environments`)
      .optional()
      .meta({ description: 'The environments the service runs in (default all)' }),
    runbook: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Runbook link, templated per check: https://runbooks.example.com/api/{{check}}' }),
    sla: slaSchema.optional().meta({ description: 'Availability target of the service in percent, for SLA reports that set none (default 99.9)' }),
    checks: z.array(checkItem).default([]).meta({ description: 'Checks: one probe kind each, e.g. - http: { url: …, every: 15s }' }),
    defaults: alerting.defaults,
    slos: alerting.slos,
  });
}

const otlpSchema = z.strictObject({
  enabled: z.boolean().default(true).meta({ description: 'Accept OTLP on Vigil\'s port at /v1/metrics and /v1/traces (default true)' }),
  port: z.number().int().min(1).max(65535).optional().meta({ description: 'Also listen on this port for OTLP alone (4318, the OTLP/HTTP default)' }),
  max_body_bytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(20 * 1024 * 1024)
    .meta({ description: 'Largest request body, after decompression (default 20 MiB); larger → 413' }),
  queue_bytes: z
    .number()
    .int()
    .min(1024 * 1024)
    .default(128 * 1024 * 1024)
    .meta({ description: 'Bytes all OTLP requests in flight may hold together (default 128 MiB); past it → 503 with Retry-After' }),
  default_service: z.string().min(1).default('unknown_service').meta({ description: 'The service of a resource without service.name' }),
  default_env: z.string().min(1).default('unknown').meta({ description: 'The env of a resource without deployment.environment.name' }),
  series_per_metric: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(1000)
    .meta({ description: 'Series one OTLP metric of one service may have (default 1000); new ones past it are refused' }),
  histogram_samples: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(100)
    .meta({ description: 'Samples a histogram interval becomes at most, for percentiles (default 100)' }),
});

/** An address or CIDR range the outbound guard lets through: `169.254.169.254`, `169.254.0.0/16`, `fe80::/10`. */
const cidrText = z.string().superRefine((text, ctx) => {
  if (parseCidr(text) === null) ctx.addIssue({ code: 'custom', message: `expected an IP address or CIDR range like 169.254.169.254 or fd00:ec2::/64, got "${text}"` });
});

const outboundSchema = z.strictObject({
  guard: z
    .boolean()
    .default(true)
    .meta({ description: 'Refuse connections to cloud metadata, link-local, 0.0.0.0/8 and :: addresses from probes and notifications (default true); false turns the guard off' }),
  allow: z
    .array(cidrText)
    .default([])
    .meta({ description: 'Addresses or CIDR ranges the guard lets through anyway: [169.254.169.254/32]' }),
});

const retentionSchema = z.strictObject({
  raw: duration().optional().meta({ description: 'Raw samples (default 7d)' }),
  '1m': duration().optional().meta({ description: '1-minute rollups (default 90d)' }),
  '1h': duration().optional().meta({ description: '1-hour rollups (default 2y)' }),
});

/**
 * The schema of vigil.yaml. `checkItem` defaults to the union of the registry's kinds; the loader
 * passes `z.unknown()` and validates each check itself, per environment, and defers the alerting parts.
 */
export function configSchema(registry: ProbeRegistry, opts: { checkItem?: z.ZodType; deferAlerting?: boolean; deferNotify?: boolean } = {}) {
  const checkItem = opts.checkItem ?? checkItemSchema(registry);
  const alerting = alertingParts(opts.deferAlerting ?? false);
  // The loader validates `notify:` in config/notify.ts, receiver by receiver, after `${VAR}`s.
  const notify = opts.deferNotify ? z.unknown().optional() : notifySchema(builtinReceivers()).optional();
  // Validated with `notify:` (config/reports.ts): a report names its receivers.
  const reports = opts.deferNotify ? z.unknown().optional() : reportsSchema.optional();
  return z
    .strictObject({
      environments: z
        .array(envNameSchema)
        .min(1)
        .max(MAX_ENVIRONMENTS, `expected at most ${formatCount(MAX_ENVIRONMENTS)} environments`)
        .superRefine((names, ctx) => {
          const seen = new Set<string>();
          names.forEach((name, i) => {
            if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate environment "${name}"` });
            seen.add(name);
          });
        })
        .meta({ description: 'The environments every service is checked in: [dev, staging, prod]' }),
      server: z
        .strictObject({
          port: z.number().int().min(1).max(65535).default(8080),
          public_url: z
            .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
            .optional()
            .meta({ description: 'Where people reach Vigil (links in notifications): https://vigil.example.com' }),
          ...serverLimitsShape,
        })
        .optional()
        .meta({ description: 'The HTTP server (API, dashboard, /metrics)' }),
      auth: z
        .strictObject({
          anonymous_read: z
            .boolean()
            .optional()
            .meta({ description: 'Let anyone who reaches the port read the API without a token (default true); mutations always need a token' }),
          ingest: z
            .enum(['token', 'open', 'loopback'])
            .optional()
            .meta({
              description:
                'OTLP and heartbeat beats: token (an ingest or admin token, Authorization: Bearer), open (none), loopback (none from 127.0.0.1/::1, a token from elsewhere). Default: open when Vigil listens on loopback only, else token',
            }),
          session_lifetime: duration()
            .optional()
            .meta({ description: "How long a dashboard sign-in lasts (default 12h), never past its token's expiry" }),
        })
        .optional()
        .meta({ description: 'API tokens and roles: vigil token create --name N --role viewer|responder|admin' }),
      security: z
        .strictObject({ outbound: outboundSchema.optional().meta({ description: 'The outbound guard: which addresses probes and notifications may not connect to' }) })
        .optional()
        .meta({ description: 'Security settings' }),
      otlp: otlpSchema.optional().meta({ description: 'The OpenTelemetry (OTLP/HTTP) receiver: /v1/metrics and /v1/traces' }),
      storage: z
        .strictObject({
          sqlite: z.string().min(1).optional().meta({ description: 'SQLite database file (the default: ./data/vigil.db)' }),
          postgres: z
            .string()
            .min(1)
            .optional()
            .meta({ description: 'PostgreSQL URL instead of SQLite, secrets from the environment: "${DATABASE_URL}"' }),
          retention: retentionSchema.optional(),
        })
        .superRefine((storage, ctx) => {
          if (storage.sqlite !== undefined && storage.postgres !== undefined) {
            ctx.addIssue({ code: 'custom', path: ['postgres'], message: 'storage takes sqlite or postgres, not both' });
          }
        })
        .optional()
        .meta({ description: 'Where data is kept (SQLite or PostgreSQL) and for how long per resolution' }),
      scheduler: z
        .strictObject({
          concurrency: z.number().int().min(1).max(10_000).default(64),
          workers: z
            .number()
            .int()
            .min(0)
            .max(MAX_PROBE_WORKERS)
            .default(0)
            .meta({ description: 'Worker threads that run the http and health checks off the event loop (default 0: on it)' }),
        })
        .prefault({})
        .meta({ description: 'How many checks may run at once (default 64), and where the http and health checks run' }),
      services: z
        .record(z.string().regex(NAME_PATTERN, 'expected lowercase letters, digits, - and _ (like "api")'), serviceSchema(checkItem, opts))
        .meta({ description: 'Services by name, each with its checks' }),
      alerting: alerting.alerting,
      defaults: alerting.defaults,
      rules: alerting.rules,
      inhibit: alerting.inhibit,
      maintenance: alerting.maintenance,
      notify,
      reports,
    })
    .meta({ title: 'Vigil configuration (vigil.yaml)' });
}

/** vigil.yaml as validated by the loader, before checks are expanded. */
export type ConfigDocument = z.output<ReturnType<typeof configSchema>>;
