// Threads of background work (the store's reader threads answering series queries) give way to the ones
// that keep time: the main thread (scheduler, API, ingest) and the probe workers (they measure latency).
// On a busy 2-core machine the kernel shares the cores evenly between runnable threads, so a 400,000-point
// query in a reader thread took CPU from the scheduler, and runs started hundreds of ms late (bench/loop.mjs
// at 40,000 checks with a series reader: p99 lag 222 ms against 25 ms without it). Nice 19 (weight 15 against
// 1,024 at 0) and not 10 (110): with /metrics, status and series readers polling back to back at 40,000 checks
// the gzip and reader threads at 10 still took 32 % of both cores, the event loop waited for a CPU 28 % of
// the window, p99 lag 73 / 170 ms and loop max 152 / 168 ms (two runs); at 19: 27 / 21 ms and 99 / 48 ms,
// and the readers were answered faster too (metrics 28–34 scrapes in 20 s against 14–18). On an idle core
// such a thread runs at full speed, so a query alone is not slower.
import os from 'node:os';

/** The nice value of background threads (0 is the default; 19 the lowest priority). */
export const BACKGROUND_NICE = 19;

/**
 * Lowers the calling thread's CPU priority to BACKGROUND_NICE (never raises it). Linux only: there a nice
 * value belongs to a thread, where other systems apply it to the whole process, main thread included.
 * Returns whether the priority is now at least that low.
 */
export function lowerThisThreadsPriority(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // getpriority/setpriority of "0" is the calling thread on Linux (man 2 setpriority, NOTES).
    if (os.getPriority() < BACKGROUND_NICE) os.setPriority(BACKGROUND_NICE);
    return true;
  } catch {
    // A sandbox may refuse setpriority: the thread then runs at the process's priority, as before.
    return false;
  }
}
