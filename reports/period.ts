// When a scheduled report runs and which period it covers. Pure, time passed in.
import { instantOfWall, wallOf } from '../rules/calendar.js';
import { cronRuns, nextCron, type CronSchedule } from '../rules/cron.js';

const DAY_MS = 86_400_000;

/** A report period `[from, to)`. */
export interface Period {
  readonly from: number;
  readonly to: number;
}

/**
 * The period of a run at `runAt`: the `days` full local days before it, ending at the local midnight
 * that starts the run's day (a Monday 09:00 run with 7 days covers Monday to Sunday of the week before).
 * Days are local calendar days, so a period across a clock change is an hour shorter or longer.
 */
export function periodOfRun(runAt: number, days: number, timezone: string): Period {
  const midnightWall = Math.floor(wallOf(runAt, timezone) / DAY_MS) * DAY_MS;
  return { from: instantOfWall(midnightWall - days * DAY_MS, timezone), to: instantOfWall(midnightWall, timezone) };
}

/** The period just before `period`, as long as it (the cheap comparison of a report). */
export function previousPeriod(period: Period): Period {
  return { from: period.from - (period.to - period.from), to: period.from };
}

/**
 * The latest run of `cron` at or before `at`, no older than `lookbackMs`; null when none. Searched in
 * widening windows, so a schedule every minute costs a few steps, not a month of runs.
 */
export function latestRun(cron: CronSchedule, timezone: string, at: number, lookbackMs: number): number | null {
  for (let windowMs = 3_600_000; ; windowMs = Math.min(windowMs * 8, lookbackMs)) {
    const runs = cronRuns(cron, at - windowMs - 1, at + 1, timezone);
    if (runs.length > 0) {
      // cronRuns stops at its limit: the last run is further on when it hit it.
      let last = runs[runs.length - 1]!;
      for (let next = nextCron(cron, last, timezone); next !== null && next <= at; next = nextCron(cron, last, timezone)) last = next;
      return last;
    }
    if (windowMs >= lookbackMs) return null;
  }
}

/** The longest period a report covers: a quarter (the `period:` of a scheduled one, or an ad-hoc request). */
export const MAX_PERIOD_DAYS = 92;

/** What is wrong with an ad-hoc period [from, to) asked at `at`, one problem a line; empty when it is fine. */
export function periodProblems(period: Period, at: number): string[] {
  const problems: string[] = [];
  if (!(period.to > period.from)) problems.push('to: must be after from');
  if (period.to - period.from > MAX_PERIOD_DAYS * DAY_MS) problems.push(`to: a report covers at most ${MAX_PERIOD_DAYS} days`);
  if (period.to > at) problems.push('to: must not be in the future (the report would count time not yet measured as no data)');
  return problems;
}
