// How report figures are shown, the same in every format and message.
import { formatDuration } from '../lib/duration.js';

/** `99.953%`: three decimals (a 99.9 % target is met or missed in the third), trailing zeros kept for columns. */
export function formatPercent(fraction: number | null): string {
  return fraction === null ? 'no data' : `${(fraction * 100).toFixed(3)}%`;
}

/** `99.9%` for a target: as written, no padding. */
export function formatTarget(fraction: number): string {
  return `${Number((fraction * 100).toFixed(4))}%`;
}

/** `+0.012 pp`, `−0.150 pp`: a change of availability in percentage points. */
export function formatDelta(fraction: number | null): string {
  if (fraction === null) return '—';
  const points = fraction * 100;
  return `${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(3)} pp`;
}

/** `1h30m` rounded to the minute (to the second under a minute); `—` for none. */
export function formatSpan(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return formatDuration(Math.round(ms / 1000) * 1000);
  return formatDuration(Math.round(ms / 60_000) * 60_000);
}

/** `412 ms`, `1.3 s`. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '—';
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${Number(seconds.toPrecision(3))} s`;
}

/** `2026-01-05` in the report's timezone; with `endExclusive`, the last day before it. */
export function formatDay(at: number, timezone: string, endExclusive = false): string {
  const instant = endExclusive ? at - 1 : at;
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** `2026-01-05 – 2026-01-11 (Europe/Berlin)`: the days a period covers, both ends included. */
export function formatPeriod(from: number, to: number, timezone: string): string {
  return `${formatDay(from, timezone)} – ${formatDay(to, timezone, true)} (${timezone})`;
}
