// What a notification carries about a report: the headline figures and the services that missed,
// small enough for an outbox row; receivers render it and link to the full report.
import type { SlaReport } from './types.js';

/** Services listed in a digest at most (worst first); a message links to the rest. */
export const DIGEST_SERVICES = 20;

export interface ReportDigest {
  /** The stored report's id (the link to it). */
  readonly id: number;
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly timezone: string;
  readonly generatedAt: number;
  readonly availability: number | null;
  readonly previousAvailability: number | null;
  readonly availabilityDelta: number | null;
  readonly services: number;
  readonly servicesMet: number;
  readonly servicesMissed: number;
  readonly servicesWithoutData: number;
  /** Worst first: those that missed, then the lowest. */
  readonly worst: ReadonlyArray<{ readonly env: string; readonly service: string; readonly availability: number | null; readonly target: number; readonly met: boolean | null }>;
  readonly incidents: { readonly opened: number; readonly mttaMs: number | null; readonly mttrMs: number | null; readonly longestMs: number | null };
  readonly noDataMs: number;
  readonly maintenanceMs: number;
  readonly slos: ReadonlyArray<{ readonly id: string; readonly objective: number; readonly budgetRemaining: number | null; readonly budgetConsumedInPeriod: number | null }>;
}

/** The digest of a stored report. */
export function reportDigest(id: number, report: SlaReport): ReportDigest {
  const { fleet } = report;
  return {
    id,
    name: report.name,
    from: report.from,
    to: report.to,
    timezone: report.timezone,
    generatedAt: report.generatedAt,
    availability: fleet.availability,
    previousAvailability: fleet.previousAvailability,
    availabilityDelta: fleet.availabilityDelta,
    services: fleet.services,
    servicesMet: fleet.servicesMet,
    servicesMissed: fleet.servicesMissed,
    servicesWithoutData: fleet.servicesWithoutData,
    worst: report.services.slice(0, DIGEST_SERVICES).map((s) => ({ env: s.env, service: s.service, availability: s.availability, target: s.target, met: s.met })),
    incidents: { opened: fleet.incidents.opened, mttaMs: fleet.incidents.mttaMs, mttrMs: fleet.incidents.mttrMs, longestMs: fleet.incidents.longest?.durationMs ?? null },
    noDataMs: fleet.noDataMs,
    maintenanceMs: fleet.maintenanceMs,
    slos: report.slos.slice(0, DIGEST_SERVICES).map((s) => ({ id: s.id, objective: s.objective, budgetRemaining: s.budgetRemaining, budgetConsumedInPeriod: s.budgetConsumedInPeriod })),
  };
}
