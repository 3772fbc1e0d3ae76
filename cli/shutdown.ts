// The graceful stop on SIGTERM/SIGINT, bounded ([X1] "Crash safety"): an orchestrator sends SIGKILL
// after its grace period (Kubernetes: 30 s, Docker: 10 s), so Vigil gives itself 10 s to drain (finish
// the notification sends in flight, flush buffered samples, close the store) and then exits on its own,
// non-zero and saying what it was waiting for, rather than be killed halfway without a word.

/** How long a stop may take before Vigil exits anyway. */
export const STOP_DEADLINE_MS = 10_000;

/** How a bounded stop ended: the exit code and the line to print. */
export interface StopOutcome {
  readonly exitCode: 0 | 1 | 2;
  readonly message: string;
  readonly elapsedMs: number;
}

/**
 * Runs `stop` and resolves when it finishes or `deadlineMs` passes, whichever is first (a stop that
 * never ends yields exit code 2; one that throws, 1). `now` is the clock the elapsed time is read from.
 */
export async function stopWithin(stop: () => Promise<void>, deadlineMs: number, now: () => number = Date.now): Promise<StopOutcome> {
  const began = now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
  try {
    const outcome = await Promise.race([stop().then(() => 'stopped' as const, (error: unknown) => error), deadline]);
    const elapsedMs = now() - began;
    if (outcome === 'stopped') return { exitCode: 0, message: `stopped in ${elapsedMs} ms`, elapsedMs };
    if (outcome === 'deadline') {
      return {
        exitCode: 2,
        message:
          `did not stop within ${deadlineMs / 1000} s (a notification send or the store hung?): exiting anyway; ` +
          'samples not yet written are lost, and a notification whose send was cut short is sent again after the next start',
        elapsedMs,
      };
    }
    return { exitCode: 1, message: `error while stopping: ${outcome instanceof Error ? outcome.message : String(outcome)}`, elapsedMs };
  } finally {
    clearTimeout(timer);
  }
}
