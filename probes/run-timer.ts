// When a run started and how long it has taken: on the monotonic clock (performance.now()), so a wall
// clock step during a run never changes a recorded latency. `startedAt` is what abortMessage takes.

/** A run's start and its elapsed time in seconds. */
export interface RunTimer {
  readonly startedAt: number;
  seconds(): number;
}

export function startRunTimer(): RunTimer {
  const startedAt = performance.now();
  return { startedAt, seconds: () => (performance.now() - startedAt) / 1000 };
}
