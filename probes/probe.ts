import type { z } from 'zod';
import { Registry } from '../lib/registry.js';
import type { ProbeContext } from './context.js';
import type { Labels } from '../store/types.js';

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

/** A check's result older than this many intervals (plus the timeout) no longer says anything about now. */
export const STALE_AFTER_INTERVALS = 3;

/** How long after a run its result and series stop describing the check: a few intervals plus the timeout. */
export function checkStaleAfterMs(check: Pick<CheckSpec, 'everyMs' | 'timeoutMs'>): number {
  return STALE_AFTER_INTERVALS * check.everyMs + check.timeoutMs;
}

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
 * `name`, `every`, `timeout` are the config's). `run` must stop when `signal` aborts, open nothing when
 * it is already aborted, read "now" only from `ctx.clock`, and keep sockets and caches only in
 * `ctx.resource(…)`, so that closing the context releases them.
 *
 * @example
 * export const tcpProbe: Probe<TcpTarget> = {
 *   kind: 'tcp',
 *   schema: z.strictObject({ host: z.string(), port: z.number().int() }),
 *   async run(target, signal, ctx) { ... return { success: true, error: null, durationSeconds, samples: [] }; },
 * };
 */
export interface Probe<Target = any> {
  readonly kind: string;
  readonly schema: z.ZodObject<any>;
  run(target: Target, signal: AbortSignal, ctx: ProbeContext): Promise<ProbeOutcome>;
  /**
   * How the scheduler runs a check of this kind when not as written; absent → as written. A heartbeat
   * check's `every` is how often its job beats, so it is polled more often and told its own id.
   */
  scheduled?(check: CheckSpec): CheckSpec;
  /**
   * The run happens off Vigil's event loop (a worker thread, probes/probe-workers.ts): its duration is
   * measured there, so the scheduler leaves it as it is when its own loop stalled, and its answer to an
   * abort takes a message's round trip.
   */
  readonly runsOffLoop?: boolean;
  /**
   * Starts a run that is aborted by a call instead of a signal; when present the scheduler uses it
   * instead of `run`. For kinds run thousands of times a second (http and health, and any kind run in a
   * worker thread): an AbortController, and a listener added and removed, per run cost the scheduler's
   * thread ~0.4 s in 12 s at 4,000 runs/s, and a probe worker as much.
   */
  start?(target: Target, ctx: ProbeContext): StartedRun;
}

/** A run begun by `Probe.start`: its outcome, and how to abort it (the reason as a signal's would be). */
export interface StartedRun {
  readonly outcome: Promise<ProbeOutcome>;
  abort(reason: unknown): void;
}

/** The explicit map of probe kinds; registering a kind twice is a bug and throws. */
export class ProbeRegistry extends Registry<Probe> {
  constructor(probes: readonly Probe[] = []) {
    super('probe kind', probes);
  }
}
