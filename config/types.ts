import type { CheckSpec } from '../probes/probe.js';
import type { Retention } from '../store/types.js';

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
  readonly server: { readonly port: number };
  readonly scheduler: { readonly concurrency: number };
  readonly retention: Retention;
  /** The expanded config as plain data with every `${VAR}` value shown as `***`, for `GET /api/v1/config`. */
  readonly redacted: unknown;
}
