// Maintenance windows as time: when a spec's windows fall, and which are on now. Pure, time passed in.
import type { MaintenanceSpec } from './types.js';
import { nextCron, parseCron, type CronSchedule } from './cron.js';

/** A window `[start, end)` in epoch milliseconds. */
export type TimeRange = readonly [start: number, end: number];

/** At most this many windows a call returns: a `* * * * *` cron over a year is half a million. */
export const MAX_WINDOWS = 10_000;

/** Parsed crons by the (immutable) schedule they belong to: the engine asks about the same specs every cycle. */
const parsed = new WeakMap<object, CronSchedule>();

function scheduleOf(schedule: { readonly cron: string }): CronSchedule {
  let cron = parsed.get(schedule);
  if (!cron) {
    cron = parseCron(schedule.cron);
    parsed.set(schedule, cron);
  }
  return cron;
}

/**
 * The windows of `spec` that overlap `[from, to)`, in order, overlapping ones merged (a cron every
 * 30 min with a 1 h duration is one long window). A window that started before `from` is included whole.
 */
export function maintenanceWindows(spec: MaintenanceSpec, from: number, to: number): TimeRange[] {
  const { schedule } = spec;
  if (schedule.kind === 'once') return schedule.start < to && schedule.end > from ? [[schedule.start, schedule.end]] : [];
  const cron = scheduleOf(schedule);
  const windows: Array<[number, number]> = [];
  // A run up to one duration before `from` still covers it.
  let run = nextCron(cron, from - schedule.durationMs, schedule.timezone);
  while (run !== null && run < to && windows.length < MAX_WINDOWS) {
    const end = run + schedule.durationMs;
    const last = windows[windows.length - 1];
    if (last && run <= last[1]) last[1] = Math.max(last[1], end);
    else if (end > from) windows.push([run, end]);
    run = nextCron(cron, run, schedule.timezone);
  }
  return windows;
}

/** What a maintenance window is asked about: an alert's or a series' env and service, when it has them. */
export interface MaintenanceTarget {
  readonly env?: string | null;
  readonly service?: string | null;
}

/**
 * Whether `spec` covers `target`. A spec listing environments covers only a target in one of them (a
 * target without an env is not covered); the same for services; both lists must hold.
 */
export function coversTarget(spec: MaintenanceSpec, target: MaintenanceTarget): boolean {
  const inList = (list: readonly string[] | null, value: string | null | undefined) => list === null || (value != null && list.includes(value));
  return inList(spec.environments, target.env) && inList(spec.services, target.service);
}

/** A maintenance window in force. */
export interface ActiveMaintenance {
  readonly spec: MaintenanceSpec;
  readonly start: number;
  readonly end: number;
}

/** The windows covering `target` at `at` (start ≤ at < end), with when each started and ends. */
export function activeMaintenance(specs: readonly MaintenanceSpec[], at: number, target: MaintenanceTarget): ActiveMaintenance[] {
  const active: ActiveMaintenance[] = [];
  for (const spec of specs) {
    if (!coversTarget(spec, target)) continue;
    // The common answer, no window on, costs one cron step; merging overlapping runs only when one is on.
    const { schedule } = spec;
    if (schedule.kind === 'cron') {
      const run = nextCron(scheduleOf(schedule), at - schedule.durationMs, schedule.timezone);
      if (run === null || run > at) continue;
    }
    const window = maintenanceWindows(spec, at, at + 1)[0];
    if (window && window[0] <= at && at < window[1]) active.push({ spec, start: window[0], end: window[1] });
  }
  return active;
}

/** The next window of `spec` that has not ended by `at` (the current one if it is on); null when none is left. */
export function nextMaintenance(spec: MaintenanceSpec, at: number): TimeRange | null {
  const { schedule } = spec;
  if (schedule.kind === 'once') return schedule.end > at ? [schedule.start, schedule.end] : null;
  const current = maintenanceWindows(spec, at, at + 1)[0];
  if (current) return current;
  const run = nextCron(scheduleOf(schedule), at, schedule.timezone);
  return run === null ? null : [run, run + schedule.durationMs];
}

/** Milliseconds of `[from, to)` inside any of `windows` (which may overlap). */
export function coveredMs(windows: readonly TimeRange[], from: number, to: number): number {
  const clipped = windows
    .map(([start, end]) => [Math.max(start, from), Math.min(end, to)] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let reach = from;
  for (const [start, end] of clipped) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  return total;
}

/** At most this many windows in one answer (a cron every minute over a year is half a million). */
export const MAX_MARKED_WINDOWS = 1_000;

/**
 * The windows of `specs` overlapping [from, to) that could cover a series matching `matchers` (a spec
 * whose environments or services an `=` matcher rules out is left out), in time order, at most
 * MAX_MARKED_WINDOWS.
 */
export function maintenanceMarks(
  specs: readonly MaintenanceSpec[],
  from: number,
  to: number,
  matchers: ReadonlyArray<{ readonly label: string; readonly op: string; readonly value: string }>,
): Array<{ id: string; start: number; end: number; environments: readonly string[] | null; services: readonly string[] | null; reason: string | null }> {
  const equal = (label: string) => matchers.find((m) => m.label === label && m.op === '=')?.value;
  const env = equal('env');
  const service = equal('service');
  const marks = [];
  for (const spec of specs) {
    if (env !== undefined && spec.environments !== null && !spec.environments.includes(env)) continue;
    if (service !== undefined && spec.services !== null && !spec.services.includes(service)) continue;
    for (const [start, end] of maintenanceWindows(spec, from, to)) {
      marks.push({ id: spec.id, start, end, environments: spec.environments, services: spec.services, reason: spec.reason });
      if (marks.length >= MAX_MARKED_WINDOWS) break;
    }
  }
  return marks.sort((a, b) => a.start - b.start).slice(0, MAX_MARKED_WINDOWS);
}
