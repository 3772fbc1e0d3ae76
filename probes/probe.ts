import type { z } from 'zod';
import type { Labels } from '../store/types.js';

/** A measurement a probe adds beside `probe_success` and `probe_duration_seconds`. */
export interface ProbeSample {
  /** Standard metric name from DESIGN.md, without the `vigil_` prefix: `probe_http_status_code`, … */
  readonly name: string;
  /** Labels beyond `env`, `service`, `check`, which the scheduler adds. */
  readonly labels?: Labels;
  readonly value: number;
}

/**
 * What one run of a check found. A target that is down is an outcome with `success: false` and an
 * `error` saying why, never an exception: a probe throws only for a bug.
 */
export interface ProbeOutcome {
  readonly success: boolean;
  /** Why the check failed, in words an on-call engineer can act on; null on success. */
  readonly error: string | null;
  /** Wall time of the check itself (connect, request, body), in seconds. */
  readonly durationSeconds: number;
  readonly samples: readonly ProbeSample[];
  /** The target works but reports a part of itself unhealthy (a health component down). */
  readonly degraded?: boolean;
  /** Optional extra status for the status page, e.g. "cache: down". */
  readonly detail?: string | null;
}

/**
 * A probe kind. `schema` validates the kind's own fields of a check in the config (the common fields
 * `name`, `every`, `timeout` are the config's); `run` must stop when `signal` aborts.
 *
 * @example
 * export const tcpProbe: Probe<TcpTarget> = {
 *   kind: 'tcp',
 *   schema: z.strictObject({ host: z.string(), port: z.number().int() }),
 *   async run(target, signal) { ... return { success: true, error: null, durationSeconds, samples: [] }; },
 * };
 */
export interface Probe<Target = any> {
  readonly kind: string;
  readonly schema: z.ZodObject<any>;
  run(target: Target, signal: AbortSignal): Promise<ProbeOutcome>;
}

/** The explicit map of probe kinds; registering a kind twice is a bug and throws. */
export class ProbeRegistry {
  readonly #probes = new Map<string, Probe>();

  constructor(probes: readonly Probe[] = []) {
    for (const probe of probes) this.register(probe);
  }

  register(probe: Probe): this {
    if (this.#probes.has(probe.kind)) throw new Error(`probe kind "${probe.kind}" is registered twice`);
    this.#probes.set(probe.kind, probe);
    return this;
  }

  get(kind: string): Probe {
    const probe = this.#probes.get(kind);
    if (!probe) throw new Error(`no probe kind "${kind}" (known: ${this.kinds().join(', ')})`);
    return probe;
  }

  kinds(): string[] {
    return [...this.#probes.keys()];
  }
}
