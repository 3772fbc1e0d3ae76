// A circuit breaker per receiver, as a pure state machine: closed → open after `failures` failures in a
// row → half-open once `cooldownMs` passed (one trial message goes; the rest wait) → closed on its
// success, open again on its failure. The dispatcher keeps one state per receiver.

export interface BreakerState {
  readonly consecutiveFailures: number;
  /** While open: until when. */
  readonly openUntil: number | null;
  /** A half-open trial is in flight. */
  readonly trial: boolean;
}

export const CLOSED: BreakerState = { consecutiveFailures: 0, openUntil: null, trial: false };

export interface BreakerSettings {
  readonly failures: number;
  readonly cooldownMs: number;
}

/** Whether a message may be sent now: `send`, `trial` (the one half-open attempt), or `wait` until `until`. */
export function breakerAllows(state: BreakerState, at: number): { readonly decision: 'send' | 'trial' } | { readonly decision: 'wait'; readonly until: number } {
  if (state.openUntil === null) return { decision: 'send' };
  if (at < state.openUntil) return { decision: 'wait', until: state.openUntil };
  // Half-open: one trial at a time; the others wait a little for its outcome.
  return state.trial ? { decision: 'wait', until: at + 1000 } : { decision: 'trial' };
}

export function startTrial(state: BreakerState): BreakerState {
  return { ...state, trial: true };
}

export function onSuccess(): BreakerState {
  return CLOSED;
}

export function onFailure(state: BreakerState, at: number, settings: BreakerSettings): BreakerState {
  const consecutiveFailures = state.consecutiveFailures + 1;
  const open = state.trial || consecutiveFailures >= settings.failures;
  return { consecutiveFailures, openUntil: open ? at + settings.cooldownMs : state.openUntil, trial: false };
}

/** `closed`, `open` or `half-open`, for the API and logs. */
export function breakerName(state: BreakerState, at: number): 'closed' | 'open' | 'half-open' {
  if (state.openUntil === null) return 'closed';
  return at < state.openUntil ? 'open' : 'half-open';
}

/**
 * The delay before retry number `attempt` (1 = the first retry): exponential from `initialMs`, capped at
 * `maxMs`, with "equal jitter" (half fixed, half random) so a storm of retries spreads out but never
 * comes back at once; never before the service's Retry-After.
 */
export function retryDelayMs(attempt: number, settings: { readonly backoffInitialMs: number; readonly backoffMaxMs: number }, random: number, retryAfterMs: number | null): number {
  const base = Math.min(settings.backoffMaxMs, settings.backoffInitialMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(base / 2 + (random * base) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}
