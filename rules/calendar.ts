// Wall-clock time in an IANA timezone, from Intl alone (no date library), and the bounds of SLO windows.
// A "wall" time is a local date and time written as epoch milliseconds as if the zone were UTC, so plain
// UTC arithmetic on it steps through local days, months and quarters; `instantOfWall` maps it back.
import type { SloWindow } from './types.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A local date and time in a zone; month 1–12, weekday 0 (Sunday) – 6 (Saturday). */
export interface WallParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** The zone's canonical name (`europe/berlin` → `Europe/Berlin`), or null when Intl does not know it. */
export function canonicalTimezone(timezone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Every IANA zone name this Node knows (for did-you-mean suggestions). */
export function knownTimezones(): readonly string[] {
  return Intl.supportedValuesOf('timeZone');
}

/** The local date and time of `instant` in `timezone`. */
export function wallParts(instant: number, timezone: string): WallParts {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timezone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  // Years before 1 AD come with an era; Vigil's times never go there.
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second, weekday: new Date(wall).getUTCDay() };
}

/** `instant`'s local time in `timezone`, as wall milliseconds (milliseconds of the instant kept). */
export function wallOf(instant: number, timezone: string): number {
  const p = wallParts(instant, timezone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) + (((instant % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at `instant`, in milliseconds (+3,600,000 for Berlin in winter). */
export function offsetAt(instant: number, timezone: string): number {
  return wallOf(instant, timezone) - instant;
}

/**
 * Every instant whose local time in `timezone` is `wall`: one usually, two in the hour a fall-back
 * repeats (earliest first), none in the hour a spring-forward skips.
 */
export function instantsOfWall(wall: number, timezone: string): number[] {
  // Offsets a day either side cover any one transition near `wall` (zones change at most twice a year).
  const offsets = new Set([offsetAt(wall - DAY_MS, timezone), offsetAt(wall, timezone), offsetAt(wall + DAY_MS, timezone)]);
  const instants: number[] = [];
  for (const offset of offsets) {
    const instant = wall - offset;
    if (wallOf(instant, timezone) === wall && !instants.includes(instant)) instants.push(instant);
  }
  return instants.sort((a, b) => a - b);
}

/**
 * The instant of a local time, resolved like RFC 5545 and Temporal's `compatible`: a time repeated by a
 * fall-back is its first occurrence (the earlier offset); a time skipped by a spring-forward is read with
 * the offset before the gap, so it lands as far past the gap's end as it was into the gap (Berlin
 * 2026-03-29 02:30 → 03:30 CEST).
 */
export function instantOfWall(wall: number, timezone: string): number {
  const instants = instantsOfWall(wall, timezone);
  if (instants.length) return instants[0];
  return wall - offsetAt(wall - DAY_MS, timezone);
}

/** The start and end of an SLO window at `at`: `[start, end)`. */
export interface WindowBounds {
  readonly start: number;
  readonly end: number;
}

/**
 * Where an SLO's window lies at `at`. Rolling: the last `ms` up to `at`. Calendar: the current week
 * (from Monday 00:00), month or quarter in the window's timezone, ending where the next one starts, so
 * a month with a DST change is an hour shorter or longer than its days times 24 h.
 */
export function sloWindowBounds(window: SloWindow, at: number): WindowBounds {
  if (window.kind === 'rolling') return { start: at - window.ms, end: at };
  const p = wallParts(at, window.timezone);
  let start: number;
  let next: number;
  if (window.unit === 'week') {
    const daysSinceMonday = (p.weekday + 6) % 7;
    start = Date.UTC(p.year, p.month - 1, p.day - daysSinceMonday);
    next = start + 7 * DAY_MS;
  } else {
    const months = window.unit === 'month' ? 1 : 3;
    const firstMonth = p.month - 1 - ((p.month - 1) % months);
    start = Date.UTC(p.year, firstMonth, 1);
    next = Date.UTC(p.year, firstMonth + months, 1);
  }
  return { start: instantOfWall(start, window.timezone), end: instantOfWall(next, window.timezone) };
}

/** A calendar window's nominal length, for scaling burn-rate tiers: a week 7d, a month 30d, a quarter 91d. */
export const CALENDAR_NOMINAL_MS = { week: 7 * DAY_MS, month: 30 * DAY_MS, quarter: 91 * DAY_MS } as const;

/** How long a window is taken to be for alerting: a rolling window's length, a calendar unit's nominal length. */
export function nominalWindowMs(window: SloWindow): number {
  return window.kind === 'rolling' ? window.ms : CALENDAR_NOMINAL_MS[window.unit];
}

/** Floors an instant or wall time to its minute. */
export function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}
