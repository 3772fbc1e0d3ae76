// The default rules every check gets without a rule written: `CheckDown` per check and
// `TlsCertExpiring` per service and environment, tuned by `defaults:` at four levels. Precedence, most
// specific first: services.X.defaults.environments.E > services.X.defaults > defaults.environments.E >
// defaults > built-in. Each field is taken from the most specific level that writes it; `false` turns a
// rule off and `true` back on, and a mapping only tunes fields (it never turns a rule back on).
import type { CheckDownRule, Severity, ThresholdRule } from '../rules/types.js';
import type { Labels } from '../store/types.js';
import type { DefaultsDocument, DefaultsLevel } from './alerting-schema.js';
import type { AlertingContext } from './alerting.js';
import type { RawProblem } from './issues.js';
import { unknownNameMessage } from './alerting-parse.js';

const DAY_MS = 86_400_000;

/** The `down` rule's settings: `after` failures in a row, or failing for `orAfterMs`. */
export interface DownDefaults {
  readonly after: number;
  readonly orAfterMs: number;
  readonly severity: Severity;
}

/** The certificate rule's settings: fires when a certificate expires in less than `underMs`. */
export interface TlsDefaults {
  readonly underMs: number;
  readonly severity: Severity;
}

export const BUILTIN_DOWN: DownDefaults = { after: 2, orAfterMs: 60_000, severity: 'page' };
export const BUILTIN_TLS: TlsDefaults = { underMs: 14 * DAY_MS, severity: 'ticket' };

/** The metric TlsCertExpiring watches (written by http checks on https and tcp checks with TLS). */
export const TLS_EXPIRY_METRIC = 'tls_cert_expiry_seconds';

export type ServiceDefaults = DefaultsDocument;

/** The default rules of one service in one environment; null where turned off. */
export interface ResolvedDefaults {
  readonly down: DownDefaults | null;
  readonly tls: TlsDefaults | null;
}

/** Resolves the levels, least specific first (built-in values underneath). */
export function resolveDefaults(levels: ReadonlyArray<DefaultsLevel | undefined>): ResolvedDefaults {
  let downOn = true;
  let tlsOn = true;
  let down = BUILTIN_DOWN;
  let tls = BUILTIN_TLS;
  for (const level of levels) {
    if (level?.down !== undefined) {
      if (typeof level.down === 'boolean') downOn = level.down;
      else {
        const { after, or_after, severity } = level.down;
        down = { after: after ?? down.after, orAfterMs: or_after ?? down.orAfterMs, severity: severity ?? down.severity };
      }
    }
    if (level?.tls_expiry !== undefined) {
      if (typeof level.tls_expiry === 'boolean') tlsOn = level.tls_expiry;
      else {
        const { under, severity } = level.tls_expiry;
        tls = { underMs: under ?? tls.underMs, severity: severity ?? tls.severity };
      }
    }
  }
  return { down: downOn ? down : null, tls: tlsOn ? tls : null };
}

/** Builds the default rules of every check and every service × environment with checks. */
export function compileDefaultRules(
  opts: { top: DefaultsDocument; services: ReadonlyMap<string, ServiceDefaults>; context: AlertingContext },
  problems: RawProblem[],
): Array<CheckDownRule | ThresholdRule> {
  const { top, services, context } = opts;
  for (const env of Object.keys(top.environments ?? {})) {
    if (!context.environments.includes(env)) {
      problems.push({ path: ['defaults', 'environments', env], message: unknownNameMessage('environment', env, context.environments), at: 'key' });
    }
  }
  for (const [service, defaults] of services) {
    const runsIn = context.services.get(service) ?? [];
    for (const env of Object.keys(defaults.environments ?? {})) {
      if (runsIn.includes(env)) continue;
      const message = context.environments.includes(env)
        ? `service "${service}" does not run in "${env}" (its environments are ${runsIn.join(', ')})`
        : unknownNameMessage('environment', env, context.environments);
      problems.push({ path: ['services', service, 'defaults', 'environments', env], message, at: 'key' });
    }
  }

  const resolved = new Map<string, ResolvedDefaults>();
  const resolve = (service: string, env: string) => {
    const key = `${service}\u0000${env}`;
    let result = resolved.get(key);
    if (!result) {
      const own = services.get(service);
      result = resolveDefaults([top, top.environments?.[env], own, own?.environments?.[env]]);
      resolved.set(key, result);
    }
    return result;
  };

  const rules: Array<CheckDownRule | ThresholdRule> = [];
  // One empty label set for every default rule: a check_down rule is made per check and kept while Vigil runs.
  const noLabels: Labels = Object.freeze({});
  // How old a certificate sample may be: three runs of the slowest check of the service there.
  const tlsStaleness = new Map<string, { service: string; env: string; overMs: number }>();
  for (const check of context.checks) {
    const { down } = resolve(check.service, check.env);
    if (down) {
      rules.push({
        kind: 'check_down',
        name: 'CheckDown',
        severity: down.severity,
        forMs: 0,
        keepFiringForMs: 0,
        summary: null,
        runbook: null,
        labels: noLabels,
        origin: 'default',
        checkId: check.id,
        env: check.env,
        service: check.service,
        check: check.name,
        afterFailures: down.after,
        orAfterMs: down.orAfterMs,
      });
    }
    const key = `${check.service}\u0000${check.env}`;
    const overMs = Math.max(tlsStaleness.get(key)?.overMs ?? 0, 3 * check.everyMs + check.timeoutMs);
    tlsStaleness.set(key, { service: check.service, env: check.env, overMs });
  }
  for (const { service, env, overMs } of tlsStaleness.values()) {
    const { tls } = resolve(service, env);
    if (tls) rules.push(tlsRule(service, env, tls, overMs));
  }
  return rules;
}

function tlsRule(service: string, env: string, tls: TlsDefaults, overMs: number): ThresholdRule {
  const days = Math.round((tls.underMs / DAY_MS) * 10) / 10;
  return {
    kind: 'threshold',
    name: 'TlsCertExpiring',
    severity: tls.severity,
    forMs: 0,
    keepFiringForMs: 0,
    summary: `The TLS certificate of {{labels.env}}/{{labels.service}}/{{labels.check}} expires in less than ${days} days`,
    runbook: null,
    labels: {},
    origin: 'default',
    metric: TLS_EXPIRY_METRIC,
    matchers: [
      { label: 'env', op: '=', value: env },
      { label: 'service', op: '=', value: service },
    ],
    aggregate: 'last',
    overMs,
    op: 'below',
    threshold: tls.underMs / 1000,
    recover: null,
  };
}
