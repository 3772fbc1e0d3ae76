// A run's abort without an AbortController, for the probes a worker thread runs at thousands a second
// (http, health). An AbortController and its signal are EventTargets: making one and adding and removing
// a listener cost each run ~15 µs of a probe worker's ~180 (bench/scheduler-cpu.mjs profile), where a
// run needs one flag, a reason and the one listener of the request in flight.
import type { ProbeOutcome, StartedRun } from './probe.js';
import type { ProbeContext } from './context.js';

/** What a probe reads of its abort: AbortSignal has it, and so does RunAbort. */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** An abort flag with its reason; each listener is called once, at the abort (none added after it is). */
export class RunAbort implements AbortLike {
  aborted = false;
  reason: unknown = undefined;
  #listeners: (() => void)[] | null = null;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    const at = listeners ? listeners.indexOf(listener) : -1;
    if (at >= 0) listeners!.splice(at, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners;
    this.#listeners = null;
    for (const listener of listeners ?? []) listener();
  }
}

/** `Probe.start` for a probe whose run takes an AbortLike: the run, with a RunAbort to abort it by a call. */
export function startWithRunAbort<Target>(run: (target: Target, abort: AbortLike, ctx: ProbeContext) => Promise<ProbeOutcome>): (target: Target, ctx: ProbeContext) => StartedRun {
  return (target, ctx) => {
    const abort = new RunAbort();
    return { outcome: run(target, abort, ctx), abort: (reason) => abort.abort(reason) };
  };
}
