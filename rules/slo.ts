// SLO arithmetic: burn-rate tiers scaled to a window, the error budget, the burn rate. Pure functions.
import type { BurnRateTier, Severity, SloWindow } from './types.js';
import { nominalWindowMs } from './calendar.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The window the SRE workbook's tiers are written for. */
export const WORKBOOK_WINDOW_MS = 30 * DAY_MS;

/**
 * The SRE workbook's multiwindow, multi-burn-rate tiers for a 30-day SLO (chapter 5, "Alerting on SLOs"):
 * 2 % of the budget in 1 h or 5 % in 6 h pages; 10 % in 1 d or in 3 d opens a ticket.
 */
export const WORKBOOK_TIERS: readonly BurnRateTier[] = [
  { severity: 'page', factor: 14.4, longWindowMs: HOUR_MS, shortWindowMs: 5 * MINUTE_MS },
  { severity: 'page', factor: 6, longWindowMs: 6 * HOUR_MS, shortWindowMs: 30 * MINUTE_MS },
  { severity: 'ticket', factor: 3, longWindowMs: DAY_MS, shortWindowMs: 2 * HOUR_MS },
  { severity: 'ticket', factor: 1, longWindowMs: 3 * DAY_MS, shortWindowMs: 6 * HOUR_MS },
];

/** The share of a window's error budget spent by burning at `factor` for `longWindowMs`: 14.4 × 1h / 30d = 0.02. */
export function budgetConsumed(factor: number, longWindowMs: number, sloWindowMs: number): number {
  return (factor * longWindowMs) / sloWindowMs;
}

/** The burn rate that spends `consumed` of a `sloWindowMs` budget in `longWindowMs`. */
export function factorForBudget(consumed: number, longWindowMs: number, sloWindowMs: number): number {
  // Rounded to 1e-9: 0.02 × 672 h is 13.44, not 13.440000000000001.
  return Math.round(((consumed * sloWindowMs) / longWindowMs) * 1e9) / 1e9;
}

/**
 * The workbook tiers scaled to an SLO window by keeping the budget each tier consumes: for 28 days the
 * 1 h tier pages at 0.02 × 28 d / 1 h = 13.44×. The windows themselves stay as the workbook has them.
 */
export function scaledBurnRateTiers(sloWindowMs: number, tiers: readonly BurnRateTier[] = WORKBOOK_TIERS): BurnRateTier[] {
  return tiers.map((tier) => ({
    ...tier,
    factor: factorForBudget(budgetConsumed(tier.factor, tier.longWindowMs, WORKBOOK_WINDOW_MS), tier.longWindowMs, sloWindowMs),
  }));
}

/** The default tiers of an SLO with this window (calendar windows at their nominal length). */
export function defaultBurnRateTiers(window: SloWindow): BurnRateTier[] {
  return scaledBurnRateTiers(nominalWindowMs(window));
}

/** An SLO's standing over some events. */
export interface ErrorBudget {
  /** good / total; null with no events. */
  readonly sli: number | null;
  /** bad / total; null with no events. */
  readonly badRatio: number | null;
  /** 1 − bad / allowed bad; negative once overspent; null with no events. */
  readonly remaining: number | null;
}

/** The SLI and the error budget left of `good` out of `total` events against `objective` (0.999). */
export function errorBudget(events: { readonly good: number; readonly total: number; readonly objective: number }): ErrorBudget {
  const { good, total, objective } = events;
  if (total <= 0) return { sli: null, badRatio: null, remaining: null };
  const bad = total - good;
  const allowed = (1 - objective) * total;
  return { sli: good / total, badRatio: bad / total, remaining: 1 - bad / allowed };
}

/** How fast the budget burns: 1 spends exactly the budget over the window; 14.4 spends 2 % of 30 days in an hour. */
export function burnRate(badRatio: number, objective: number): number {
  return badRatio / (1 - objective);
}

/** The severity order, most urgent first (for sorting tiers and printing). */
export const SEVERITY_ORDER: readonly Severity[] = ['page', 'ticket', 'info'];
