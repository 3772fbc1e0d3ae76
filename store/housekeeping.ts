import type { Clock } from '../lib/clock.js';
import type { Retention, Store } from './types.js';

export interface HousekeepingOptions {
  readonly rollupEveryMs?: number;
  readonly retentionEveryMs?: number;
  readonly log?: (message: string) => void;
}

/**
 * Keeps the store tidy in the background: folds raw samples into rollups every few seconds (so charts
 * read fresh rollups) and enforces retention in small batches, yielding to the event loop between
 * batches so that deleting a week of data never stalls probes or the API.
 */
export function startHousekeeping(store: Store, retention: Retention, clock: Clock, opts: HousekeepingOptions = {}) {
  const log = opts.log ?? ((m: string) => console.error(m));
  let stopped = false;
  let retentionRunning = false;

  const rollUp = () => {
    try {
      store.rollUp(clock.now());
    } catch (err) {
      log(`rollup failed (will retry): ${(err as Error).message}`);
    }
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
    /** Runs a last rollup so that a restart starts from fresh rollups. */
    stop() {
      stopped = true;
      clearInterval(rollupTimer);
      clearInterval(retentionTimer);
      rollUp();
    },
  };
}
