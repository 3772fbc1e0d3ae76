// SLA reports on SQLite.
import type { Statement } from 'better-sqlite3';
import { checkPageLimit, cursorOf, pageOf } from '../paging.js';
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
import type { SqliteDatabase } from './db.js';

type InsertArgs = Array<string | number | null>;

export class SqliteReports {
  readonly #insert: Statement<InsertArgs, ReportRow>;
  readonly #get: Statement<[number], ReportRow>;
  readonly #list: Statement<[number, number], ReportListRow>;
  readonly #listByName: Statement<[string, number, number], ReportListRow>;

  constructor(db: SqliteDatabase) {
    // No conflict target: the one unique index is reports_once (scheduled reports only).
    this.#insert = db.prepare<InsertArgs, ReportRow>(
      `INSERT INTO reports (${REPORT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING ${REPORT_COLUMNS}`,
    );
    this.#get = db.prepare(`SELECT ${REPORT_COLUMNS} FROM reports WHERE id = ?`);
    this.#list = db.prepare(`SELECT ${REPORT_LIST_COLUMNS} FROM reports WHERE id < ? ORDER BY id DESC LIMIT ?`);
    this.#listByName = db.prepare(`SELECT ${REPORT_LIST_COLUMNS} FROM reports WHERE name = ? AND id < ? ORDER BY id DESC LIMIT ?`);
  }

  insertIfAbsent(report: NewReport): ReportRecord | null {
    const row = this.#insert.get(...reportValues(report));
    return row === undefined ? null : reportFromRow(row);
  }

  get(id: number): ReportRecord | null {
    const row = this.#get.get(id);
    return row === undefined ? null : reportFromRow(row);
  }

  list(filter: { readonly name?: string; readonly before?: number; readonly limit: number }): { reports: ReportListItem[]; nextCursor: number | null } {
    checkPageLimit(filter.limit);
    const before = cursorOf(filter.before);
    const rows = filter.name === undefined ? this.#list.all(before, filter.limit + 1) : this.#listByName.all(filter.name, before, filter.limit + 1);
    const { items, nextCursor } = pageOf(rows.map(reportListItemFromRow), filter.limit);
    return { reports: items, nextCursor };
  }
}
