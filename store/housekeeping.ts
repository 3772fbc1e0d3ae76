import type { Clock } from '../lib/clock.js';
import type { Retention, Store } from './types.js';

/**
 * Probes stamp a sample with the time the run started and append it when the run ends, up to a
 * timeout later: folding a minute only this long after it closed keeps such samples from landing in a
 * folded minute (each of those costs a recompute of its minute and a rebuild of its hour). Charts do
 * not wait for it: queries aggregate the unfolded tail from raw samples.
 */
export const ROLLUP_GRACE_MS = 30_000;

/** Delivered, failed and suppressed notifications are history for this long, then pruned (pending ones never are). */
export const NOTIFICATION_RETENTION_MS = 90 * 86_400_000;

export interface HousekeepingOptions {
  readonly rollupEveryMs?: number;
  readonly rollupGraceMs?: number;
  readonly retentionEveryMs?: number;
  readonly log?: (message: string) => void;
}

/**
 * Keeps the store tidy in the background: folds closed minutes into rollups every few seconds and
 * enforces retention, both in bounded steps with the event loop free between them, so that neither
 * folding 60,000 series nor deleting a week of data stalls probes or the API.
 */
export function startHousekeeping(store: Pick<Store, 'samples' | 'outbox'>, retention: Retention, clock: Clock, opts: HousekeepingOptions = {}) {
  const log = opts.log ?? ((m: string) => console.error(m));
  const graceMs = opts.rollupGraceMs ?? ROLLUP_GRACE_MS;
  let stopped = false;
  let rollupPass: Promise<void> | null = null;
  let retentionPass: Promise<void> | null = null;

  /** One bounded rollUp call; true when the pass has more to do. */
  const rollUpStep = async (at: number): Promise<boolean> => {
    try {
      return (await store.samples.rollUp(at)).more;
    } catch (err) {
      log(`rollup failed (will retry): ${(err as Error).message}`);
      return false;
    }
  };

  // Each step is one bounded call; between steps the event loop runs whatever else is due.
  const rollUp = () => {
    rollupPass ??= (async () => {
      const at = clock.now() - graceMs;
      while (!stopped && (await rollUpStep(at))) await yieldToEventLoop();
    })().finally(() => (rollupPass = null));
  };

  const enforceRetention = () => {
    retentionPass ??= (async () => {
      const at = clock.now();
      try {
        while (!stopped && (await store.samples.enforceRetention(at, retention)) > 0) await yieldToEventLoop();
      } catch (err) {
        log(`retention failed (will retry): ${(err as Error).message}`);
      }
      try {
        while (!stopped && (await store.outbox.prune(at - NOTIFICATION_RETENTION_MS)) > 0) await yieldToEventLoop();
      } catch (err) {
        log(`pruning delivered notifications failed (will retry): ${(err as Error).message}`);
      }
    })().finally(() => (retentionPass = null));
  };

  const rollupTimer = setInterval(rollUp, opts.rollupEveryMs ?? 10_000);
  const retentionTimer = setInterval(enforceRetention, opts.retentionEveryMs ?? 600_000);
  rollupTimer.unref();
  retentionTimer.unref();
  enforceRetention();

  return {
    /** Waits for the passes in flight, then finishes the rollup pass (up to now), so a restart starts from fresh rollups. */
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      clearInterval(rollupTimer);
      clearInterval(retentionTimer);
      await Promise.all([rollupPass, retentionPass]);
      const at = clock.now() - graceMs;
      // Still a step per turn of the loop: requests in flight are answered while Vigil stops.
      while (await rollUpStep(at)) await yieldToEventLoop();
    },
  };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
