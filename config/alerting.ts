// Compiles the alerting parts of vigil.yaml into the model the rules engine trusts (rules/types.ts):
// default rules per check, written rules, SLOs and their burn-rate rules, inhibition and maintenance.
// Each part, and each item of a list, is validated on its own so every problem is reported; what needs
// the whole file (environments and services that must exist, unique names) is checked here.
import type { z } from 'zod';
import type { AlertingConfig, InhibitSpec, MaintenanceSpec, NoDataRule, ThresholdRule } from '../rules/types.js';
import type { CheckSpec } from './types.js';
import { alertingSettingsSchema, defaultsSchema, inhibitSchema, maintenanceSchema, ruleSchema, type RuleDocument } from './alerting-schema.js';
import { compileDefaultRules, type ServiceDefaults } from './alerting-defaults.js';
import { compileSlos } from './alerting-slos.js';
import { isPlainObject } from './expand.js';
import type { RawProblem } from './issues.js';
import { parseItems, parsePart, unknownNameMessage } from './alerting-parse.js';

/** What the alerting parts refer to, as far as the rest of the file could be read. */
export interface AlertingContext {
  readonly environments: readonly string[];
  /** Every service with the environments it runs in. */
  readonly services: ReadonlyMap<string, readonly string[]>;
  /** The expanded checks (the default rules are per check). */
  readonly checks: readonly CheckSpec[];
}

export interface AlertingResult {
  readonly alerting: AlertingConfig;
  readonly problems: readonly RawProblem[];
}

export const DEFAULT_EVALUATION_INTERVAL_MS = 5_000;
export const DEFAULT_REOPEN_WINDOW_MS = 30 * 60_000;

/** Validates and compiles the alerting parts of the (raw, parsed YAML) document `data`. */
export function compileAlerting(data: unknown, context: AlertingContext): AlertingResult {
  const problems: RawProblem[] = [];
  const doc = isPlainObject(data) ? data : {};
  const settings = parsePart(alertingSettingsSchema, doc.alerting ?? {}, ['alerting'], problems);
  const topDefaults = doc.defaults === undefined ? {} : parsePart(defaultsSchema, doc.defaults, ['defaults'], problems);

  const rawServices = isPlainObject(doc.services) ? doc.services : {};
  const serviceDefaults = new Map<string, ServiceDefaults>();
  for (const [name, service] of Object.entries(rawServices)) {
    if (!context.services.has(name) || !isPlainObject(service) || service.defaults === undefined) continue;
    const parsed = parsePart(defaultsSchema, service.defaults, ['services', name, 'defaults'], problems);
    if (parsed) serviceDefaults.set(name, parsed);
  }
  const defaultRules = compileDefaultRules({ top: topDefaults ?? {}, services: serviceDefaults, context }, problems);
  const slos = compileSlos(rawServices, context, problems);

  const reserved = new Set([...defaultRules.map((r) => r.name), ...slos.rules.map((r) => r.name)]);
  const rules = compileRules(doc.rules, reserved, problems);
  const ruleNames = new Set([...reserved, ...rules.map((r) => r.name)]);
  const inhibit = compileInhibit(doc.inhibit, ruleNames, problems);
  const maintenance = compileMaintenance(doc.maintenance, context, problems);

  return {
    alerting: {
      evaluationIntervalMs: settings?.evaluation_interval ?? DEFAULT_EVALUATION_INTERVAL_MS,
      reopenWindowMs: settings?.reopen_window ?? DEFAULT_REOPEN_WINDOW_MS,
      rules: [...defaultRules, ...rules, ...slos.rules],
      slos: slos.slos,
      inhibit,
      maintenance,
    },
    problems,
  };
}

function compileRules(value: unknown, reserved: ReadonlySet<string>, problems: RawProblem[]): Array<ThresholdRule | NoDataRule> {
  const seen = new Map<string, number>();
  const rules: Array<ThresholdRule | NoDataRule> = [];
  for (const { index, item } of parseItems(ruleSchema, value, ['rules'], problems)) {
    const namePath = ['rules', index, 'name'];
    const first = seen.get(item.name);
    if (first !== undefined) {
      problems.push({ path: namePath, message: `duplicate rule name "${item.name}" (also rules[${first}]); give each rule its own name`, at: 'value' });
      continue;
    }
    if (reserved.has(item.name)) {
      problems.push({ path: namePath, message: `"${item.name}" is the name of a default or SLO rule; choose another`, at: 'value' });
      continue;
    }
    seen.set(item.name, index);
    rules.push(compileRule(item));
  }
  return rules;
}

function compileRule(doc: RuleDocument): ThresholdRule | NoDataRule {
  const common = {
    name: doc.name,
    severity: doc.severity,
    forMs: doc.for ?? 0,
    keepFiringForMs: doc.keep_firing_for ?? 0,
    summary: doc.summary ?? null,
    runbook: doc.runbook ?? null,
    labels: doc.labels ?? {},
    origin: 'config' as const,
    metric: doc.metric,
    matchers: doc.match ?? [],
  };
  if (doc.nodata !== undefined) return { ...common, kind: 'nodata', nodataMs: doc.nodata };
  const above = doc.above !== undefined;
  return {
    ...common,
    kind: 'threshold',
    aggregate: (doc.aggregate ?? 'last') as ThresholdRule['aggregate'],
    overMs: doc.over ?? 5 * 60_000,
    op: above ? 'above' : 'below',
    threshold: above ? doc.above! : doc.below!,
    recover: (above ? doc.recover_below : doc.recover_above) ?? null,
  };
}

function compileInhibit(value: unknown, ruleNames: ReadonlySet<string>, problems: RawProblem[]): InhibitSpec[] {
  const known = [...ruleNames];
  return parseItems(inhibitSchema, value, ['inhibit'], problems).map(({ index, item }) => {
    for (const side of ['source', 'target'] as const) {
      for (const matcher of item[side]) {
        if (matcher.label !== 'alertname' || matcher.op !== '=' || ruleNames.has(matcher.value)) continue;
        const written = (value as unknown[])[index];
        const sideWritten = isPlainObject(written) && isPlainObject(written[side]) ? written[side] : {};
        const key = sideWritten.alertname !== undefined ? 'alertname' : 'rule';
        problems.push({ path: ['inhibit', index, side, key], message: unknownNameMessage('rule', matcher.value, known), at: 'value' });
      }
    }
    return { source: item.source, target: item.target, equal: item.equal };
  });
}

function compileMaintenance(value: unknown, context: AlertingContext, problems: RawProblem[]): MaintenanceSpec[] {
  const serviceNames = [...context.services.keys()];
  const specs: MaintenanceSpec[] = [];
  for (const { index, item } of parseItems(maintenanceSchema, value, ['maintenance'], problems)) {
    let valid = true;
    item.environments?.forEach((env, i) => {
      if (context.environments.includes(env)) return;
      valid = false;
      problems.push({ path: ['maintenance', index, 'environments', i], message: unknownNameMessage('environment', env, context.environments), at: 'value' });
    });
    item.services?.forEach((service, i) => {
      if (context.services.has(service)) return;
      valid = false;
      problems.push({ path: ['maintenance', index, 'services', i], message: unknownNameMessage('service', service, serviceNames), at: 'value' });
    });
    if (!valid) continue;
    specs.push({
      id: `maintenance[${index}]`,
      environments: item.environments ?? null,
      services: item.services ?? null,
      reason: item.reason ?? null,
      schedule:
        item.cron !== undefined
          ? { kind: 'cron', cron: item.cron, durationMs: item.duration!, timezone: item.timezone ?? 'UTC' }
          : { kind: 'once', start: item.start!, end: item.end! },
    });
  }
  return specs;
}
