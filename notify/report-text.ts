// Words every receiver shares for a report message: its title, a few summary lines and its link.
import type { ReportDigest } from '../reports/digest.js';
import { formatDelta, formatPercent, formatPeriod, formatSpan, formatTarget } from '../reports/format.js';

/** The full report on the dashboard: `<baseUrl>/#/reports/<id>` (it links the HTML, Markdown and CSV forms). */
export function reportUrl(baseUrl: string, id: number): string {
  return `${baseUrl.replace(/\/+$/, '')}/#/reports/${id}`;
}

/** `[REPORT] weekly-sla 2026-01-05 – 2026-01-11 (UTC): 99.953%`. */
export function reportTitle(digest: ReportDigest): string {
  return `[REPORT] ${digest.name} ${formatPeriod(digest.from, digest.to, digest.timezone)}: ${formatPercent(digest.availability)}`;
}

/** Headline lines, plain text: fleet, SLAs missed (each), incidents, no data and maintenance. */
export function reportLines(digest: ReportDigest): string[] {
  const missed = digest.worst.filter((s) => s.met === false);
  const lines = [
    `Fleet availability ${formatPercent(digest.availability)} (${formatDelta(digest.availabilityDelta)} vs the period before)`,
    `SLA met by ${digest.servicesMet} of ${digest.services} services${digest.servicesWithoutData ? `, ${digest.servicesWithoutData} without data` : ''}`,
    ...(digest.servicesMissed === 0
      ? ['No service missed its SLA']
      : [
          `Missed SLA (${digest.servicesMissed}):`,
          ...missed.map((s) => `  ${s.env}/${s.service}: ${formatPercent(s.availability)} (target ${formatTarget(s.target)})`),
          ...(digest.servicesMissed > missed.length ? [`  and ${digest.servicesMissed - missed.length} more`] : []),
        ]),
    `Incidents: ${digest.incidents.opened} · MTTA ${formatSpan(digest.incidents.mttaMs)} · MTTR ${formatSpan(digest.incidents.mttrMs)} · longest ${formatSpan(digest.incidents.longestMs)}`,
  ];
  if (digest.noDataMs > 0 || digest.maintenanceMs > 0) {
    lines.push(`Not counted: ${formatSpan(digest.noDataMs)} check-time without data, ${formatSpan(digest.maintenanceMs)} in maintenance`);
  }
  for (const slo of digest.slos) {
    lines.push(`SLO ${slo.id} (${formatTarget(slo.objective)}): budget left ${formatPercent(slo.budgetRemaining)}, this period spent ${formatPercent(slo.budgetConsumedInPeriod)}`);
  }
  return lines;
}
