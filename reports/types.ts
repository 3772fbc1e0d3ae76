// The SLA report as computed, stored (as JSON) and rendered. Times are epoch ms, durations ms,
// availabilities and budgets fractions in [0, 1] (renderers show percent). Bump REPORT_VERSION when a
// field changes meaning: stored reports keep the version they were computed with.

export const REPORT_VERSION = 1;

/** Latency quantiles of probe_duration_seconds over the period, in seconds. */
export interface LatencyQuantiles {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** Where the time of a period went, for one check (or summed for a service). */
export interface TimeAccount {
  /** Time with at least one probe result, maintenance excluded. */
  readonly dataMs: number;
  /** Time with no probe result at all, maintenance excluded: not counted in availability. */
  readonly noDataMs: number;
  /** Time inside a maintenance window covering the check's env and service: not counted. */
  readonly maintenanceMs: number;
}

export interface CheckReport extends TimeAccount {
  readonly check: string;
  /** Successful probes / probes, outside maintenance; null with no data. */
  readonly availability: number | null;
  /** Probe results counted (outside maintenance). */
  readonly probes: number;
  readonly failedProbes: number;
  readonly latency: LatencyQuantiles;
}

/** Incidents opened in the period, and how fast they were handled (as of the report's generation). */
export interface IncidentStats {
  readonly opened: number;
  readonly acknowledged: number;
  readonly resolved: number;
  /** Mean time to acknowledge: mean of acknowledgedAt − openedAt over acknowledged incidents; null with none. */
  readonly mttaMs: number | null;
  /** Mean time to resolve: mean of resolvedAt − openedAt over resolved incidents; null with none. */
  readonly mttrMs: number | null;
  /** The longest incident: resolvedAt (or the generation time while open) − openedAt. */
  readonly longest: { readonly id: number; readonly rule: string; readonly durationMs: number; readonly resolved: boolean } | null;
}

export interface ServiceReport extends TimeAccount {
  readonly env: string;
  readonly service: string;
  /** Availability target, a fraction (0.999). */
  readonly target: number;
  /** Checks' availabilities weighted by their data time; null with no data. */
  readonly availability: number | null;
  /** Met the target; null with no data (neither met nor missed). */
  readonly met: boolean | null;
  readonly previousAvailability: number | null;
  /** availability − previousAvailability (fraction points); null when either is missing. */
  readonly availabilityDelta: number | null;
  /** Each quantile: the slowest check's. */
  readonly latency: LatencyQuantiles;
  readonly incidents: IncidentStats;
  readonly checks: readonly CheckReport[];
}

/** An SLO's error budget as the report sees it (the SLO's own window ends at the period's end). */
export interface SloReport {
  readonly id: string;
  readonly env: string;
  readonly service: string;
  readonly sli: 'availability' | 'latency';
  readonly objective: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The SLI over the report period; null with no events. */
  readonly periodSli: number | null;
  /** Share of the window's error budget the period's bad events spent; null with no events in the window. */
  readonly budgetConsumedInPeriod: number | null;
  /** Share of the window's budget left at the period's end (negative once overspent); null with no events. */
  readonly budgetRemaining: number | null;
}

export interface FleetSummary extends TimeAccount {
  /** Every check's availability weighted by its data time; null with no data. */
  readonly availability: number | null;
  readonly previousAvailability: number | null;
  readonly availabilityDelta: number | null;
  readonly services: number;
  readonly checks: number;
  readonly servicesMet: number;
  readonly servicesMissed: number;
  readonly servicesWithoutData: number;
  readonly incidents: IncidentStats;
}

export interface SlaReport {
  readonly version: typeof REPORT_VERSION;
  readonly name: string;
  /** [from, to) */
  readonly from: number;
  readonly to: number;
  readonly timezone: string;
  readonly generatedAt: number;
  /** The rollups availability was read from: 1m while the store keeps them for the period, else 1h. */
  readonly resolution: '1m' | '1h';
  /** The environments in scope; null: all. */
  readonly envs: readonly string[] | null;
  readonly fleet: FleetSummary;
  /** Worst first: missed SLAs, then by availability ascending; no-data services last. */
  readonly services: readonly ServiceReport[];
  readonly slos: readonly SloReport[];
}
