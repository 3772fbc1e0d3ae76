import type { CheckSpec } from '../probes/probe.js';
import type { SecretValues } from '../lib/secret.js';
import type { Retention } from '../store/types.js';
import type { AlertingConfig } from '../rules/types.js';
import type { NotifyConfig } from '../notify/types.js';

export type { CheckSpec };

export interface ServiceSpec {
  readonly name: string;
  readonly owner: string | null;
  readonly description: string | null;
  /** Environments this service runs in (a subset of the config's, default all). */
  readonly environments: readonly string[];
}

/** The validated, expanded config that the rest of Vigil trusts. */
export interface VigilConfig {
  /** Where it came from: a file path, or "embedded demo". */
  readonly source: string;
  readonly environments: readonly string[];
  readonly services: readonly ServiceSpec[];
  readonly checks: readonly CheckSpec[];
  /** `publicUrl`: where people reach Vigil (notification links); null → the listen address. */
  readonly server: { readonly port: number; readonly publicUrl: string | null };
  readonly scheduler: { readonly concurrency: number };
  readonly retention: Retention;
  /** The store `storage:` names (a SQLite path or a postgres:// URL, `${VAR}`s expanded); null → the default. */
  readonly storage: string | null;
  /** Rules (default, written and SLO burn-rate), SLOs, inhibition and maintenance, compiled. */
  readonly alerting: AlertingConfig;
  /** Receivers, routes and delivery settings of notifications ([N1]). */
  readonly notify: NotifyConfig;
  /**
   * Every non-empty value a `${VAR}` took from the environment, in any check or runbook: what must never
   * be shown. `publicConfig` (config/public.ts) is the config as it may be shown.
   */
  readonly secrets: SecretValues;
}
