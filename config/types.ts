import type { Retention } from '../store/types.js';

/** One check of one service in one environment, after templates and `${VAR}`s are expanded. */
export interface CheckSpec {
  /** `env/service/check`, unique in a config. */
  readonly id: string;
  readonly env: string;
  readonly service: string;
  /** The check's name in its service: `name:` from the config, else the kind (suffixed `-2`, `-3` on repeats). */
  readonly name: string;
  readonly kind: string;
  readonly everyMs: number;
  readonly timeoutMs: number;
  /** The kind's own fields, validated by that probe kind's schema (durations already in ms where the schema says so). */
  readonly target: Readonly<Record<string, unknown>>;
  /** The runbook link rendered for this check, if the service has one. */
  readonly runbook: string | null;
}

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
  readonly server: { readonly port: number };
  readonly scheduler: { readonly concurrency: number };
  readonly retention: Retention;
  /** The expanded config as plain data with every `${VAR}` value shown as `***`, for `GET /api/v1/config`. */
  readonly redacted: unknown;
}
