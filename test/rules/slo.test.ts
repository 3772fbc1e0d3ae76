import { describe, expect, it } from 'vitest';
import { budgetConsumed, burnRate, defaultBurnRateTiers, errorBudget, scaledBurnRateTiers, WORKBOOK_TIERS } from '../../rules/slo.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('burn-rate tiers scaled to the SLO window', () => {
  // Budget consumed = factor × long window / SLO window, kept as the workbook's 30-day tiers have it:
  // 14.4 × 1h / 720h = 2 %, 6 × 6h / 720h = 5 %, 3 × 24h / 720h = 10 %, 1 × 72h / 720h = 10 %.
  it.each([
    { name: '30 days: the workbook as written', windowMs: 30 * DAY, factors: [14.4, 6, 3, 1] },
    // 0.02 × 672h / 1h, 0.05 × 672h / 6h, 0.1 × 672h / 24h, 0.1 × 672h / 72h.
    { name: '28 days', windowMs: 28 * DAY, factors: [13.44, 5.6, 2.8, 0.933333333] },
    // 0.02 × 168, 0.05 × 28, 0.1 × 7, 0.1 × 7 / 3.
    { name: '7 days', windowMs: 7 * DAY, factors: [3.36, 1.4, 0.7, 0.233333333] },
  ])('$name', ({ windowMs, factors }) => {
    const tiers = scaledBurnRateTiers(windowMs);
    expect(tiers.map((t) => t.factor)).toEqual(factors);
    expect(tiers.map((t) => [t.severity, t.longWindowMs, t.shortWindowMs])).toEqual([
      ['page', HOUR, 5 * 60_000],
      ['page', 6 * HOUR, 30 * 60_000],
      ['ticket', DAY, 2 * HOUR],
      ['ticket', 3 * DAY, 6 * HOUR],
    ]);
    tiers.forEach((tier, i) => {
      const workbook = WORKBOOK_TIERS[i];
      expect(budgetConsumed(tier.factor, tier.longWindowMs, windowMs)).toBeCloseTo(budgetConsumed(workbook.factor, workbook.longWindowMs, 30 * DAY), 8);
    });
  });

  it.each([
    { name: 'the 1h tier of a 30-day window', factor: 14.4, longMs: HOUR, windowMs: 30 * DAY, consumed: 0.02 },
    { name: 'the 1h tier of a 28-day window', factor: 13.44, longMs: HOUR, windowMs: 28 * DAY, consumed: 0.02 },
    { name: 'the 3d tier of a 28-day window at 1×', factor: 1, longMs: 3 * DAY, windowMs: 28 * DAY, consumed: 3 / 28 },
  ])('budget consumed by $name', ({ factor, longMs, windowMs, consumed }) => {
    expect(budgetConsumed(factor, longMs, windowMs)).toBeCloseTo(consumed, 10);
  });

  it('scales calendar windows by their nominal length (a month is 30 days, a quarter 91)', () => {
    expect(defaultBurnRateTiers({ kind: 'calendar', unit: 'month', timezone: 'UTC' })[0].factor).toBe(14.4);
    expect(defaultBurnRateTiers({ kind: 'calendar', unit: 'quarter', timezone: 'UTC' })[0].factor).toBe(43.68);
    expect(defaultBurnRateTiers({ kind: 'calendar', unit: 'week', timezone: 'UTC' })[0].factor).toBe(3.36);
  });
});

describe('error budget and burn rate', () => {
  it.each([
    { name: 'no events', good: 0, total: 0, objective: 0.999, sli: null, remaining: null },
    { name: 'all good', good: 1000, total: 1000, objective: 0.999, sli: 1, remaining: 1 },
    { name: 'half the budget spent', good: 99_950, total: 100_000, objective: 0.999, sli: 0.9995, remaining: 0.5 },
    { name: 'exactly spent', good: 990, total: 1000, objective: 0.99, sli: 0.99, remaining: 0 },
    { name: 'overspent threefold', good: 970, total: 1000, objective: 0.99, sli: 0.97, remaining: -2 },
  ])('$name', ({ good, total, objective, sli, remaining }) => {
    const budget = errorBudget({ good, total, objective });
    if (sli === null) expect(budget).toEqual({ sli: null, badRatio: null, remaining: null });
    else {
      expect(budget.sli).toBeCloseTo(sli, 10);
      expect(budget.remaining).toBeCloseTo(remaining!, 8);
    }
  });

  it.each([
    { name: 'burning exactly the budget', badRatio: 0.001, objective: 0.999, rate: 1 },
    { name: 'the workbook page threshold', badRatio: 0.0144, objective: 0.999, rate: 14.4 },
    { name: 'nothing bad', badRatio: 0, objective: 0.99, rate: 0 },
    { name: 'everything bad against 99%', badRatio: 1, objective: 0.99, rate: 100 },
  ])('$name', ({ badRatio, objective, rate }) => {
    expect(burnRate(badRatio, objective)).toBeCloseTo(rate, 8);
  });
});
