import { computed, signal, type ReadonlySignal } from '@preact/signals';
import { createPoller, isCancelled, type Poller, type VisibilitySource } from './poller.js';
import { describeFailure } from './status.js';

export interface ResourceOptions<T> {
  /** One load; its answer replaces the data. */
  load(signal: AbortSignal): Promise<T>;
  readonly intervalMs: number;
  readonly timeoutMs?: number;
  readonly visibility?: VisibilitySource;
}

/**
 * One API answer kept fresh by a poller (paused while the tab is hidden); the last good answer stays
 * when a later poll fails. Views start it while they are shown (see `activeWhile`).
 */
export interface Resource<T> {
  readonly data: ReadonlySignal<T | null>;
  readonly error: ReadonlySignal<string | null>;
  readonly loading: ReadonlySignal<boolean>;
  readonly poller: Poller;
  /** Forgets the answer (the thing asked for changed) and loads again. */
  reset(): void;
}

export function createResource<T>(options: ResourceOptions<T>): Resource<T> {
  const data = signal<T | null>(null);
  const error = signal<string | null>(null);
  let generation = 0;
  const poller = createPoller({
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs ?? 8_000,
    visibility: options.visibility,
    async run(abortSignal) {
      const asked = generation;
      try {
        const answer = await options.load(abortSignal);
        if (asked !== generation) return;
        data.value = answer;
        error.value = null;
      } catch (failure) {
        if (isCancelled(abortSignal) || asked !== generation) return;
        error.value = describeFailure(failure, abortSignal);
      }
    },
  });
  return {
    data,
    error,
    loading: computed(() => data.value === null && error.value === null),
    poller,
    reset() {
      generation++;
      data.value = null;
      error.value = null;
      poller.refresh();
    },
  };
}
