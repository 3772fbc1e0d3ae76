// What each rule kind observes at one evaluation: per label set, whether its condition holds and the
// value. Pure over the sample window and the time; the engine turns observations into state transitions.
import { flatString } from '../lib/flat-string.js';
import { compileMatchers, formatMatcher, type CompiledMatcher, type Matcher } from '../lib/matchers.js';
import { formatDuration } from '../lib/duration.js';
import { frozenLabels, labelsKey } from '../store/labels.js';
import type { Labels } from '../store/types.js';
import { aggregate, lowerBound } from './aggregate.js';
import type { Condition } from './state.js';
import type { RuleSpec, SloSpec } from './types.js';
import type { SampleWindow, WindowSeries } from './window.js';

/** A rule with what evaluation needs prepared once: compiled matchers, the probe series it watches. */
export interface CompiledRule {
  readonly spec: RuleSpec;
  readonly matchers: readonly CompiledMatcher[];
  /** check_down: the labels (and their key) of the check's probe_success series. */
  readonly checkLabels: Labels | null;
  readonly checkKey: string | null;
  /** burn_rate: the SLO's labels. */
  readonly sloLabels: Labels | null;
  readonly expression: string;
}

/** One label set's condition now; counters are the small state a kind keeps between evaluations. */
export interface Observation {
  readonly seriesLabels: Labels;
  readonly condition: Condition;
  readonly counters?: Readonly<Record<string, number>>;
}

/** An instance the engine already tracks for the rule (so a vanished series is still looked at). */
export interface KnownInstance {
  readonly seriesLabels: Labels;
  readonly counters: Readonly<Record<string, number>>;
}

export interface EvaluationInputs {
  readonly window: SampleWindow;
  readonly at: number;
  /** Since when the engine has watched (its start): an absent metric fires only once it has watched for `nodata`. */
  readonly coveredFrom: number;
  /** An SLO's burn rate over the `windowMs` before `at`; null with no events. */
  readonly burnRate: (sloId: string, windowMs: number, at: number) => number | null;
  /** Since when an SLO has events at all; null with none. */
  readonly sloDataSince: (sloId: string) => number | null;
}

export const PROBE_SUCCESS = 'probe_success';

/**
 * The matchers of a rule that selects no series by them (check_down, burn_rate): one shared array, not
 * one per rule. Safe to share because SampleWindow.select, which caches by the matchers array, is only
 * called with a threshold's or nodata's own.
 */
const NO_MATCHERS: readonly CompiledMatcher[] = Object.freeze([]);

export function compileRule(spec: RuleSpec, slos: ReadonlyMap<string, SloSpec>): CompiledRule {
  const matchers = spec.kind === 'threshold' || spec.kind === 'nodata' ? compileMatchers(spec.matchers) : NO_MATCHERS;
  // Carrying its key: SampleWindow.get runs for every check_down rule at every cycle.
  const checkLabels = spec.kind === 'check_down' ? frozenLabels({ check: spec.check, env: spec.env, service: spec.service }) : null;
  const slo = spec.kind === 'burn_rate' ? slos.get(spec.sloId) : undefined;
  const sloLabels = slo === undefined || spec.kind !== 'burn_rate' ? null : { env: slo.env, service: slo.service, slo: slo.name };
  // The expression is built from pieces, one heap object each until flattened, and kept while Vigil runs.
  return { spec, matchers, checkLabels, checkKey: checkLabels && labelsKey(checkLabels), sloLabels, expression: flatString(describeRule(spec)) };
}

/** One line describing the condition, PromQL-like: `max(replica_lag_seconds{env="prod"}[5m]) > 30 for 2m`. */
export function describeRule(spec: RuleSpec): string {
  const forText = spec.forMs > 0 ? ` for ${formatDuration(spec.forMs)}` : '';
  const selector = (metric: string, matchers: readonly Matcher[]) => `${metric}${matchers.length ? `{${matchers.map(formatMatcher).join(',')}}` : ''}`;
  switch (spec.kind) {
    case 'threshold': {
      const recover = spec.recover === null ? '' : `, recovers ${spec.op === 'above' ? '<' : '>'} ${spec.recover}`;
      return `${spec.aggregate}(${selector(spec.metric, spec.matchers)}[${formatDuration(spec.overMs)}]) ${spec.op === 'above' ? '>' : '<'} ${spec.threshold}${recover}${forText}`;
    }
    case 'nodata':
      return `no sample of ${selector(spec.metric, spec.matchers)} for ${formatDuration(spec.nodataMs)}${forText}`;
    case 'check_down':
      return `${spec.checkId}: ${spec.afterFailures} failed runs in a row or failing for ${formatDuration(spec.orAfterMs)}`;
    case 'burn_rate':
      return `burn rate of ${spec.sloId} ${spec.windows.map((w) => `> ${w.factor} over ${formatDuration(w.longWindowMs)} and ${formatDuration(w.shortWindowMs)}`).join(' or ')}${forText}`;
  }
}

/** How far back each metric's samples are needed (the window's retention), given the evaluation interval. */
export function windowRetention(rules: readonly RuleSpec[], intervalMs: number): Map<string, number> {
  const retain = new Map<string, number>();
  const need = (metric: string, ms: number) => retain.set(metric, Math.max(retain.get(metric) ?? 0, ms));
  for (const rule of rules) {
    if (rule.kind === 'threshold') need(rule.metric, rule.overMs);
    // A series must be held past `nodata` to be seen going silent; then its instance remembers it.
    else if (rule.kind === 'nodata') need(rule.metric, rule.nodataMs + 3 * intervalMs);
    // Failures are counted as they arrive (counters); the window only bridges evaluations and restarts.
    else if (rule.kind === 'check_down') need(PROBE_SUCCESS, Math.max(5 * 60_000, 3 * intervalMs));
  }
  return retain;
}

/** The observations of one rule at `inputs.at`; `known` are the instances the engine tracks for it. */
export function observe(rule: CompiledRule, inputs: EvaluationInputs, known: readonly KnownInstance[]): Observation[] {
  const { spec } = rule;
  switch (spec.kind) {
    case 'threshold':
      return observeThreshold(rule, spec, inputs);
    case 'nodata':
      return observeNoData(rule, spec, inputs, known);
    case 'check_down':
      return [observeCheck(rule, spec, inputs, known[0]?.counters ?? {})];
    case 'burn_rate': {
      if (rule.sloLabels === null) return [];
      // The workbook's multiwindow condition: the long window proves it matters, the short one that it is
      // still happening; any pair of the severity fires. The value is the long-window burn of the pair
      // that holds (else of the fastest pair), what the summary reports.
      let value: number | null = null;
      let active = false;
      // A pair judges only once its short window is full of data: a fresh install's first failing
      // minute is 100 % of its "1 h" and would page at once (Prometheus's rate() over a young series does).
      const since = inputs.sloDataSince(spec.sloId);
      for (const w of spec.windows) {
        if (since === null || inputs.at - since < w.shortWindowMs) continue;
        const long = inputs.burnRate(spec.sloId, w.longWindowMs, inputs.at);
        const short = inputs.burnRate(spec.sloId, w.shortWindowMs, inputs.at);
        if (long === null || short === null) continue;
        const holds = long > w.factor && short > w.factor;
        if (holds && !active) {
          active = true;
          value = long;
        } else if (value === null) value = long;
      }
      if (value === null) return [];
      return [{ seriesLabels: rule.sloLabels, condition: { active, value } }];
    }
  }
}

/** The index after a series' last sample at or before `at` (all of them, as a rule: samples arrive in order). */
function endAt(series: WindowSeries, at: number): number {
  const { times } = series;
  return times.length > series.start && times[times.length - 1]! <= at ? times.length : lowerBound(times, at + 1, series.start, times.length);
}

function observeThreshold(rule: CompiledRule, spec: Extract<RuleSpec, { kind: 'threshold' }>, { window, at }: EvaluationInputs): Observation[] {
  const observations: Observation[] = [];
  const from = at - spec.overMs;
  for (const series of window.select(spec.metric, rule.matchers)) {
    const { times, values } = series;
    // The window is (at − over, at]: a sample exactly `over` old has left it.
    const hi = endAt(series, at);
    const lo = lowerBound(times, from + 1, series.start, hi);
    const value = aggregate(spec.aggregate, times, values, lo, hi);
    if (value === null) continue;
    const active = spec.op === 'above' ? value > spec.threshold : value < spec.threshold;
    const recovered = spec.recover === null ? !active : spec.op === 'above' ? value < spec.recover : value > spec.recover;
    observations.push({ seriesLabels: series.labels, condition: { active, value, recovered, since: times[hi - 1]! } });
  }
  return observations;
}

function observeNoData(rule: CompiledRule, spec: Extract<RuleSpec, { kind: 'nodata' }>, inputs: EvaluationInputs, known: readonly KnownInstance[]): Observation[] {
  const { window, at } = inputs;
  const observations: Observation[] = [];
  const seen = new Set<string>();
  for (const series of window.select(spec.metric, rule.matchers)) {
    const last = series.times[series.times.length - 1]!;
    seen.add(series.key);
    // The value is how long the series has been silent, in seconds.
    observations.push({ seriesLabels: series.labels, condition: { active: at - last >= spec.nodataMs, value: Math.max(0, at - last) / 1000, since: last + spec.nodataMs } });
  }
  let silentKnown = 0;
  let absentKnown = false;
  for (const instance of known) {
    const key = labelsKey(instance.seriesLabels);
    if (key === '{}') absentKnown = true;
    if (seen.has(key) || key === '{}') continue;
    // A series seen before that has left the window altogether: still no data.
    silentKnown++;
    observations.push({ seriesLabels: instance.seriesLabels, condition: { active: true, value: null } });
  }
  // Once, when nothing matches at all (never seen, or forgotten): only once the engine has watched for
  // `nodata` (a fresh install is not an outage), or when that alert is already tracked (a restart keeps it).
  if (seen.size === 0 && silentKnown === 0 && (absentKnown || at - inputs.coveredFrom >= spec.nodataMs)) {
    observations.push({ seriesLabels: {}, condition: { active: true, value: null } });
  }
  return observations;
}

/** check_down's counters of a check not failing: nothing to carry, one shared object (see observeCheck). */
const NOT_FAILING: Readonly<Record<string, number>> = Object.freeze({});

/**
 * Counters of check_down: failed runs in a row, when the streak began, and the last run counted; none
 * while the check is not failing. The streak is read backwards from the newest run to the first success
 * (or to the last run already counted, whose streak it continues), so a healthy check costs one look at
 * its newest run, and its instance stays the same object cycle after cycle (the engine keeps it as it is).
 */
function observeCheck(rule: CompiledRule, spec: Extract<RuleSpec, { kind: 'check_down' }>, { window, at }: EvaluationInputs, counters: Readonly<Record<string, number>>): Observation {
  const carried = counters.failures ?? 0;
  let failures = 0;
  let failingSince = -1;
  let next = counters;
  const series = window.get(PROBE_SUCCESS, rule.checkLabels!);
  if (series !== undefined) {
    const { times, values } = series;
    const lastRunAt = carried > 0 ? (counters.lastRunAt ?? -Infinity) : -Infinity;
    const hi = endAt(series, at);
    const lo = lowerBound(times, lastRunAt + 1, series.start, hi);
    let i = hi - 1;
    for (; i >= lo && values[i] === 0; i--) {
      failures++;
      failingSince = times[i]!;
    }
    // Every new run failed: the streak goes on from the runs counted before.
    if (i < lo && carried > 0) {
      failures += carried;
      failingSince = counters.failingSince ?? failingSince;
    }
    if (failures === 0) next = NOT_FAILING;
    else if (hi > lo) next = { failures, failingSince, lastRunAt: times[hi - 1]! };
  } else if (carried > 0) {
    // The window holds none of its runs (a restart before the backfill): the streak stands as counted.
    failures = carried;
    failingSince = counters.failingSince ?? -1;
  } else next = NOT_FAILING;
  const active = failures >= spec.afterFailures || (failures > 0 && at - failingSince >= spec.orAfterMs);
  // Resolves on the first success: a success zeroes the count, and the condition no longer holds.
  return { seriesLabels: rule.checkLabels!, condition: { active, value: failures }, counters: next };
}
