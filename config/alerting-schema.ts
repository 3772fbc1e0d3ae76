// The schemas of vigil.yaml's alerting parts: `alerting:`, `defaults:` (top level and per service),
// services' `slos:`, `rules:`, `inhibit:` and `maintenance:`. Field-local checks live here (durations,
// objectives, timezones, cron expressions, regexes); checks across the file (environments and services
// that must exist, unique names) are in config/alerting.ts.
import { z } from 'zod';
import { duration, parseDuration } from '../lib/duration.js';
import { compileMatcher, matchersFromMap, type Matcher } from '../lib/matchers.js';
import { RULE_AGGREGATES } from '../rules/types.js';
import { CronError, parseCron } from '../rules/cron.js';
import { canonicalTimezone, knownTimezones } from '../rules/calendar.js';
import { SEVERITIES } from '../store/types.js';
import { suggest } from './issues.js';
import { ENV_PATTERN, NAME_PATTERN } from './names.js';

/** Rule names, as alert names: `ReplicaLagHigh`, `exports_stalled`. */
export const RULE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Prometheus label names. */
export const LABEL_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Prometheus metric names. */
export const METRIC_NAME_PATTERN = /^[A-Za-z_:][A-Za-z0-9_:]*$/;

const severitySchema = z.enum(SEVERITIES as readonly ['page', 'ticket', 'info']).meta({ description: 'page, ticket or info' });
const envNameSchema = z.string().regex(ENV_PATTERN, 'expected an environment name like "prod"');
const labelNameSchema = z.string().regex(LABEL_NAME_PATTERN, 'expected a label name of letters, digits and _ (like "env")');
/** Label values are text; a YAML number or boolean (`code: 500`) is read as its text. */
const labelValueSchema = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export function timezoneSchema() {
  return z
    .string()
    .transform((written, ctx) => {
      const canonical = canonicalTimezone(written);
      if (canonical !== null) return canonical;
      const close = suggest(written, knownTimezones());
      ctx.addIssue({ code: 'custom', message: `unknown timezone "${written}"${close ? ` (did you mean "${close}"?)` : ''}; expected an IANA name like Europe/Berlin` });
      return z.NEVER;
    })
    .meta({ description: 'An IANA timezone: Europe/Berlin, America/New_York, UTC' });
}

/**
 * Label matchers from a mapping: `{ env: prod, service: "!=web", check: "=~http.*" }`, regexes compiled
 * here so a bad one is a located problem. `rule`, where allowed, is the `alertname` label.
 */
function matcherMapSchema(opts: { ruleKey: boolean }) {
  return z
    .record(labelNameSchema, labelValueSchema)
    .transform((map, ctx): Matcher[] => {
      if (opts.ruleKey && map.rule !== undefined && map.alertname !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['alertname'], message: 'write rule or alertname, not both (rule is the alertname label)' });
      }
      const matchers = matchersFromMap(map).map((m) => (opts.ruleKey && m.label === 'rule' ? { ...m, label: 'alertname' } : m));
      matchers.forEach((matcher, i) => {
        try {
          compileMatcher(matcher);
        } catch (error) {
          ctx.addIssue({ code: 'custom', path: [Object.keys(map)[i]], message: (error as Error).message });
        }
      });
      return matchers;
    })
    .meta({ description: 'Label matchers: { env: prod, service: "!=web", check: "=~http.*", queue: "!~tmp.*" }' });
}

// ---- alerting: and defaults: ----

export const alertingSettingsSchema = z
  .strictObject({
    evaluation_interval: duration()
      .pipe(z.number().min(1000, 'must be at least 1s').max(3_600_000, 'must be at most 1h'))
      .prefault('5s')
      .meta({ description: 'How often rules are evaluated (default 5s)' }),
    reopen_window: duration()
      .pipe(z.number().max(30 * 86_400_000, 'must be at most 30d'))
      .prefault('30m')
      .meta({ description: 'An alert firing again this soon after its incident resolved reopens it (default 30m)' }),
  })
  .meta({ description: 'The rules engine: evaluation interval and reopen window' });

const failuresSchema = z
  .union([z.number(), z.string()])
  .transform((written, ctx) => {
    const match = typeof written === 'number' ? [String(written), String(written)] : /^\s*(\d+)\s*(?:failures?)?\s*$/.exec(written);
    const count = match ? Number(match[1]) : NaN;
    if (!Number.isInteger(count) || count < 1 || count > 1000) {
      ctx.addIssue({ code: 'custom', message: `expected a number of failures from 1 to 1000 like 2 or "2 failures", got ${JSON.stringify(written)}` });
      return z.NEVER;
    }
    return count;
  })
  .meta({ description: 'Failed runs in a row: 2 or "2 failures"' });

const downFieldsSchema = z.strictObject({
  after: failuresSchema.optional(),
  or_after: duration().optional().meta({ description: 'Or failing for this long, whichever comes first (default 1m)' }),
  severity: severitySchema.optional(),
});

const tlsFieldsSchema = z.strictObject({
  under: duration()
    .pipe(z.number().positive('must be longer than 0s'))
    .optional()
    .meta({ description: 'Alert when a certificate expires sooner than this (default 14d)' }),
  severity: severitySchema.optional(),
});

const defaultsLevelShape = {
  down: z
    .union([z.boolean(), downFieldsSchema])
    .optional()
    .meta({ description: 'The down rule of every check: { after: 2 failures, or_after: 1m, severity: page }; false turns it off' }),
  tls_expiry: z
    .union([z.boolean(), tlsFieldsSchema])
    .optional()
    .meta({ description: 'The certificate expiry rule of every service: { under: 14d, severity: ticket }; false turns it off' }),
};

/** `defaults:` at the top or in a service: the default rules, and per environment the same again. */
export const defaultsSchema = z
  .strictObject({
    ...defaultsLevelShape,
    environments: z
      .record(envNameSchema, z.strictObject(defaultsLevelShape))
      .optional()
      .meta({ description: 'Per environment: { dev: { down: { severity: ticket }, tls_expiry: false } }' }),
  })
  .meta({ description: 'Default rules of every check; a service\'s defaults and per-environment ones take precedence' });

export type DefaultsDocument = z.output<typeof defaultsSchema>;
export type DefaultsLevel = Omit<DefaultsDocument, 'environments'>;

// ---- services' slos: ----

const objectiveSchema = z
  .union([z.number(), z.string()])
  .transform((written, ctx) => {
    const percent = typeof written === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(written) : null;
    // Rounded so 99.9% is 0.999, not 0.9990000000000001.
    const ratio = percent ? Math.round(Number(percent[1]) * 1e10) / 1e12 : typeof written === 'number' ? written : NaN;
    if (!(ratio > 0 && ratio < 1)) {
      ctx.addIssue({ code: 'custom', message: `expected an objective above 0 and below 100% like 99.9% or 0.999, got ${JSON.stringify(written)}` });
      return z.NEVER;
    }
    return ratio;
  })
  .meta({ description: 'The target share of good events: 99.9% or 0.999' });

/** A window as written: rolling `28d`, or calendar `week`, `month`, `quarter`. */
const windowSchema = z
  .string()
  .transform((written, ctx) => {
    if (written === 'week' || written === 'month' || written === 'quarter') return { kind: 'calendar' as const, unit: written };
    const ms = parseDuration(written);
    if (ms === null || ms < 86_400_000 || ms > 366 * 86_400_000) {
      ctx.addIssue({ code: 'custom', message: `expected a rolling window from 1d to 366d like 28d, or week, month or quarter, got "${written}"` });
      return z.NEVER;
    }
    return { kind: 'rolling' as const, ms };
  })
  .meta({ description: 'Rolling (7d, 28d, 30d) or calendar (week, month, quarter, in `timezone`)' });

const tierSchema = z
  .strictObject({
    severity: severitySchema,
    burn_rate: z.number().positive().meta({ description: 'Alert when both windows burn faster than this (14.4 = 2% of 30 days in 1h)' }),
    long_window: duration().pipe(z.number().positive('must be longer than 0s')),
    short_window: duration().pipe(z.number().positive('must be longer than 0s')),
  })
  .superRefine((tier, ctx) => {
    if (tier.short_window >= tier.long_window) ctx.addIssue({ code: 'custom', path: ['short_window'], message: 'must be shorter than long_window' });
  });

const sloFieldsShape = {
  name: z.string().regex(NAME_PATTERN, 'expected a name of lowercase letters, digits, - and _').optional().meta({
    description: 'Name of the SLO in its service (default availability or latency); also names its alert <Name>BurnRate',
  }),
  objective: objectiveSchema,
  window: windowSchema,
  timezone: timezoneSchema().optional().meta({ description: 'Timezone of a calendar window (default UTC)' }),
  environments: z.array(envNameSchema).min(1).optional().meta({ description: 'Environments the SLO applies to (default: all of the service\'s)' }),
  alerts: z
    .union([z.literal(false), z.array(tierSchema).min(1)])
    .optional()
    .meta({ description: 'Burn-rate tiers; default the SRE workbook\'s scaled to the window; false for none' }),
};

/** One item of a service's `slos:`: `- availability: {…}` or `- latency: { under: 300ms, … }`. */
export const sloItemSchema = z
  .strictObject({
    availability: z.strictObject(sloFieldsShape).optional().meta({ description: 'The share of successful runs of the service\'s checks' }),
    latency: z
      .strictObject({ ...sloFieldsShape, under: duration().pipe(z.number().positive('must be longer than 0s')).meta({ description: 'Runs faster than this are good' }) })
      .optional()
      .meta({ description: 'The share of runs faster than `under`' }),
  })
  .superRefine((item, ctx) => {
    const kinds = Object.keys(item).filter((k) => item[k as keyof typeof item] !== undefined);
    if (kinds.length === 0) ctx.addIssue({ code: 'custom', message: 'an SLO needs its kind: availability: {…} or latency: {…}' });
    if (kinds.length > 1) ctx.addIssue({ code: 'custom', message: 'an SLO is availability or latency, not both; write two SLOs' });
    const fields = item.availability ?? item.latency;
    const key = item.availability ? 'availability' : 'latency';
    if (fields && fields.timezone !== undefined && fields.window.kind === 'rolling') {
      ctx.addIssue({ code: 'custom', path: [key, 'timezone'], message: 'a timezone applies to calendar windows (week, month, quarter) only' });
    }
  })
  .transform((item) => {
    const kind = item.availability ? ('availability' as const) : ('latency' as const);
    const fields = (item.availability ?? item.latency)!;
    const window =
      fields.window.kind === 'rolling' ? fields.window : { kind: 'calendar' as const, unit: fields.window.unit, timezone: fields.timezone ?? 'UTC' };
    return {
      kind,
      name: fields.name ?? kind,
      named: fields.name !== undefined,
      objective: fields.objective,
      window,
      environments: fields.environments ?? null,
      thresholdMs: item.latency?.under ?? null,
      tiers: fields.alerts === undefined ? null : fields.alerts === false ? [] : fields.alerts,
    };
  });

export type SloDocument = z.output<typeof sloItemSchema>;

// ---- rules: ----

const CONDITIONS = ['above', 'below', 'nodata'] as const;

/** One item of `rules:`: a threshold rule (above or below) or a nodata rule. */
export const ruleSchema = z
  .strictObject({
    name: z.string().regex(RULE_NAME_PATTERN, 'expected a rule name of letters, digits and _ (like "ReplicaLagHigh")'),
    metric: z.string().regex(METRIC_NAME_PATTERN, 'expected a metric name like "replica_lag_seconds"'),
    match: matcherMapSchema({ ruleKey: false }).optional(),
    aggregate: z.enum(RULE_AGGREGATES as readonly [string, ...string[]]).optional().meta({ description: 'How the window reduces to one value (default last)' }),
    over: duration().pipe(z.number().positive('must be longer than 0s')).optional().meta({ description: 'The window each evaluation reduces (default 5m)' }),
    above: z.number().optional().meta({ description: 'Fire when the value is above this' }),
    below: z.number().optional().meta({ description: 'Fire when the value is below this' }),
    nodata: duration().pipe(z.number().positive('must be longer than 0s')).optional().meta({ description: 'Fire when a matching series has had no sample this long' }),
    recover_below: z.number().optional().meta({ description: 'With above: resolve only once the value is below this' }),
    recover_above: z.number().optional().meta({ description: 'With below: resolve only once the value is above this' }),
    for: duration().optional().meta({ description: 'The condition must hold this long before firing (default 0s)' }),
    keep_firing_for: duration().optional().meta({ description: 'Keep firing this long after the condition stops (default 0s)' }),
    severity: severitySchema,
    summary: z.string().min(1).optional().meta({ description: 'Template: "Replica lag {{value}}s on {{labels.env}}"' }),
    runbook: z.string().min(1).optional().meta({ description: 'Runbook link template' }),
    labels: z.record(labelNameSchema, labelValueSchema).optional().meta({ description: 'Labels added to every alert of the rule' }),
  })
  .superRefine((rule, ctx) => {
    const conditions = CONDITIONS.filter((c) => rule[c] !== undefined);
    if (conditions.length !== 1) {
      const message = conditions.length ? `a rule has one condition, got ${conditions.join(' and ')}` : 'a rule needs one condition: above, below or nodata';
      ctx.addIssue({ code: 'custom', path: conditions.length ? [conditions[1]] : [], message });
      return;
    }
    const refuse = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
    if (rule.nodata !== undefined) {
      for (const key of ['aggregate', 'over', 'recover_below', 'recover_above'] as const) {
        if (rule[key] !== undefined) refuse(key, `a nodata rule takes no ${key}`);
      }
    }
    if (rule.recover_below !== undefined) {
      if (rule.above === undefined) refuse('recover_below', 'recover_below goes with above');
      else if (rule.recover_below > rule.above) refuse('recover_below', `must be at most above (${rule.above})`);
    }
    if (rule.recover_above !== undefined) {
      if (rule.below === undefined) refuse('recover_above', 'recover_above goes with below');
      else if (rule.recover_above < rule.below) refuse('recover_above', `must be at least below (${rule.below})`);
    }
  });

export type RuleDocument = z.output<typeof ruleSchema>;

// ---- inhibit: and maintenance: ----

/** One item of `inhibit:`: alerts matching `source` mute those matching `target` that agree on `equal`. */
export const inhibitSchema = z.strictObject({
  source: matcherMapSchema({ ruleKey: true })
    .refine((matchers) => matchers.length > 0, 'needs at least one matcher; an empty source would let any alert mute the others')
    .meta({ description: 'The muting alerts: { rule: EnvironmentDown } (rule is the alertname label), plus label matchers' }),
  target: matcherMapSchema({ ruleKey: true }).prefault({}).meta({ description: 'The muted alerts; {} for all' }),
  equal: z.array(labelNameSchema).default([]).meta({ description: 'Labels both must share: [env]' }),
});

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

const instantSchema = z
  .string()
  .transform((written, ctx) => {
    const ms = ISO_TIME.test(written) ? Date.parse(written) : NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `expected a time with its offset like 2026-12-01T22:00:00Z, got "${written}"` });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'An ISO 8601 time with Z or an offset: 2026-12-01T22:00:00Z' });

export const cronSchema = z
  .string()
  .superRefine((written, ctx) => {
    try {
      parseCron(written);
    } catch (error) {
      if (!(error instanceof CronError)) throw error;
      ctx.addIssue({ code: 'custom', message: `invalid cron "${written}": ${error.message}` });
    }
  })
  .meta({ description: 'minute hour day-of-month month day-of-week: "0 2 * * SUN"' });

/** One item of `maintenance:`: recurring (cron, duration, timezone) or once (start, end). */
export const maintenanceSchema = z
  .strictObject({
    environments: z.array(envNameSchema).min(1).optional().meta({ description: 'Environments covered (default all)' }),
    services: z.array(z.string()).min(1).optional().meta({ description: 'Services covered (default all)' }),
    cron: cronSchema.optional(),
    duration: duration().pipe(z.number().positive('must be longer than 0s').max(7 * 86_400_000, 'must be at most 7d')).optional(),
    timezone: timezoneSchema().optional().meta({ description: 'Timezone of the cron (default UTC)' }),
    start: instantSchema.optional(),
    end: instantSchema.optional(),
    reason: z.string().min(1).optional(),
  })
  .superRefine((window, ctx) => {
    const refuse = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: key ? [key] : [], message });
    const recurring = window.cron !== undefined || window.duration !== undefined;
    const once = window.start !== undefined || window.end !== undefined;
    if (recurring && once) return refuse('', 'a maintenance window is recurring (cron, duration) or once (start, end), not both');
    if (!recurring && !once) return refuse('', 'a maintenance window needs cron and duration, or start and end');
    if (recurring) {
      if (window.cron === undefined) refuse('', 'missing required key "cron"');
      if (window.duration === undefined) refuse('', 'missing required key "duration"');
      return;
    }
    if (window.timezone !== undefined) refuse('timezone', 'a timezone goes with cron; start and end carry their own offset');
    if (window.start === undefined) refuse('', 'missing required key "start"');
    if (window.end === undefined) refuse('', 'missing required key "end"');
    if (window.start !== undefined && window.end !== undefined && window.end <= window.start) refuse('end', 'must be after start');
  });

export type MaintenanceDocument = z.output<typeof maintenanceSchema>;
