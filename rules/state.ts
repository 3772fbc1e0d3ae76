// The alert state machine of one rule instance (one rule × one label set), as Prometheus runs it:
// inactive → pending (the condition holds, `for` not yet elapsed) → firing → inactive again once the
// condition has stopped holding for longer than `keep_firing_for`. A pure function of the previous state,
// the condition now and the time: the engine reads data, calls it and persists what it returns.
import type { AlertState } from './types.js';

/** What the state machine remembers between evaluations. */
export interface InstanceState {
  readonly state: AlertState;
  /** When the condition started to hold (pending since); null while inactive. */
  readonly activeSince: number | null;
  readonly firingSince: number | null;
  /** The last evaluation at which the condition held (or, while firing, had not yet recovered). */
  readonly lastBreachAt: number | null;
  readonly value: number | null;
}

export const INACTIVE: InstanceState = Object.freeze({ state: 'inactive', activeSince: null, firingSince: null, lastBreachAt: null, value: null });

/** Inactive at value 0: a healthy check's check_down instance. Shared, as it is kept for every check. */
const INACTIVE_AT_ZERO: InstanceState = Object.freeze({ ...INACTIVE, value: 0 });

/** The inactive state that keeps `value`: a shared object for the two values nearly every instance has. */
export function inactive(value: number | null): InstanceState {
  if (value === null) return INACTIVE;
  return value === 0 ? INACTIVE_AT_ZERO : { ...INACTIVE, value };
}

/** The rule's condition for this instance at one evaluation. */
export interface Condition {
  /** The condition holds (the value is past the threshold, the check is down, no data). */
  readonly active: boolean;
  readonly value: number | null;
  /**
   * Only read while firing: the value is back past the recovery threshold. A firing instance whose
   * condition no longer holds but has not recovered keeps firing (hysteresis). Default: `!active`.
   */
  readonly recovered?: boolean;
  /**
   * When the data first showed the breach (the newest sample's time, the first failed run): pending
   * counts `for` from here rather than from the evaluation that noticed it, so an alert fires within
   * `for` + one interval of the breach. Default: `at`. Never later than `at`.
   */
  readonly since?: number;
}

export interface RuleTiming {
  readonly forMs: number;
  readonly keepFiringForMs: number;
}

/** What changed at this evaluation, for the engine's incident decisions. */
export type Transition = 'pending' | 'fired' | 'resolved' | 'cleared' | null;

export interface Step {
  readonly next: InstanceState;
  /** `pending`: started to hold; `fired`: began firing; `resolved`: stopped firing; `cleared`: pending went back to inactive. */
  readonly transition: Transition;
}

/** The next state of one instance. */
export function transition(prev: InstanceState, condition: Condition, timing: RuleTiming, at: number): Step {
  const { active, value } = condition;
  if (active) {
    const since = Math.min(condition.since ?? at, at);
    if (prev.state === 'firing') return { next: { ...prev, lastBreachAt: at, value }, transition: null };
    const activeSince = prev.state === 'pending' && prev.activeSince !== null ? prev.activeSince : since;
    // Prometheus: firing once the condition has held for at least `for` (`>=`), so `for: 0` fires at once.
    if (at - activeSince >= timing.forMs) {
      return { next: { state: 'firing', activeSince, firingSince: at, lastBreachAt: at, value }, transition: 'fired' };
    }
    return { next: { state: 'pending', activeSince, firingSince: null, lastBreachAt: at, value }, transition: prev.state === 'pending' ? null : 'pending' };
  }
  // Inactive states keep the value seen, so a resolve can say what the value recovered to.
  if (prev.state === 'pending') return { next: inactive(value), transition: 'cleared' };
  if (prev.state === 'inactive') return { next: inactive(value), transition: null };
  // Firing, and the condition no longer holds.
  const recovered = condition.recovered ?? true;
  if (!recovered) return { next: { ...prev, lastBreachAt: at, value }, transition: null };
  const lastBreachAt = prev.lastBreachAt ?? prev.firingSince ?? at;
  // Strictly longer than keep_firing_for since the condition last held: with `keep_firing_for: 0` the
  // first evaluation that sees it recovered resolves it, and on a regular interval this resolves at the
  // same evaluation as Prometheus (which counts from the first evaluation that saw it stop holding).
  if (at - lastBreachAt > timing.keepFiringForMs) return { next: inactive(value), transition: 'resolved' };
  return { next: { ...prev, value }, transition: null };
}
