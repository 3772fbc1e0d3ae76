import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';
import { BadRequestError } from '../lib/errors.js';
import { AGGREGATES, type LabelMatcher, type SeriesQuery } from '../store/types.js';

/** At most this many points per series in one answer: a week at one minute, with room. */
export const MAX_POINTS = 11_000;

const MATCHER = /^([a-zA-Z_][a-zA-Z0-9_]*)(!=|=)(.*)$/;

/** Times beyond this (year 2286) or steps longer than a year are typos, not queries. */
const MAX_TIME_MS = 10_000_000_000_000;
const MAX_STEP_MS = 366 * 86_400_000;

/** `1700000000000`, an ISO date, `now` or `now-1h`; relative to `at`; null when not a time Vigil can hold. */
export function parseTime(text: string, at: number): number | null {
  const ms = parseTimeText(text, at);
  return ms !== null && Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_TIME_MS ? ms : null;
}

function parseTimeText(text: string, at: number): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  const relative = /^now(?:-(.+))?$/.exec(text);
  if (relative) {
    if (!relative[1]) return at;
    const ms = parseDuration(relative[1]);
    return ms === null ? null : at - ms;
  }
  const iso = Date.parse(text);
  return Number.isNaN(iso) ? null : iso;
}

const params = z.strictObject({
  metric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a metric name like probe_duration_seconds'),
  match: z.array(z.string()).default([]),
  from: z.string().default('now-1h'),
  to: z.string().default('now'),
  step: z.string().default('1m'),
  agg: z.enum(AGGREGATES as [string, ...string[]]).default('avg'),
});

/**
 * Parses the query string of GET /api/v1/series into a SeriesQuery, or throws BadRequestError naming
 * every bad parameter.
 */
export function parseSeriesParams(query: Record<string, string[]>, at: number): SeriesQuery {
  const flat: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(query)) {
    const name = key.endsWith('[]') ? key.slice(0, -2) : key;
    flat[name] = name === 'match' ? values : values[values.length - 1];
  }
  const parsed = params.safeParse(flat);
  if (!parsed.success) {
    throw new BadRequestError(parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
  }
  const p = parsed.data;
  const problems: string[] = [];
  const matchers: LabelMatcher[] = [];
  for (const text of p.match) {
    const m = MATCHER.exec(text);
    if (m) matchers.push({ label: m[1], op: m[2] as '=' | '!=', value: m[3] });
    else problems.push(`match: expected label=value or label!=value, got "${text}"`);
  }
  const from = parseTime(p.from, at);
  const to = parseTime(p.to, at);
  const stepMs = /^\d+$/.test(p.step) ? Number(p.step) : parseDuration(p.step);
  if (from === null) problems.push(`from: expected epoch ms, an ISO time or now-<duration>, got "${p.from}"`);
  if (to === null) problems.push(`to: expected epoch ms, an ISO time or now-<duration>, got "${p.to}"`);
  if (stepMs === null || !Number.isSafeInteger(stepMs) || stepMs < 1000 || stepMs > MAX_STEP_MS) {
    problems.push(`step: expected a duration from 1s to 366d like "1m", got "${p.step}"`);
  }
  if (from !== null && to !== null && from >= to) problems.push('from: must be before to');
  if (problems.length === 0 && (to! - from!) / stepMs! > MAX_POINTS) {
    problems.push(`step: ${p.step} over this range gives more than ${MAX_POINTS} points; use a larger step`);
  }
  if (problems.length > 0) throw new BadRequestError(problems.join('; '));
  return { metric: p.metric, matchers, from: from!, to: to!, stepMs: stepMs!, aggregate: p.agg as SeriesQuery['aggregate'] };
}
