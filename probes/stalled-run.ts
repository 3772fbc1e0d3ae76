// A run during which Vigil's own event loop stalled: its sockets' events were handled late by the
// stalled time, and when within the stall each happened is not known.
import type { ProbeOutcome } from './probe.js';

/**
 * The outcome with `stalledMs` left out of its duration: the least the target can have taken. The
 * detail says so and gives the duration as measured (the most it can have taken).
 */
export function withoutStalledTime(outcome: ProbeOutcome, stalledMs: number): ProbeOutcome {
  const measuredMs = outcome.durationSeconds * 1000;
  // Short: at 40,000 checks on an overloaded machine every result carries it, in every status answer.
  const note = `Vigil stalled ${formatMs(stalledMs)} of this run: left out of its duration (measured ${formatMs(measuredMs)})`;
  return {
    ...outcome,
    durationSeconds: Math.max(0, measuredMs - stalledMs) / 1000,
    detail: outcome.detail ? `${outcome.detail}; ${note}` : note,
  };
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
