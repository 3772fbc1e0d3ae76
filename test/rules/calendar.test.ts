import { describe, expect, it } from 'vitest';
import { canonicalTimezone, instantOfWall, instantsOfWall, sloWindowBounds } from '../../rules/calendar.js';
import type { SloWindow } from '../../rules/types.js';

const iso = (ms: number) => new Date(ms).toISOString();
const wall = (text: string) => Date.parse(`${text}Z`);
const berlin = (unit: 'week' | 'month' | 'quarter'): SloWindow => ({ kind: 'calendar', unit, timezone: 'Europe/Berlin' });

describe('sloWindowBounds', () => {
  it.each([
    { name: 'rolling 28 days', window: { kind: 'rolling', ms: 28 * 86_400_000 } as SloWindow, at: '2026-05-04T10:00:00Z', start: '2026-04-06T10:00:00.000Z', end: '2026-05-04T10:00:00.000Z' },
    { name: 'a Berlin month in winter', window: berlin('month'), at: '2026-01-15T12:00:00Z', start: '2025-12-31T23:00:00.000Z', end: '2026-01-31T23:00:00.000Z' },
    { name: 'the Berlin month holding the spring-forward is an hour short', window: berlin('month'), at: '2026-03-29T12:00:00Z', start: '2026-02-28T23:00:00.000Z', end: '2026-03-31T22:00:00.000Z' },
    { name: 'the Berlin month holding the fall-back is an hour long', window: berlin('month'), at: '2026-10-25T12:00:00Z', start: '2026-09-30T22:00:00.000Z', end: '2026-10-31T23:00:00.000Z' },
    { name: 'the first instant of a Berlin month (still the 31st in UTC)', window: berlin('month'), at: '2026-05-31T22:00:00Z', start: '2026-05-31T22:00:00.000Z', end: '2026-06-30T22:00:00.000Z' },
    { name: 'the last instant of a Berlin month', window: berlin('month'), at: '2026-05-31T21:59:59.999Z', start: '2026-04-30T22:00:00.000Z', end: '2026-05-31T22:00:00.000Z' },
    { name: 'a UTC month', window: { kind: 'calendar', unit: 'month', timezone: 'UTC' } as SloWindow, at: '2026-02-28T23:59:59Z', start: '2026-02-01T00:00:00.000Z', end: '2026-03-01T00:00:00.000Z' },
    { name: 'a Berlin week over the spring-forward (Monday to Monday)', window: berlin('week'), at: '2026-03-29T12:00:00Z', start: '2026-03-22T23:00:00.000Z', end: '2026-03-29T22:00:00.000Z' },
    { name: 'a Berlin week on its Monday', window: berlin('week'), at: '2026-03-30T08:00:00Z', start: '2026-03-29T22:00:00.000Z', end: '2026-04-05T22:00:00.000Z' },
    { name: 'a Berlin week on Sunday evening, after the fall-back', window: berlin('week'), at: '2026-10-25T20:00:00Z', start: '2026-10-18T22:00:00.000Z', end: '2026-10-25T23:00:00.000Z' },
    { name: 'the first Berlin quarter', window: berlin('quarter'), at: '2026-03-31T21:59:00Z', start: '2025-12-31T23:00:00.000Z', end: '2026-03-31T22:00:00.000Z' },
    { name: 'the second Berlin quarter from its first instant', window: berlin('quarter'), at: '2026-03-31T22:00:00Z', start: '2026-03-31T22:00:00.000Z', end: '2026-06-30T22:00:00.000Z' },
    { name: 'the fourth quarter runs into the next year', window: berlin('quarter'), at: '2026-11-15T00:00:00Z', start: '2026-09-30T22:00:00.000Z', end: '2026-12-31T23:00:00.000Z' },
    { name: 'a New York quarter', window: { kind: 'calendar', unit: 'quarter', timezone: 'America/New_York' } as SloWindow, at: '2026-08-01T00:00:00Z', start: '2026-07-01T04:00:00.000Z', end: '2026-10-01T04:00:00.000Z' },
  ])('$name', ({ window, at, start, end }) => {
    const bounds = sloWindowBounds(window, Date.parse(at));
    expect({ start: iso(bounds.start), end: iso(bounds.end) }).toEqual({ start, end });
  });
});

describe('local times in a timezone', () => {
  it.each([
    { name: 'an ordinary time', local: '2026-06-01T12:00:00', instants: ['2026-06-01T10:00:00.000Z'] },
    { name: 'a time skipped by the spring-forward', local: '2026-03-29T02:30:00', instants: [] },
    { name: 'a time repeated by the fall-back', local: '2026-10-25T02:30:00', instants: ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'] },
  ])('$name in Berlin', ({ local, instants }) => {
    expect(instantsOfWall(wall(local), 'Europe/Berlin').map(iso)).toEqual(instants);
  });

  it.each([
    { name: 'a skipped time lands as far past the gap', local: '2026-03-29T02:30:00', instant: '2026-03-29T01:30:00.000Z' },
    { name: 'a repeated time is its first occurrence', local: '2026-10-25T02:30:00', instant: '2026-10-25T00:30:00.000Z' },
  ])('$name', ({ local, instant }) => {
    expect(iso(instantOfWall(wall(local), 'Europe/Berlin'))).toBe(instant);
  });

  it('knows IANA zones through Intl, whatever their case', () => {
    expect(canonicalTimezone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimezone('Europe/Berlinn')).toBeNull();
  });
});
