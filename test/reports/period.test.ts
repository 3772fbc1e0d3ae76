// Which days a scheduled report covers, in its timezone, and which run a start catches up on.
import { describe, expect, it } from 'vitest';
import { parseCron } from '../../rules/cron.js';
import { latestRun, periodOfRun, previousPeriod } from '../../reports/period.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('a report period', () => {
  it('is the full local days before the run: a Monday 09:00 Berlin run covers Monday to Sunday of the week before', () => {
    // Monday 2026-01-12 09:00 CET = 08:00 UTC.
    const period = periodOfRun(Date.UTC(2026, 0, 12, 8), 7, 'Europe/Berlin');
    expect(period).toEqual({ from: Date.UTC(2026, 0, 4, 23), to: Date.UTC(2026, 0, 11, 23) });
  });

  it('is an hour shorter across the spring clock change, still midnight to midnight local time', () => {
    // Berlin goes to CEST on Sunday 2026-03-29; the run is Monday 2026-03-30 09:00 CEST.
    const period = periodOfRun(Date.UTC(2026, 2, 30, 7), 7, 'Europe/Berlin');
    expect(period).toEqual({ from: Date.UTC(2026, 2, 22, 23), to: Date.UTC(2026, 2, 29, 22) });
    expect(period.to - period.from).toBe(7 * DAY - HOUR);
  });

  it('compares with the period just before it, as long', () => {
    expect(previousPeriod({ from: 10 * DAY, to: 17 * DAY })).toEqual({ from: 3 * DAY, to: 10 * DAY });
  });
});

describe('the run a start catches up on', () => {
  const weekly = parseCron('0 9 * * MON');

  it('is the latest run at or before now, not every missed one', () => {
    // Down from Friday 2026-01-02 to Wednesday 2026-01-14: the runs of Jan 5 and Jan 12 were missed.
    expect(latestRun(weekly, 'UTC', Date.UTC(2026, 0, 14, 12), 7 * DAY)).toBe(Date.UTC(2026, 0, 12, 9));
    expect(latestRun(weekly, 'UTC', Date.UTC(2026, 0, 12, 9), 7 * DAY)).toBe(Date.UTC(2026, 0, 12, 9));
  });

  it('is none when the latest run is older than the lookback', () => {
    expect(latestRun(parseCron('0 9 1 * *'), 'UTC', Date.UTC(2026, 0, 20), 7 * DAY)).toBeNull();
  });

  it('finds the latest of a schedule every minute without walking the whole lookback', () => {
    expect(latestRun(parseCron('* * * * *'), 'UTC', Date.UTC(2026, 0, 20, 10, 30, 15), 92 * DAY)).toBe(Date.UTC(2026, 0, 20, 10, 30));
  });
});
