// SLA reports on PostgreSQL, as on SQLite (store/sqlite/reports.ts).
import { checkPageLimit, cursorOf, pageOf, placeholders } from '../paging.js';
import {
  REPORT_COLUMNS,
  REPORT_INSERT_COLUMNS,
  REPORT_LIST_COLUMNS,
  reportFromRow,
  reportListItemFromRow,
  reportValues,
  type ReportListRow,
  type ReportRow,
} from '../report-rows.js';
import type { NewReport, ReportListItem, ReportRecord } from '../types.js';
import type { PoolClient } from './connection.js';

/**
 * Inserts the report unless a scheduled one of its name and period start exists. A second instance
 * inserting the same report at once waits on the unique index until the first commits, then inserts nothing.
 */
export async function insertReportIfAbsent(client: PoolClient, report: NewReport): Promise<ReportRecord | null> {
  const result = await client.query<ReportRow>({
    name: 'vigil_report_insert',
    text: `INSERT INTO reports (${REPORT_INSERT_COLUMNS}) VALUES (${placeholders(10)}) ON CONFLICT DO NOTHING RETURNING ${REPORT_COLUMNS}`,
    values: reportValues(report),
  });
  return result.rows.length === 0 ? null : reportFromRow(result.rows[0]!);
}

export async function getReport(client: PoolClient, id: number): Promise<ReportRecord | null> {
  const result = await client.query<ReportRow>({ name: 'vigil_report_get', text: `SELECT ${REPORT_COLUMNS} FROM reports WHERE id = $1`, values: [id] });
  return result.rows.length === 0 ? null : reportFromRow(result.rows[0]!);
}

export async function listReports(
  client: PoolClient,
  filter: { readonly name?: string; readonly before?: number; readonly limit: number },
): Promise<{ reports: ReportListItem[]; nextCursor: number | null }> {
  checkPageLimit(filter.limit);
  const before = cursorOf(filter.before);
  const result =
    filter.name === undefined
      ? await client.query<ReportListRow>({
          name: 'vigil_report_list',
          text: `SELECT ${REPORT_LIST_COLUMNS} FROM reports WHERE id < $1 ORDER BY id DESC LIMIT $2`,
          values: [before, filter.limit + 1],
        })
      : await client.query<ReportListRow>({
          name: 'vigil_report_list_by_name',
          text: `SELECT ${REPORT_LIST_COLUMNS} FROM reports WHERE name = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
          values: [filter.name, before, filter.limit + 1],
        });
  const { items, nextCursor } = pageOf(result.rows.map(reportListItemFromRow), filter.limit);
  return { reports: items, nextCursor };
}
