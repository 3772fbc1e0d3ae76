// The reports rows as both engines read them, and their mapping to records.
import type { NewReport, ReportKind, ReportListItem, ReportRecord } from './types.js';

export interface ReportListRow {
  id: number | string;
  name: string;
  kind: string;
  period_start: number | string;
  period_end: number | string;
  generated_at: number | string;
  created_by: string | null;
  availability: number | null;
  sla_missed: number;
  incidents: number;
}

export interface ReportRow extends ReportListRow {
  body: string;
}

export const REPORT_LIST_COLUMNS = 'id, name, kind, period_start, period_end, generated_at, created_by, availability, sla_missed, incidents';
export const REPORT_COLUMNS = `${REPORT_LIST_COLUMNS}, body`;

/** The insert's columns, in the order of `reportValues`. */
export const REPORT_INSERT_COLUMNS = 'name, kind, period_start, period_end, generated_at, created_by, availability, sla_missed, incidents, body';

export function reportValues(report: NewReport): Array<string | number | null> {
  return [
    report.name,
    report.kind,
    Math.floor(report.periodStart),
    Math.floor(report.periodEnd),
    Math.floor(report.generatedAt),
    report.createdBy,
    report.availability,
    report.slaMissed,
    report.incidents,
    report.body,
  ];
}

export function reportListItemFromRow(row: ReportListRow): ReportListItem {
  return {
    id: Number(row.id),
    name: row.name,
    kind: row.kind as ReportKind,
    periodStart: Number(row.period_start),
    periodEnd: Number(row.period_end),
    generatedAt: Number(row.generated_at),
    createdBy: row.created_by,
    availability: row.availability === null ? null : Number(row.availability),
    slaMissed: Number(row.sla_missed),
    incidents: Number(row.incidents),
  };
}

export function reportFromRow(row: ReportRow): ReportRecord {
  return { ...reportListItemFromRow(row), body: row.body };
}
