import { describe, expect, it } from 'vitest';
import { CronError, cronRuns, nextCron, parseCron } from '../../rules/cron.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const at = (text: string) => Date.parse(text);

describe('nextCron', () => {
  it.each([
    { name: 'every minute', cron: '* * * * *', tz: 'UTC', after: '2026-05-04T10:15:30Z', next: '2026-05-04T10:16:00.000Z' },
    { name: 'strictly after a matching minute', cron: '15 10 * * *', tz: 'UTC', after: '2026-05-04T10:15:00Z', next: '2026-05-05T10:15:00.000Z' },
    { name: 'a weekday by name, in Berlin winter time', cron: '0 2 * * SUN', tz: 'Europe/Berlin', after: '2026-12-01T00:00:00Z', next: '2026-12-06T01:00:00.000Z' },
    { name: 'a weekday by name, in Berlin summer time', cron: '0 2 * * SUN', tz: 'Europe/Berlin', after: '2026-06-01T00:00:00Z', next: '2026-06-07T00:00:00.000Z' },
    { name: 'day-of-week 7 is Sunday', cron: '0 0 * * 7', tz: 'UTC', after: '2026-05-04T00:00:00Z', next: '2026-05-10T00:00:00.000Z' },
    { name: 'ranges, steps and month names', cron: '15 9-17/4 * JAN-MAR MON-FRI', tz: 'UTC', after: '2026-03-31T13:15:00Z', next: '2026-03-31T17:15:00.000Z' },
    { name: 'ranges, steps and month names, past the months', cron: '15 9-17/4 * JAN-MAR MON-FRI', tz: 'UTC', after: '2026-03-31T17:15:00Z', next: '2027-01-01T09:15:00.000Z' },
    { name: 'a start with a step runs to the end of the field', cron: '50/5 * * * *', tz: 'UTC', after: '2026-05-04T10:56:00Z', next: '2026-05-04T11:50:00.000Z' },
    { name: 'day-of-month and day-of-week both restricted: either (a Monday)', cron: '0 0 1 * MON', tz: 'UTC', after: '2026-06-02T00:00:00Z', next: '2026-06-08T00:00:00.000Z' },
    { name: 'day-of-month and day-of-week both restricted: either (the 1st)', cron: '0 0 1 * MON', tz: 'UTC', after: '2026-06-29T12:00:00Z', next: '2026-07-01T00:00:00.000Z' },
    { name: 'a day-of-month starting with * leaves the day to day-of-week', cron: '0 0 */10 * MON', tz: 'UTC', after: '2026-06-02T00:00:00Z', next: '2026-06-08T00:00:00.000Z' },
    { name: 'the 31st skips the months without one', cron: '0 0 31 * *', tz: 'UTC', after: '2026-04-15T00:00:00Z', next: '2026-05-31T00:00:00.000Z' },
    { name: 'February 29th waits for a leap year', cron: '0 0 29 2 *', tz: 'UTC', after: '2026-01-01T00:00:00Z', next: '2028-02-29T00:00:00.000Z' },
    { name: 'midnight of the 1st in Berlin is the evening before in UTC', cron: '0 0 1 * *', tz: 'Europe/Berlin', after: '2026-10-15T00:00:00Z', next: '2026-10-31T23:00:00.000Z' },
    // Berlin springs forward on 2026-03-29 at 02:00 CET (01:00Z) to 03:00 CEST.
    { name: 'a time in the spring-forward gap runs as far past its end', cron: '30 2 * * *', tz: 'Europe/Berlin', after: '2026-03-28T12:00:00Z', next: '2026-03-29T01:30:00.000Z' },
    { name: 'the day after the gap runs at the written time', cron: '30 2 * * *', tz: 'Europe/Berlin', after: '2026-03-29T01:30:00Z', next: '2026-03-30T00:30:00.000Z' },
    { name: 'every half hour steps over the gap', cron: '*/30 * * * *', tz: 'Europe/Berlin', after: '2026-03-29T00:45:00Z', next: '2026-03-29T01:00:00.000Z' },
    // Berlin falls back on 2026-10-25 at 03:00 CEST (01:00Z) to 02:00 CET: 02:00–02:59 happens twice.
    { name: 'a repeated time runs at its first occurrence', cron: '30 2 * * *', tz: 'Europe/Berlin', after: '2026-10-24T12:00:00Z', next: '2026-10-25T00:30:00.000Z' },
    { name: 'a repeated time runs once', cron: '30 2 * * *', tz: 'Europe/Berlin', after: '2026-10-25T00:30:00Z', next: '2026-10-26T01:30:00.000Z' },
    { name: 'a wildcard hour runs again in the repeated hour', cron: '30 * * * *', tz: 'Europe/Berlin', after: '2026-10-25T00:30:00Z', next: '2026-10-25T01:30:00.000Z' },
  ])('$name', ({ cron, tz, after, next }) => {
    expect(iso(nextCron(cron, at(after), tz))).toBe(next);
  });

  it.each([
    {
      name: 'every 30 minutes through the Berlin fall-back keeps real time',
      cron: '*/30 * * * *',
      from: '2026-10-25T00:00:00Z',
      to: '2026-10-25T02:31:00Z',
      runs: ['00:30', '01:00', '01:30', '02:00', '02:30'],
    },
    {
      name: 'every 30 minutes through the Berlin spring-forward skips nothing and repeats nothing',
      cron: '*/30 * * * *',
      from: '2026-03-29T00:00:00Z',
      to: '2026-03-29T02:01:00Z',
      runs: ['00:30', '01:00', '01:30', '02:00'],
    },
    {
      name: 'hourly at 02:xx only through the fall-back: the first pass',
      cron: '0,30 2 * * *',
      from: '2026-10-24T23:59:00Z',
      to: '2026-10-25T03:00:00Z',
      runs: ['00:00', '00:30'],
    },
  ])('$name', ({ cron, from, to, runs }) => {
    const times = cronRuns(cron, at(from), at(to), 'Europe/Berlin').map((ms) => new Date(ms).toISOString().slice(11, 16));
    expect(times).toEqual(runs);
  });
});

describe('parseCron', () => {
  it.each([
    { name: 'four fields', cron: '0 2 * *', message: 'expected 5 fields (minute hour day-of-month month day-of-week), got 4' },
    { name: 'a minute out of range', cron: '60 * * * *', message: 'minute "60": 60 is outside 0-59' },
    { name: 'an unknown day name', cron: '0 2 * * SUNDAY', message: 'day-of-week "SUNDAY": "SUNDAY" is not a number or a name (SUN…SAT)' },
    { name: 'a backward range', cron: '0 5-1 * * *', message: 'hour "5-1": the range 5-1 runs backwards' },
    { name: 'a zero step', cron: '*/0 * * * *', message: 'minute "*/0": expected a step of 1 or more after "/", got "0"' },
    { name: 'a date that never comes', cron: '0 0 30 2 *', message: 'the expression never matches a date (like February 30)' },
  ])('refuses $name', ({ cron, message }) => {
    expect(() => parseCron(cron)).toThrow(new CronError(message));
  });

  it('accepts lower-case names and extra spaces', () => {
    expect(parseCron(' 0  2 * jan-mar mon,fri ').expression).toBe('0 2 * jan-mar mon,fri');
  });
});
