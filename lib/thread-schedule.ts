// How the calling thread fared with the kernel's scheduler (Linux): its time on a CPU, and its time
// ready to run but waiting in a run queue for a CPU. On a host with too little CPU for its load, the
// event loop's delay and the probes' scheduling lag grow with the wait, not with Vigil's own work: the
// two counters tell an operator which one it is (bench/loop.mjs found stalls of 200+ ms on 2 busy cores
// that were 2/3 run-queue wait).

import { readFileSync } from 'node:fs';

export interface ThreadSchedule {
  /** Time on a CPU since the thread started. */
  readonly cpuSeconds: number;
  /** Time runnable but waiting for a CPU since the thread started. */
  readonly runQueueSeconds: number;
}

/** The calling thread's schedule from `/proc/thread-self/schedstat`, or null where there is none (not Linux). */
export function readThreadSchedule(file = '/proc/thread-self/schedstat'): ThreadSchedule | null {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return null;
  }
  return parseSchedstat(text);
}

/** `<ns on cpu> <ns waiting on a runqueue> <timeslices>`; null for anything else. */
export function parseSchedstat(text: string): ThreadSchedule | null {
  const match = /^(\d+) (\d+) \d+\s*$/.exec(text);
  if (!match) return null;
  return { cpuSeconds: Number(match[1]) / 1e9, runQueueSeconds: Number(match[2]) / 1e9 };
}
