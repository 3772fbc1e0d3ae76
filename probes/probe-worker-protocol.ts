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
