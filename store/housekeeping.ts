import type { Clock } from '../lib/clock.js';
import type { Retention, Store } from './types.js';

/**
 * Probes stamp a sample with the time the run started and append it when the run ends, up to a
 * timeout later: folding a minute only this long after it closed keeps such samples from landing in a
 * folded minute (each of those costs a recompute of its minute and a rebuild of its hour). Charts do
 * not wait for it: queries aggregate the unfolded tail from raw samples.
 */
export const ROLLUP_GRACE_MS = 30_000;

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
export function startHousekeeping(store: Store, retention: Retention, clock: Clock, opts: HousekeepingOptions = {}) {
  const log = opts.log ?? ((m: string) => console.error(m));
  const graceMs = opts.rollupGraceMs ?? ROLLUP_GRACE_MS;
  let stopped = false;
  let rollupRunning = false;
  let retentionRunning = false;

  /** One bounded rollUp call; true when the pass has more to do. */
  const rollUpStep = (at: number): boolean => {
    try {
      return store.rollUp(at).more;
    } catch (err) {
      log(`rollup failed (will retry): ${(err as Error).message}`);
      return false;
    }
  };

  const rollUp = () => {
    if (rollupRunning) return;
    rollupRunning = true;
    const at = clock.now() - graceMs;
    const step = () => {
      // After stop() the pass has been finished synchronously there.
      if (stopped) return;
      if (rollUpStep(at)) return void setImmediate(step);
      rollupRunning = false;
    };
    step();
  };

  const enforceRetention = () => {
    if (retentionRunning) return;
    retentionRunning = true;
    const at = clock.now();
    const step = () => {
      if (stopped) return void (retentionRunning = false);
      try {
        if (store.enforceRetention(at, retention) > 0) return void setImmediate(step);
      } catch (err) {
        log(`retention failed (will retry): ${(err as Error).message}`);
      }
      retentionRunning = false;
    };
    step();
  };

  const rollupTimer = setInterval(rollUp, opts.rollupEveryMs ?? 10_000);
  const retentionTimer = setInterval(enforceRetention, opts.retentionEveryMs ?? 600_000);
  rollupTimer.unref();
  retentionTimer.unref();
  enforceRetention();

  return {
    /** Finishes the rollup pass synchronously (up to now), so that a restart starts from fresh rollups. */
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(rollupTimer);
      clearInterval(retentionTimer);
      const at = clock.now() - graceMs;
      while (rollUpStep(at));
      rollupRunning = false;
    },
  };
}
