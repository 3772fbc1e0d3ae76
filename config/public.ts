// The config as it may be shown (`GET /api/v1/config`, `vigil check`): the loaded config with every string
// scrubbed of every secret value it interpolated. Built from the typed config, never from a second copy
// kept in step with it.
import { Secret, type SecretValues } from '../lib/secret.js';
import type { VigilConfig } from './types.js';
import type { AlertingConfig } from '../rules/types.js';

/** A JSON value as shown: what a check's target holds once scrubbed. */
export type PublicValue = string | number | boolean | null | readonly PublicValue[] | { readonly [key: string]: PublicValue };

/** One expanded check as shown; `target` holds the kind's fields. */
export interface PublicCheck {
  readonly id: string;
  readonly env: string;
  readonly service: string;
  readonly name: string;
  readonly kind: string;
  readonly everyMs: number;
  readonly timeoutMs: number;
  readonly target: { readonly [key: string]: PublicValue };
  readonly runbook: string | null;
}

export interface PublicService {
  readonly name: string;
  readonly owner: string | null;
  readonly description: string | null;
  readonly environments: readonly string[];
}

/** What the API and `vigil check` may show of a config. */
export interface PublicConfig {
  readonly source: string;
  readonly environments: readonly string[];
  readonly server: { readonly port: number };
  readonly services: readonly PublicService[];
  readonly checks: readonly PublicCheck[];
  readonly scheduler: { readonly concurrency: number };
  readonly retention: VigilConfig['retention'];
  /** Every compiled rule (default, written, SLO), SLO, inhibit rule and maintenance window; plain data. */
  readonly alerting: AlertingConfig;
  /** Scheduled SLA reports. */
  readonly reports: VigilConfig['reports'];
}

/** The config with every string value scrubbed through `config.secrets`. */
export function publicConfig(config: VigilConfig): PublicConfig {
  const secrets = config.secrets;
  const scrub = (text: string) => secrets.scrub(text);
  const scrubAll = (texts: readonly string[]) => texts.map(scrub);
  // Services that run everywhere share one environments array (see load.ts); so do their scrubbed copies.
  const environments = scrubAll(config.environments);
  return {
    source: scrub(config.source),
    environments,
    server: { port: config.server.port },
    services: config.services.map((service) => ({
      name: scrub(service.name),
      owner: service.owner === null ? null : scrub(service.owner),
      description: service.description === null ? null : scrub(service.description),
      environments: service.environments === config.environments ? environments : scrubAll(service.environments),
    })),
    checks: config.checks.map((check) => ({
      id: scrub(check.id),
      env: scrub(check.env),
      service: scrub(check.service),
      name: scrub(check.name),
      kind: check.kind,
      everyMs: check.everyMs,
      timeoutMs: check.timeoutMs,
      target: publicRecord(check.target, secrets),
      runbook: check.runbook === null ? null : scrub(check.runbook),
    })),
    scheduler: { concurrency: config.scheduler.concurrency },
    retention: { ...config.retention },
    // Alerting strings are never interpolated from the environment; scrubbed all the same, like everything shown.
    alerting: publicValue(config.alerting, secrets) as unknown as AlertingConfig,
    reports: publicValue(config.reports, secrets) as unknown as VigilConfig['reports'],
  };
}

/**
 * A target's fields as JSON values, strings scrubbed. Keys are kept as written: they are never
 * interpolated, and scrubbing them would also hide ordinary keys that happen to equal a secret.
 */
function publicRecord(record: object, secrets: SecretValues): { [key: string]: PublicValue } {
  const shown: { [key: string]: PublicValue } = {};
  for (const [key, value] of Object.entries(record)) {
    const item = publicValue(value, secrets);
    if (item !== undefined) shown[key] = item;
  }
  return shown;
}

/** As JSON.stringify would show it (undefined and functions left out), strings scrubbed; a Secret is `***`. */
function publicValue(value: unknown, secrets: SecretValues): PublicValue | undefined {
  switch (typeof value) {
    case 'string':
      return secrets.scrub(value);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return secrets.scrub(value.toString());
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null || typeof value !== 'object') return null;
  if (value instanceof Secret) return String(value);
  if (Array.isArray(value)) return value.map((item) => publicValue(item, secrets) ?? null);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Map) return publicRecord(Object.fromEntries(value), secrets);
  if (value instanceof Set) return publicValue([...value], secrets);
  if (value instanceof RegExp || value instanceof URL) return secrets.scrub(String(value));
  return publicRecord(value, secrets);
}
