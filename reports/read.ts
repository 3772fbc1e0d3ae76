// Reads what a report needs from the store (probe_success and probe_duration_seconds rollups,
// incidents, SLO events) and hands it to computeReport. The I/O edge of reports/: bounded reads, a
// day of minutes at a time, so a fleet of thousands of checks never holds a week of points at once.
import type { CheckSpec } from '../probes/probe.js';
import { DEFAULT_SLA_PERCENT, slaFraction } from '../config/reports.js';
import type { ServiceSpec } from '../config/types.js';
import type { AlertingConfig } from '../rules/types.js';
import { ACCOUNTING_QUERY_LIMITS, AVAILABILITY_METRIC, LATENCY_METRIC } from '../rules/slo-accounting.js';
import { MAX_PAGE_LIMIT } from '../store/paging.js';
import type { Incident, LabelMatcher, Retention, SampleStore, Store } from '../store/types.js';
import { checkKey, MaintenanceIndex, tallyAvailability, type CheckTally } from './availability.js';
import { computeReport } from './compute.js';
import { previousPeriod, type Period } from './period.js';
import { sloBudgets } from './slo-budgets.js';
import type { LatencyQuantiles, SlaReport } from './types.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const DEFAULT_TARGET = slaFraction(DEFAULT_SLA_PERCENT);
/** A report reads more than a chart: the bounds of the SLO backfill, which reads the same series. */
const QUERY_LIMITS = ACCOUNTING_QUERY_LIMITS;
/**
 * Minute buckets a report reads at most (checks × minutes of the period); past it, hours. 6,000 checks'
 * week of minutes is 60 million points: read as minutes, 600 checks' single day held the event loop
 * 5.9 s and grew the heap by 458 MiB (bench/reports.mjs). Hours are 60 times fewer, and availability is
 * the same sums and counts; only where maintenance or no data starts is known to the hour, not the minute.
 */
export const MINUTE_POINTS_BUDGET = 2_000_000;
/** Points one availability query answers at most (series × steps): each answer is a bounded bite of the loop. */
const POINTS_PER_QUERY = 20_000;

/** What a report is computed from. */
export interface ReportSources {
  readonly store: Pick<Store, 'samples' | 'incidents'>;
  readonly checks: readonly CheckSpec[];
  /** The services' own targets (`sla:`), for a report that sets none. */
  readonly services: readonly Pick<ServiceSpec, 'name' | 'sla'>[];
  readonly alerting: Pick<AlertingConfig, 'slos' | 'maintenance'>;
  readonly retention: Retention;
  readonly log: (line: string) => void;
}

/** Which report: its name, period, scope and target. */
export interface ReportRequest extends Period {
  readonly name: string;
  readonly timezone: string;
  /** Environments in scope; null: all. */
  readonly envs: readonly string[] | null;
  /** Availability target of every service, a fraction (0.999); null: each service's own, else the default. */
  readonly target: number | null;
  /** When it is computed: decides the rollups read and the age of open incidents. */
  readonly generatedAt: number;
  /** Stops the reading between queries (Vigil stopping): the call rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Reads and computes one report. */
export async function buildReport(sources: ReportSources, request: ReportRequest): Promise<SlaReport> {
  const { store, alerting } = sources;
  const inScope = (env: string) => request.envs === null || request.envs.includes(env);
  const envMatchers = request.envs === null ? [[]] : request.envs.map((env): LabelMatcher[] => [{ label: 'env', op: '=', value: env }]);
  const serviceTargets = new Map(sources.services.flatMap((service) => (service.sla === null ? [] : [[service.name, service.sla] as const])));
  const checks = sources.checks.filter((check) => inScope(check.env)).length;
  const stepMs = stepFor(request, request.generatedAt, sources.retention, checks);
  const maintenance = new MaintenanceIndex(alerting.maintenance, request.from, request.to);
  const tallies = await readAvailability(store.samples, envMatchers, request, stepMs, checks, maintenance, request.signal);
  const before = previousPeriod(request);
  const previous = await readAvailability(
    store.samples,
    envMatchers,
    before,
    stepFor(before, request.generatedAt, sources.retention, checks),
    checks,
    new MaintenanceIndex(alerting.maintenance, before.from, before.to),
    request.signal,
  );
  request.signal?.throwIfAborted();
  const latency = await readLatency(store.samples, envMatchers, request);
  const incidents = await readIncidents(store.incidents, request, inScope);
  const slos = await sloBudgets(
    alerting.slos.filter((slo) => inScope(slo.env)),
    alerting.maintenance,
    store.samples,
    request,
    sources.retention.rawMs,
    sources.log,
  );
  return computeReport({
    name: request.name,
    from: request.from,
    to: request.to,
    timezone: request.timezone,
    generatedAt: request.generatedAt,
    resolution: stepMs === MINUTE_MS ? '1m' : '1h',
    envs: request.envs,
    targetFor: (_env, service) => request.target ?? serviceTargets.get(service) ?? DEFAULT_TARGET,
    declared: sources.checks.filter((check) => inScope(check.env)).map((check) => ({ env: check.env, service: check.service, check: check.name })),
    tallies,
    previous: previous.size > 0 ? previous : null,
    latency,
    maintenance,
    incidents,
    slos,
  });
}

/**
 * Minutes while the store still keeps 1-minute rollups for the whole period (a day's margin) and the
 * fleet's minutes fit MINUTE_POINTS_BUDGET, else hours.
 */
export function stepFor(period: Period, at: number, retention: Retention, checks: number): number {
  const kept = period.from >= at - retention.oneMinuteMs + DAY_MS;
  const points = Math.max(1, checks) * ((period.to - period.from) / MINUTE_MS);
  return kept && points <= MINUTE_POINTS_BUDGET ? MINUTE_MS : HOUR_MS;
}

async function readAvailability(
  samples: Pick<SampleStore, 'query'>,
  envMatchers: readonly LabelMatcher[][],
  period: Period,
  stepMs: number,
  checks: number,
  maintenance: MaintenanceIndex,
  signal: AbortSignal | undefined,
): Promise<Map<string, CheckTally>> {
  const tallies = new Map<string, CheckTally>();
  // Whole steps, as many as keep an answer under POINTS_PER_QUERY for the checks in scope.
  const chunkMs = stepMs * Math.max(1, Math.floor(POINTS_PER_QUERY / Math.max(1, checks)));
  for (const matchers of envMatchers) {
    for (let from = period.from; from < period.to; from += chunkMs) {
      signal?.throwIfAborted();
      const to = Math.min(from + chunkMs, period.to);
      const query = (aggregate: 'sum' | 'count') => samples.query({ metric: AVAILABILITY_METRIC, matchers, from, to, stepMs, aggregate }, QUERY_LIMITS);
      const [sums, counts] = await Promise.all([query('sum'), query('count')]);
      tallyAvailability(tallies, sums.series, counts.series, stepMs, period, maintenance);
    }
  }
  return tallies;
}

/**
 * p50, p95 and p99 of each check over the whole period, merged from the hourly histograms. The step is
 * `to` itself: points align to multiples of the step, so every row of [from, to) falls in one point.
 */
async function readLatency(samples: Pick<SampleStore, 'query'>, envMatchers: readonly LabelMatcher[][], period: Period): Promise<Map<string, LatencyQuantiles>> {
  const latency = new Map<string, { p50: number | null; p95: number | null; p99: number | null }>();
  for (const matchers of envMatchers) {
    for (const aggregate of ['p50', 'p95', 'p99'] as const) {
      const result = await samples.query({ metric: LATENCY_METRIC, matchers, from: period.from, to: period.to, stepMs: period.to, aggregate }, QUERY_LIMITS);
      for (const series of result.series) {
        const key = checkKey(series.labels);
        const value = series.points[0]?.[1];
        if (key === null || value === undefined) continue;
        const quantiles = latency.get(key) ?? { p50: null, p95: null, p99: null };
        // Two series of one check: the slower one speaks for it.
        quantiles[aggregate] = Math.max(quantiles[aggregate] ?? -Infinity, value);
        latency.set(key, quantiles);
      }
    }
  }
  return latency;
}

async function readIncidents(incidents: Store['incidents'], period: Period, inScope: (env: string) => boolean): Promise<Incident[]> {
  const found: Incident[] = [];
  let before: number | undefined;
  do {
    const page = await incidents.list({ from: period.from, to: period.to, before, limit: MAX_PAGE_LIMIT });
    // An incident without an env (a fleet-wide rule) counts in every scope.
    found.push(...page.incidents.filter((incident) => incident.env === null || inScope(incident.env)));
    before = page.nextCursor ?? undefined;
  } while (before !== undefined);
  return found;
}
