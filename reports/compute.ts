// The report from what was read for a period: checks' tallies and latency, incidents, SLO budgets.
// Pure: time comes in (`generatedAt`), nothing here reads a clock or the store.
import type { Incident } from '../store/types.js';
import { availabilityOf, type CheckTally, type MaintenanceIndex } from './availability.js';
import { incidentStats } from './incidents.js';
import { REPORT_VERSION, type CheckReport, type FleetSummary, type LatencyQuantiles, type ServiceReport, type SlaReport, type SloReport } from './types.js';

export const NO_LATENCY: LatencyQuantiles = { p50: null, p95: null, p99: null };

/** A check the config declares: it is in the report even when it sent nothing (all of its time is "no data"). */
export interface DeclaredCheck {
  readonly env: string;
  readonly service: string;
  readonly check: string;
}

export interface ReportInput extends Pick<SlaReport, 'name' | 'from' | 'to' | 'timezone' | 'generatedAt' | 'resolution' | 'envs'> {  /** Availability target of a service, a fraction (0.999). */
  readonly targetFor: (env: string, service: string) => number;
  readonly declared: readonly DeclaredCheck[];
  /** By checkKey. */
  readonly tallies: ReadonlyMap<string, CheckTally>;
  /** The period before, same length, by checkKey; null when not computed. */
  readonly previous: ReadonlyMap<string, CheckTally> | null;
  readonly latency: ReadonlyMap<string, LatencyQuantiles>;
  readonly maintenance: MaintenanceIndex;
  /** Incidents opened in [from, to), in scope. */
  readonly incidents: readonly Incident[];
  readonly slos: readonly SloReport[];
}

/** Computes the report. */
export function computeReport(input: ReportInput): SlaReport {
  const periodMs = input.to - input.from;
  const keys = new Set<string>([...input.tallies.keys(), ...input.declared.map((c) => `${c.env}\0${c.service}\0${c.check}`)]);
  const byService = new Map<string, CheckReport[]>();
  for (const key of [...keys].sort()) {
    const [env, service, check] = key.split('\0') as [string, string, string];
    if (input.envs !== null && !input.envs.includes(env)) continue;
    const tally = input.tallies.get(key);
    const maintenanceMs = input.maintenance.coveredMs(env, service);
    const dataMs = Math.min(tally?.dataMs ?? 0, periodMs - maintenanceMs);
    const report: CheckReport = {
      check,
      availability: tally ? availabilityOf(tally) : null,
      probes: Math.round(tally?.total ?? 0),
      failedProbes: Math.round((tally?.total ?? 0) - (tally?.good ?? 0)),
      latency: input.latency.get(key) ?? NO_LATENCY,
      dataMs: Math.round(dataMs),
      noDataMs: Math.round(Math.max(0, periodMs - maintenanceMs - dataMs)),
      maintenanceMs,
    };
    const serviceKey = `${env}\0${service}`;
    const checks = byService.get(serviceKey);
    if (checks) checks.push(report);
    else byService.set(serviceKey, [report]);
  }

  // Grouped once: a fleet is thousands of services, and a scan of every tally per service was quadratic.
  const previousOf = groupBy(input.previous?.values() ?? [], (t) => `${t.env}\0${t.service}`);
  const incidentsOf = groupBy(input.incidents, (incident) => `${incident.env}\0${incident.service}`);
  const services: ServiceReport[] = [];
  for (const [serviceKey, checks] of byService) {
    const [env, service] = serviceKey.split('\0') as [string, string];
    const target = input.targetFor(env, service);
    const availability = weighted(checks);
    const previous = input.previous ? weighted((previousOf.get(serviceKey) ?? []).map((t) => ({ availability: availabilityOf(t), dataMs: Math.min(t.dataMs, periodMs) }))) : null;
    const incidents = incidentsOf.get(serviceKey) ?? [];
    services.push({
      env,
      service,
      target,
      availability,
      met: availability === null ? null : availability >= target,
      previousAvailability: previous,
      availabilityDelta: availability !== null && previous !== null ? availability - previous : null,
      latency: slowest(checks),
      incidents: incidentStats(incidents, input.generatedAt),
      checks,
      dataMs: sum(checks.map((c) => c.dataMs)),
      noDataMs: sum(checks.map((c) => c.noDataMs)),
      maintenanceMs: checks[0]?.maintenanceMs ?? 0,
    });
  }
  services.sort(worstFirst);

  const allChecks = services.flatMap((s) => s.checks);
  const availability = weighted(allChecks);
  const previous = input.previous ? weighted([...input.previous.values()].filter((t) => input.envs === null || input.envs.includes(t.env)).map((t) => ({ availability: availabilityOf(t), dataMs: t.dataMs }))) : null;
  const fleet: FleetSummary = {
    availability,
    previousAvailability: previous,
    availabilityDelta: availability !== null && previous !== null ? availability - previous : null,
    services: services.length,
    checks: allChecks.length,
    servicesMet: services.filter((s) => s.met === true).length,
    servicesMissed: services.filter((s) => s.met === false).length,
    servicesWithoutData: services.filter((s) => s.met === null).length,
    incidents: incidentStats(input.incidents, input.generatedAt),
    dataMs: sum(allChecks.map((c) => c.dataMs)),
    noDataMs: sum(allChecks.map((c) => c.noDataMs)),
    maintenanceMs: sum(allChecks.map((c) => c.maintenanceMs)),
  };
  return {
    version: REPORT_VERSION,
    name: input.name,
    from: input.from,
    to: input.to,
    timezone: input.timezone,
    generatedAt: input.generatedAt,
    resolution: input.resolution,
    envs: input.envs,
    fleet,
    services,
    slos: input.slos,
  };
}

/** Missed first, then lowest availability, then no data; ties by env and service. */
function worstFirst(a: ServiceReport, b: ServiceReport): number {
  const rank = (s: ServiceReport) => (s.met === false ? 0 : s.met === true ? 1 : 2);
  return rank(a) - rank(b) || (a.availability ?? 2) - (b.availability ?? 2) || byText(a.env, b.env) || byText(a.service, b.service);
}

/** Availabilities weighted by data time: a check probed every 15 s weighs no more than one probed every minute. */
function weighted(items: ReadonlyArray<{ readonly availability: number | null; readonly dataMs: number }>): number | null {
  let time = 0;
  let up = 0;
  for (const item of items) {
    if (item.availability === null || item.dataMs <= 0) continue;
    time += item.dataMs;
    up += item.availability * item.dataMs;
  }
  return time > 0 ? up / time : null;
}

function groupBy<T>(items: Iterable<T>, keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Code-point order: a fleet's sort compares thousands of names, and localeCompare costs a µs each. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function slowest(checks: readonly CheckReport[]): LatencyQuantiles {
  const worst = (pick: (l: LatencyQuantiles) => number | null) => {
    const values = checks.map((c) => pick(c.latency)).filter((v): v is number => v !== null);
    return values.length ? Math.max(...values) : null;
  };
  return { p50: worst((l) => l.p50), p95: worst((l) => l.p95), p99: worst((l) => l.p99) };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
