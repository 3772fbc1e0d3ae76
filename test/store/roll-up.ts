import type { Store } from '../../store/types.js';

/** Calls rollUp until it reports no more work for `at`; returns the buckets written and the calls made. */
export async function rollUpFully(store: Store, at: number, maxSeries?: number): Promise<{ buckets: number; calls: number }> {
  let buckets = 0;
  let calls = 0;
  for (let more = true; more; calls++) {
    if (calls > 100_000) throw new Error('rollUp keeps reporting more work');
    const progress = await store.samples.rollUp(at, maxSeries);
    buckets += progress.buckets;
    more = progress.more;
  }
  return { buckets, calls };
}
