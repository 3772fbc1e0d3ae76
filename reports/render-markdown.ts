// A report as Markdown: the fleet summary, services worst first, incidents, SLO budgets, then each
// service's checks. Table cells escape `|` and line breaks, so a name cannot break a table.
import { formatDelta, formatPercent, formatPeriod, formatSeconds, formatSpan, formatTarget } from './format.js';
import type { IncidentStats, SlaReport } from './types.js';

function cell(text: string): string {
  return text.replace(/[\\|`*_[\]<>]/g, '\\$&').replace(/\r?\n/g, ' ');
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)];
}

function incidentLine(stats: IncidentStats): string {
  return `${stats.opened} opened, ${stats.acknowledged} acknowledged, ${stats.resolved} resolved · MTTA ${formatSpan(stats.mttaMs)} · MTTR ${formatSpan(stats.mttrMs)}`;
}

/** The report as a Markdown document. */
export function renderMarkdown(report: SlaReport): string {
  const { fleet } = report;
  const lines = [
    `# SLA report ${cell(report.name)}: ${formatPeriod(report.from, report.to, report.timezone)}`,
    '',
    `Environments: ${report.envs ? report.envs.map(cell).join(', ') : 'all'} · generated ${new Date(report.generatedAt).toISOString()} · from ${report.resolution} rollups`,
    '',
    '## Summary',
    '',
    `- Fleet availability: **${formatPercent(fleet.availability)}** (${formatDelta(fleet.availabilityDelta)} vs the period before: ${formatPercent(fleet.previousAvailability)})`,
    `- SLA met by ${fleet.servicesMet} of ${fleet.services} services; missed by ${fleet.servicesMissed}; ${fleet.servicesWithoutData} without data`,
    `- Incidents: ${incidentLine(fleet.incidents)}${fleet.incidents.longest ? ` · longest #${fleet.incidents.longest.id} ${cell(fleet.incidents.longest.rule)} ${formatSpan(fleet.incidents.longest.durationMs)}${fleet.incidents.longest.resolved ? '' : ' (still open)'}` : ''}`,
    `- Not counted in availability: ${formatSpan(fleet.noDataMs)} of check time without data, ${formatSpan(fleet.maintenanceMs)} in maintenance`,
    '',
    '## Services (worst first)',
    '',
    ...table(
      ['env', 'service', 'availability', 'target', 'SLA', 'Δ vs before', 'p50', 'p95', 'p99', 'incidents', 'MTTA', 'MTTR', 'no data', 'maintenance'],
      report.services.map((s) => [
        cell(s.env),
        cell(s.service),
        formatPercent(s.availability),
        formatTarget(s.target),
        s.met === null ? 'no data' : s.met ? 'met' : '**missed**',
        formatDelta(s.availabilityDelta),
        formatSeconds(s.latency.p50),
        formatSeconds(s.latency.p95),
        formatSeconds(s.latency.p99),
        String(s.incidents.opened),
        formatSpan(s.incidents.mttaMs),
        formatSpan(s.incidents.mttrMs),
        formatSpan(s.noDataMs),
        formatSpan(s.maintenanceMs),
      ]),
    ),
  ];
  if (report.slos.length) {
    lines.push(
      '',
      '## SLO error budgets',
      '',
      ...table(
        ['SLO', 'objective', 'SLI this period', 'budget spent this period', 'budget left', 'window'],
        report.slos.map((s) => [
          cell(s.id),
          formatTarget(s.objective),
          formatPercent(s.periodSli),
          formatPercent(s.budgetConsumedInPeriod),
          formatPercent(s.budgetRemaining),
          `${new Date(s.windowStart).toISOString().slice(0, 10)} – ${new Date(s.windowEnd).toISOString().slice(0, 10)}`,
        ]),
      ),
    );
  }
  lines.push('', '## Checks', '');
  lines.push(
    ...table(
      ['env', 'service', 'check', 'availability', 'probes', 'failed', 'p50', 'p95', 'p99', 'no data', 'maintenance'],
      report.services.flatMap((s) =>
        s.checks.map((c) => [
          cell(s.env),
          cell(s.service),
          cell(c.check),
          formatPercent(c.availability),
          String(c.probes),
          String(c.failedProbes),
          formatSeconds(c.latency.p50),
          formatSeconds(c.latency.p95),
          formatSeconds(c.latency.p99),
          formatSpan(c.noDataMs),
          formatSpan(c.maintenanceMs),
        ]),
      ),
    ),
  );
  return `${lines.join('\n')}\n`;
}
