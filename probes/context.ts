// What probes share for the life of a running Vigil: created once in the composition root, handed to
// every run, and closed on stop, so that no keep-alive socket or cache outlives the process's use of it.
import type { Clock } from '../lib/clock.js';
import { SecretValues } from '../lib/secret.js';
import { OutboundGuard } from '../lib/outbound-guard.js';

/** A heartbeat check's last beat, as the heartbeat probe reads it. */
export interface HeartbeatState {
  /** When the check got its token: a check never beaten is aged from here. */
  readonly createdAt: number;
  readonly lastBeatAt: number | null;
  readonly lastStatus: 'ok' | 'fail' | null;
  readonly lastMessage: string | null;
}

/**
 * Where heartbeat checks read their last beat. The composition root fills it from the store; probes
 * never import the store.
 *
 * @example
 * const heartbeats: HeartbeatBook = { read: (checkId) => store.heartbeats.get(checkId) };
 */
export interface HeartbeatBook {
  /** The check's last beat; null for a check that has no token yet. */
  read(checkId: string): Promise<HeartbeatState | null>;
}

/** A book that knows no check: what a context made without one holds. */
export const NO_HEARTBEATS: HeartbeatBook = { read: () => Promise.resolve(null) };

/** Shared state of the probes of one running Vigil. */
export interface ProbeContext {
  /** The one source of "now" for probes (certificate expiry, ages). */
  readonly clock: Clock;
  /** Every secret value of the config: probes strip headers holding one on cross-origin redirects. */
  readonly secrets: SecretValues;
  /** The last beats of heartbeat checks (push checks: the job calls Vigil). */
  readonly heartbeats: HeartbeatBook;
  /** Checks every address a probe connects to (`security.outbound`): IP literals before, names as resolved. */
  readonly outbound: OutboundGuard;
  /** Per-kind state (keep-alive agents, parsed targets, CA files): created on first use, closed with the context. */
  resource<T extends { close(): void | Promise<void> }>(key: string, create: () => T): T;
  /** Closes every resource (sockets, pools); runs after this fail. */
  close(): Promise<void>;
}

export interface ProbeContextOptions {
  readonly clock: Clock;
  readonly secrets?: SecretValues;
  readonly heartbeats?: HeartbeatBook;
  /** Default: the guard with its default policy (metadata and link-local addresses refused). */
  readonly outbound?: OutboundGuard;
}

/** A fresh context; the caller closes it when it stops running checks. */
export function createProbeContext(opts: ProbeContextOptions): ProbeContext {
  const resources = new Map<string, { close(): void | Promise<void> }>();
  let closed = false;
  return {
    clock: opts.clock,
    secrets: opts.secrets ?? SecretValues.none,
    heartbeats: opts.heartbeats ?? NO_HEARTBEATS,
    outbound: opts.outbound ?? new OutboundGuard(),
    resource<T extends { close(): void | Promise<void> }>(key: string, create: () => T): T {
      if (closed) throw new Error(`probe context is closed; cannot open "${key}"`);
      let resource = resources.get(key);
      if (!resource) {
        resource = create();
        resources.set(key, resource);
      }
      return resource as T;
    },
    async close() {
      if (closed) return;
      closed = true;
      const all = [...resources.values()];
      resources.clear();
      await Promise.allSettled(all.map((resource) => resource.close()));
    },
  };
}
