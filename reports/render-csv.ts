// A report as CSV (RFC 4180): one row per env × service × check, figures as plain numbers (fractions,
// seconds, milliseconds) for a spreadsheet. A cell that starts like a formula is prefixed with ' so a
// spreadsheet shows it as text (CSV injection).
import type { SlaReport } from './types.js';

export const CSV_COLUMNS = [
  'period_start',
  'period_end',
  'env',
  'service',
  'check',
  'availability',
  'service_availability',
  'target',
  'sla_met',
  'probes',
  'failed_probes',
  'latency_p50_seconds',
  'latency_p95_seconds',
  'latency_p99_seconds',
  'data_ms',
  'no_data_ms',
  'maintenance_ms',
  'service_incidents',
  'service_mtta_ms',
  'service_mttr_ms',
] as const;

function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The report as CSV text, a header line first, CRLF line ends. */
export function renderCsv(report: SlaReport): string {
  const from = new Date(report.from).toISOString();
  const to = new Date(report.to).toISOString();
  const rows = report.services.flatMap((s) =>
    s.checks.map((c) => [
      from,
      to,
      s.env,
      s.service,
      c.check,
      c.availability,
      s.availability,
      s.target,
      s.met,
      c.probes,
      c.failedProbes,
      c.latency.p50,
      c.latency.p95,
      c.latency.p99,
      c.dataMs,
      c.noDataMs,
      c.maintenanceMs,
      s.incidents.opened,
      s.incidents.mttaMs,
      s.incidents.mttrMs,
    ]),
  );
  return [CSV_COLUMNS.join(','), ...rows.map((cells) => cells.map(csvCell).join(','))].map((line) => `${line}\r\n`).join('');
}
