// Five-field cron (minute hour day-of-month month day-of-week) evaluated in an IANA timezone; pure, no
// library. Semantics are Vixie cron's:
// - `*`, lists `1,15`, ranges `1-5`, steps `*/15`, `1-30/5`, `5/15` (= 5-max/15), names JAN–DEC and
//   SUN–SAT (day-of-week 0 and 7 are both Sunday).
// - When both day-of-month and day-of-week are restricted (written without a leading `*`) a day matches
//   if either does (`0 2 1 * MON` runs on the 1st and on Mondays); otherwise the restricted one decides.
// - Daylight-saving changes: a local time skipped by a spring-forward runs as far past the gap's end as
//   it was into the gap (Berlin 2026-03-29 `30 2 * * *` runs at 03:30 CEST), once; a local time that a
//   fall-back repeats runs once, at its first occurrence, unless the minute or hour field starts with
//   `*` (`*/15 * * * *`), which keeps running on real time through both passes, as in Vixie cron.
import { floorMinute, instantsOfWall, offsetAt, wallOf } from './calendar.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** The farthest two matches of a valid expression can lie apart: Feb 29 on a given weekday recurs within 28 years. */
const SEARCH_YEARS = 29;

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** The value names count from (1 for months, 0 for days). */
  readonly namesFrom?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesFrom: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, namesFrom: 0 },
];

/** A parsed cron expression. */
export interface CronSchedule {
  readonly expression: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 (Sunday) – 6. */
  readonly daysOfWeek: ReadonlySet<number>;
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
  /** Minute or hour starts with `*`: repeated local times run at both occurrences. */
  readonly runsThroughFallBack: boolean;
}

/** A cron expression that cannot be parsed; `message` says which field and why. */
export class CronError extends Error {
  override name = 'CronError';
}

/** Parses a five-field expression; throws a CronError saying which field is wrong. */
export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new CronError(`expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`);
  }
  const sets = fields.map((field, i) => parseField(field, FIELDS[i]));
  const daysOfWeek = new Set([...sets[4]].map((day) => day % 7));
  const schedule: CronSchedule = {
    expression: fields.join(' '),
    minutes: sets[0],
    hours: sets[1],
    daysOfMonth: sets[2],
    months: sets[3],
    daysOfWeek,
    domRestricted: !fields[2].startsWith('*'),
    dowRestricted: !fields[4].startsWith('*'),
    runsThroughFallBack: fields[0].startsWith('*') || fields[1].startsWith('*'),
  };
  if (nextWallMatch(schedule, Date.UTC(2000, 0, 1)) === null) throw new CronError('the expression never matches a date (like February 30)');
  return schedule;
}

function parseField(text: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  const fail = (why: string): never => {
    throw new CronError(`${spec.name} "${text}": ${why}`);
  };
  for (const item of text.split(',')) {
    const [range, stepText, ...extra] = item.split('/');
    if (extra.length) fail('more than one "/"');
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) fail(`expected a step of 1 or more after "/", got "${stepText}"`);
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === '*') [low, high] = [spec.min, spec.max];
    else {
      const bounds = range.split('-');
      if (bounds.length > 2 || bounds.some((b) => b === '')) fail(`"${range}" is not a value, range or *`);
      low = valueOf(bounds[0], spec, fail);
      high = bounds.length === 2 ? valueOf(bounds[1], spec, fail) : stepText !== undefined ? spec.max : low;
      if (high < low) fail(`the range ${range} runs backwards`);
    }
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return values;
}

function valueOf(text: string, spec: FieldSpec, fail: (why: string) => never): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (spec.namesFrom ?? 0);
  if (!/^\d+$/.test(text)) {
    return fail(spec.names ? `"${text}" is not a number or a name (${spec.names[0]}…${spec.names[spec.names.length - 1]})` : `"${text}" is not a number`);
  }
  const value = Number(text);
  if (value < spec.min || value > spec.max) fail(`${value} is outside ${spec.min}-${spec.max}`);
  return value;
}

function dayMatches(schedule: CronSchedule, date: Date): boolean {
  const dom = schedule.daysOfMonth.has(date.getUTCDate());
  const dow = schedule.daysOfWeek.has(date.getUTCDay());
  if (schedule.domRestricted && schedule.dowRestricted) return dom || dow;
  if (schedule.domRestricted) return dom;
  if (schedule.dowRestricted) return dow;
  return true;
}

/** The first wall minute at or after `wall` (a local time as UTC milliseconds) that matches; null past the search horizon. */
function nextWallMatch(schedule: CronSchedule, wall: number): number | null {
  const date = new Date(Math.ceil(wall / MINUTE_MS) * MINUTE_MS);
  const limit = date.getTime() + SEARCH_YEARS * 366 * 24 * HOUR_MS;
  while (date.getTime() <= limit) {
    if (!schedule.months.has(date.getUTCMonth() + 1)) {
      date.setUTCMonth(date.getUTCMonth() + 1, 1);
      date.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(schedule, date)) {
      date.setUTCDate(date.getUTCDate() + 1);
      date.setUTCHours(0, 0, 0, 0);
    } else if (!schedule.hours.has(date.getUTCHours())) {
      date.setUTCHours(date.getUTCHours() + 1, 0, 0, 0);
    } else if (!schedule.minutes.has(date.getUTCMinutes())) {
      date.setUTCMinutes(date.getUTCMinutes() + 1, 0, 0);
    } else return date.getTime();
  }
  return null;
}

/** The instants a matching wall minute runs at, by the DST rules in this file's header. */
function runsOf(schedule: CronSchedule, wall: number, timezone: string): number[] {
  const instants = instantsOfWall(wall, timezone);
  if (instants.length === 0) return [wall - offsetAt(wall - 24 * HOUR_MS, timezone)];
  return schedule.runsThroughFallBack ? instants : [instants[0]];
}

/** How far a zone's clock ever jumps at once (Lord Howe's is 30 min, most are 1 h); bounds the search below. */
const MAX_SHIFT_MS = 3 * HOUR_MS;

/**
 * The first run strictly after `after` of `cron` (an expression or a parsed schedule) in `timezone`;
 * null when none within the search horizon.
 */
export function nextCron(cron: string | CronSchedule, after: number, timezone: string): number | null {
  const schedule = typeof cron === 'string' ? parseCron(cron) : cron;
  const offset = offsetAt(after, timezone);
  const steady = offset === offsetAt(after - MAX_SHIFT_MS, timezone) && offset === offsetAt(after + 2 * MAX_SHIFT_MS, timezone);
  if (steady) {
    // No clock change near: the next wall match is the next run, unless a change lies before it.
    const wall = nextWallMatch(schedule, floorMinute(after + offset) + MINUTE_MS);
    if (wall === null) return null;
    const run = wall - offset;
    if (offsetAt(run, timezone) === offset && run > after) return run;
    // A clock change lies between: no wall minute before `wall` matched, so the careful walk starts near it.
    return nextCronAcrossChange(schedule, after, wall - MAX_SHIFT_MS, timezone);
  }
  return nextCronAcrossChange(schedule, after, floorMinute(wallOf(after, timezone) - MAX_SHIFT_MS), timezone);
}

/**
 * Near a clock change wall time and real time do not move together: walk wall minutes from `fromWall`
 * (early enough for a fall-back that repeats them) and keep the earliest run after `after`, until the
 * wall minutes are past any run a later one could still undercut.
 */
function nextCronAcrossChange(schedule: CronSchedule, after: number, fromWall: number, timezone: string): number | null {
  let wall: number | null = fromWall;
  let best: number | null = null;
  let stopAfterWall = Infinity;
  while (wall !== null && wall <= stopAfterWall) {
    wall = nextWallMatch(schedule, wall);
    if (wall === null || wall > stopAfterWall) break;
    for (const run of runsOf(schedule, wall, timezone)) {
      if (run > after && (best === null || run < best)) {
        best = run;
        stopAfterWall = wall + MAX_SHIFT_MS;
      }
    }
    wall += MINUTE_MS;
  }
  return best;
}

/** `nextCron` repeated: every run in `(after, until)`, at most `limit` of them. */
export function cronRuns(cron: string | CronSchedule, after: number, until: number, timezone: string, limit = 10_000): number[] {
  const schedule = typeof cron === 'string' ? parseCron(cron) : cron;
  const runs: number[] = [];
  for (let run = nextCron(schedule, after, timezone); run !== null && run < until && runs.length < limit; run = nextCron(schedule, run, timezone)) {
    runs.push(run);
  }
  return runs;
}
