/** What a poller needs to know about the page: hidden tabs are not polled. */
export interface VisibilitySource {
  readonly hidden: boolean;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

export interface PollerOptions {
  readonly intervalMs: number;
  /** An attempt is aborted with a `TimeoutError` reason after this long. */
  readonly timeoutMs: number;
  /** One poll. Rejections are the caller's to record; the poller keeps going. */
  run(signal: AbortSignal): Promise<void>;
  readonly visibility?: VisibilitySource;
}

/** Runs a poll now and then every `intervalMs` after the previous one settles, paused while the tab is hidden. */
export interface Poller {
  start(): void;
  stop(): void;
  /** Polls now, cancelling an attempt in flight (its signal aborts with an `AbortError` reason). */
  refresh(): void;
}

/** True when a signal was aborted because the poller cancelled the attempt, not because the API was slow. */
export function isCancelled(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason as { name?: string } | undefined)?.name === 'AbortError';
}

export function createPoller(options: PollerOptions): Poller {
  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | undefined;

  const cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    inFlight?.abort(new DOMException('Poll cancelled', 'AbortError'));
    inFlight = undefined;
  };

  const poll = async () => {
    cancel();
    if (!running || options.visibility?.hidden) return;
    const controller = new AbortController();
    inFlight = controller;
    const timeout = setTimeout(
      () => controller.abort(new DOMException(`No answer within ${Math.round(options.timeoutMs / 1000)} s`, 'TimeoutError')),
      options.timeoutMs,
    );
    try {
      await options.run(controller.signal);
    } catch {
      // The run records its own failures; a rejection here must not stop the polling.
    } finally {
      clearTimeout(timeout);
      if (inFlight === controller) {
        inFlight = undefined;
        if (running) timer = setTimeout(poll, options.intervalMs);
      }
    }
  };

  const onVisibilityChange = () => {
    if (options.visibility?.hidden) cancel();
    else void poll();
  };

  return {
    start() {
      if (running) return;
      running = true;
      options.visibility?.addEventListener('visibilitychange', onVisibilityChange);
      void poll();
    },
    stop() {
      running = false;
      options.visibility?.removeEventListener('visibilitychange', onVisibilityChange);
      cancel();
    },
    refresh() {
      void poll();
    },
  };
}
