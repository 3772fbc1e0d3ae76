// Incident statistics of a report: counts, MTTA, MTTR and the longest. Pure.
import type { Incident } from '../store/types.js';
import type { IncidentStats } from './types.js';

/** Stats of `incidents` as of `at` (an incident still open at `at` is as long as it has been open). */
export function incidentStats(incidents: readonly Incident[], at: number): IncidentStats {
  const ackTimes: number[] = [];
  const resolveTimes: number[] = [];
  let longest: IncidentStats['longest'] = null;
  for (const incident of incidents) {
    if (incident.acknowledgedAt !== null) ackTimes.push(incident.acknowledgedAt - incident.openedAt);
    const resolved = incident.state === 'resolved' && incident.resolvedAt !== null;
    if (resolved) resolveTimes.push(incident.resolvedAt! - incident.openedAt);
    const durationMs = (resolved ? incident.resolvedAt! : at) - incident.openedAt;
    if (longest === null || durationMs > longest.durationMs) longest = { id: incident.id, rule: incident.rule, durationMs, resolved };
  }
  return {
    opened: incidents.length,
    acknowledged: ackTimes.length,
    resolved: resolveTimes.length,
    mttaMs: mean(ackTimes),
    mttrMs: mean(resolveTimes),
    longest,
  };
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length);
}
