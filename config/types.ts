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

/** The OTLP receiver (`otlp:`), defaults applied. */
export interface OtlpConfig {
  readonly enabled: boolean;
  /** A dedicated listener (4318) besides Vigil's port; null → none. */
  readonly port: number | null;
  readonly maxBodyBytes: number;
  readonly queueBytes: number;
  readonly defaultService: string;
  readonly defaultEnv: string;
  readonly seriesPerMetric: number;
  readonly histogramSamples: number;
}

/** Vigil's HTTP port when neither --port, PORT nor `server.port` says (here, not in load.ts: `vigil healthcheck` reads it without loading the config code). */
export const DEFAULT_PORT = 8080;

export const DEFAULT_OTLP_CONFIG: OtlpConfig = {
  enabled: true,
  port: null,
  maxBodyBytes: 20 * 1024 * 1024,
  queueBytes: 128 * 1024 * 1024,
  defaultService: 'unknown_service',
  defaultEnv: 'unknown',
  seriesPerMetric: 1000,
  histogramSamples: 100,
};

/** The validated, expanded config that the rest of Vigil trusts. */
export interface VigilConfig {
  /** Where it came from: a file path, or "embedded demo". */
  readonly source: string;
  readonly environments: readonly string[];
  readonly services: readonly ServiceSpec[];
  readonly checks: readonly CheckSpec[];
  /** `publicUrl`: where people reach Vigil (notification links); null → the listen address. */
  readonly server: { readonly port: number; readonly publicUrl: string | null };
  /** API access: reads without a token when `anonymousRead` (the default); mutations always need one. */
  readonly auth: { readonly anonymousRead: boolean };
  readonly scheduler: { readonly concurrency: number };
  readonly otlp: OtlpConfig;
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
