// The messages between the scheduler's thread and a probe worker (probes/probe-worker.ts): batches in
// both directions, so thousands of runs a second cost a few messages, not one each.
import type { OutboundPolicy } from '../lib/outbound-guard.js';
import { ProbeTimeoutError } from './outcome-text.js';
import type { ProbeOutcome } from './probe.js';

/** Why a run was aborted, as it crosses the thread boundary (an Error does not keep its class there). */
export type AbortReason = { readonly timeoutMs: number } | { readonly name: string; readonly message: string } | { readonly text: string };

/** What a worker starts with: the secrets' forms (to scrub texts) and the outbound guard's policy (structured-cloned). */
export interface ProbeWorkerData {
  readonly secretForms: readonly string[];
  readonly outbound: OutboundPolicy;
}

/** Scheduler → worker: targets not sent to this worker yet, runs to start, runs to abort; `close` to stop. */
export interface ToWorker {
  readonly targets?: ReadonlyArray<{ readonly id: number; readonly target: unknown }>;
  /** Runs to start; an abort of one comes in `aborts`, in the same message or a later one. */
  readonly runs?: ReadonlyArray<{ readonly run: number; readonly kind: string; readonly target: number }>;
  readonly aborts?: ReadonlyArray<{ readonly run: number; readonly reason: AbortReason }>;
  readonly close?: true;
}

/** Worker → scheduler: `ready` once it listens, finished runs (an outcome, or the probe's bug), or `closed`. */
export interface FromWorker {
  readonly ready?: true;
  readonly done?: ReadonlyArray<{ readonly run: number; readonly outcome?: ProbeOutcome; readonly bug?: { readonly message: string; readonly stack?: string } }>;
  readonly closed?: true;
}

/**
 * How often at most a batch crosses between the scheduler's thread and a worker, each way. A message
 * costs its sender ~30-50 µs of CPU and, on a busy machine, the core while the other thread wakes; the
 * scheduler's timer fires up to every millisecond, so at 40,000 checks one message per turn was ~2,000 a
 * second each way, and the sending alone was 15 % of the main thread's time with readers polling. A run
 * may start up to this much later; its latency is measured in the worker and does not change.
 */
export const MESSAGE_WINDOW_MS = 5;

/**
 * Sends batches at most once per `windowMs`: the first request after a quiet window goes at the end of
 * the current task, later ones wait for the window to pass. `send` takes whatever has gathered.
 */
export class MessageWindow {
  #lastSentAt = -Infinity;
  #queued = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #send: () => void;
  readonly #windowMs: number;

  constructor(send: () => void, windowMs: number = MESSAGE_WINDOW_MS) {
    this.#send = send;
    this.#windowMs = windowMs;
  }

  request(): void {
    if (this.#queued) return;
    this.#queued = true;
    const wait = this.#lastSentAt + this.#windowMs - performance.now();
    if (wait <= 0) queueMicrotask(this.#fire);
    else this.#timer = setTimeout(this.#fire, wait);
  }

  /** Drops a batch still waiting (the thread is gone or closing). */
  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#queued = false;
  }

  readonly #fire = (): void => {
    if (!this.#queued) return;
    this.#queued = false;
    this.#timer = null;
    this.#lastSentAt = performance.now();
    this.#send();
  };
}

/** The reason as data. */
export function abortReasonOf(reason: unknown): AbortReason {
  if (reason instanceof ProbeTimeoutError) return { timeoutMs: reason.timeoutMs };
  if (reason instanceof Error) return { name: reason.name, message: reason.message };
  return { text: typeof reason === 'string' ? reason : '' };
}

/** The reason rebuilt, so that abortMessage() words it exactly as on the scheduler's thread. */
export function abortReasonFrom(reason: AbortReason): unknown {
  if ('timeoutMs' in reason) return new ProbeTimeoutError(reason.timeoutMs);
  if ('text' in reason) return reason.text;
  const error = new Error(reason.message);
  error.name = reason.name;
  return error;
}
