// `reports:` → ReportSpec[]: scheduled SLA reports, validated after `notify:` (each names receivers,
// which must exist and be able to take a report) and `environments:` (a scope names environments).
// Problems are collected, never thrown; the loader locates them.
import { z } from 'zod';
import type { ReceiverRegistry } from '../notify/receiver.js';
import type { ReceiverSpec } from '../notify/types.js';
import { duration } from '../lib/duration.js';
import { cronSchema, timezoneSchema } from './alerting-schema.js';
import { isPlainObject } from './expand.js';
import { humanErrorMap, issuesToProblems, suggest, type PathSegment, type RawProblem } from './issues.js';
import { ENV_PATTERN, NAME_PATTERN } from './names.js';
import { checkNames } from './notify.js';
import { MAX_PERIOD_DAYS as MAX_REPORT_PERIOD_DAYS } from '../reports/period.js';

const DAY_MS = 86_400_000;
/** The name ad-hoc reports (API, CLI) are stored under; no scheduled report may take it. */
export const AD_HOC_REPORT_NAME = 'ad-hoc';
/** The availability target when a report does not say. */
export const DEFAULT_SLA_PERCENT = 99.9;

/** A scheduled report, compiled. */
export interface ReportSpec {
  readonly name: string;
  /** Five-field cron, in `timezone`. */
  readonly schedule: string;
  readonly timezone: string;
  /** Full local days before the run's day. */
  readonly periodDays: number;
  /** Environments in scope; null: all. */
  readonly envs: readonly string[] | null;
  /** Availability target, a fraction (0.999); null: each service's `sla:`, else DEFAULT_SLA_PERCENT. */
  readonly target: number | null;
  readonly receivers: readonly string[];
}

/** A percent target as the fraction reports compare with: 99.9 → 0.999 (rounded, not 0.9990000000000001). */
export function slaFraction(percent: number): number {
  return Math.round(percent * 1e10) / 1e12;
}

export const slaSchema = z
  .union([z.number(), z.string()])
  .transform((written, ctx) => {
    const percent = typeof written === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(written) : null;
    const value = percent ? Number(percent[1]) : typeof written === 'number' ? written : NaN;
    if (!(value > 0 && value < 100)) {
      ctx.addIssue({ code: 'custom', message: `expected an availability target in percent above 0 and below 100, like 99.9, got ${JSON.stringify(written)}` });
      return z.NEVER;
    }
    return value;
  })
  .meta({ description: 'Availability target in percent: 99.9 or "99.95%"' });

const periodSchema = duration().superRefine((ms, ctx) => {
  if (ms % DAY_MS !== 0 || ms < DAY_MS || ms > MAX_REPORT_PERIOD_DAYS * DAY_MS) {
    ctx.addIssue({ code: 'custom', message: `expected whole days from 1d to ${MAX_REPORT_PERIOD_DAYS}d, like 7d` });
  }
});

export const reportItemSchema = z.strictObject({
  name: z
    .string()
    .regex(NAME_PATTERN, 'expected a name of lowercase letters, digits, - and _ (like "weekly-sla")')
    .refine((name) => name !== AD_HOC_REPORT_NAME, `"${AD_HOC_REPORT_NAME}" is the name of reports made on demand; choose another`)
    .meta({ description: 'The report\'s name, unique: weekly-sla' }),
  schedule: cronSchema.meta({ description: 'When it is made and sent, a five-field cron in `timezone`: "0 9 * * MON"' }),
  timezone: timezoneSchema().default('UTC').meta({ description: 'IANA timezone of the schedule and of the period\'s days (default UTC)' }),
  period: periodSchema.prefault('7d').meta({ description: 'Full days before the run\'s day it covers (default 7d, at most 92d)' }),
  envs: z.array(z.string().regex(ENV_PATTERN, 'expected an environment name like "prod"')).min(1).optional().meta({ description: 'Environments in scope (default all)' }),
  sla: slaSchema.optional().meta({ description: `Availability target in percent for every service (default: each service's sla, else ${DEFAULT_SLA_PERCENT}): 99.9 or "99.95%"` }),
  receivers: z.array(z.string().min(1)).default([]).meta({ description: 'Receivers from notify.receivers it is posted to (chat, email, webhook kinds)' }),
});

export const reportsSchema = z.array(reportItemSchema).meta({ description: 'Scheduled SLA reports: - { name: weekly-sla, schedule: "0 9 * * MON", receivers: [team-chat] }' });

export interface ReportsCompileOptions {
  readonly environments: readonly string[];
  /** Receivers that compiled. */
  readonly receivers: readonly ReceiverSpec[];
  /** Every receiver name `notify.receivers` writes, valid or not. */
  readonly receiverNames: readonly string[];
  readonly kinds: ReceiverRegistry;
}

const ROOT: PathSegment[] = ['reports'];

/** Validates and compiles `reports:` (the raw YAML value; undefined when absent). */
export function compileReports(raw: unknown, opts: ReportsCompileOptions): { reports: ReportSpec[]; problems: RawProblem[] } {
  if (raw === undefined || raw === null) return { reports: [], problems: [] };
  const parsed = reportsSchema.safeParse(raw, { reportInput: true, error: humanErrorMap((text) => text) });
  if (!parsed.success) return { reports: [], problems: issuesToProblems(parsed.error.issues, ROOT) };
  const problems: RawProblem[] = [];
  const seen = new Set<string>();
  const reports = parsed.data.map((item, index): ReportSpec => {
    const path: PathSegment[] = [...ROOT, index];
    const written = Array.isArray(raw) && isPlainObject(raw[index]) ? raw[index] : {};
    if (seen.has(item.name)) problems.push({ path: [...path, 'name'], message: `duplicate report name "${item.name}"`, at: 'value' });
    seen.add(item.name);
    (item.envs ?? []).forEach((env, i) => {
      if (opts.environments.includes(env)) return;
      const close = suggest(env, opts.environments);
      problems.push({ path: [...path, 'envs', i], message: `unknown environment "${env}"${close ? ` (did you mean "${close}"?)` : ''}; environments are ${opts.environments.join(', ')}`, at: 'value' });
    });
    checkNames(item.receivers, written.receivers, [...path, 'receivers'], opts.receiverNames, problems);
    item.receivers.forEach((name, i) => {
      const spec = opts.receivers.find((receiver) => receiver.name === name);
      if (spec && opts.kinds.has(spec.kind) && !opts.kinds.get(spec.kind).renderReport) {
        problems.push({
          path: [...path, 'receivers', i],
          message: `receiver "${name}" is a ${spec.kind} receiver, which takes alerts only; post reports to a chat, email or webhook receiver`,
          at: 'value',
        });
      }
    });
    return {
      name: item.name,
      schedule: item.schedule,
      timezone: item.timezone,
      periodDays: item.period / DAY_MS,
      envs: item.envs ?? null,
      target: item.sla === undefined ? null : slaFraction(item.sla),
      receivers: item.receivers,
    };
  });
  return { reports, problems };
}
