// The SQL of an incident list, per filter shape: only the conditions a filter sets, so each engine's
// planner can use the index that fits (opened_at for a time range, the primary key otherwise). There
// are at most 2^6 shapes; each engine prepares a shape's statement the first time it sees it, once.
import {
  INCIDENT_COLUMNS,
} from './alerting-rows.js';
import { checkPageLimit, cursorOf } from './paging.js';
import type { IncidentFilter } from './types.js';

/** How an engine writes a parameter and a membership test in a list parameter. */
export interface SqlDialect {
  /** The placeholder of the n-th parameter (1-based): `?` or `$n`. */
  param(n: number): string;
  /** `column` is one of the list in the parameter written as `placeholder`. */
  inList(column: string, placeholder: string): string;
  /** A list as that parameter's value (a JSON array for SQLite, an array for PostgreSQL). */
  listValue(list: readonly string[]): unknown;
}

export interface IncidentListQuery {
  /** Which conditions are set: the cache key of the prepared statement. */
  readonly shape: string;
  readonly sql: string;
  readonly values: unknown[];
}

/** The query for one page of `filter`: newest first, `limit + 1` rows so the caller knows whether more remain. */
export function incidentListQuery(filter: IncidentFilter, dialect: SqlDialect): IncidentListQuery {
  checkPageLimit(filter.limit);
  const conditions: string[] = [];
  const values: unknown[] = [];
  let shape = '';
  const add = (flag: string, condition: (placeholder: string) => string, value: unknown) => {
    values.push(value);
    conditions.push(condition(dialect.param(values.length)));
    shape += flag;
  };
  if (filter.env !== undefined) add('e', (p) => `env = ${p}`, filter.env);
  if (filter.service !== undefined) add('s', (p) => `service = ${p}`, filter.service);
  if (filter.rule !== undefined) add('r', (p) => `rule = ${p}`, filter.rule);
  if (filter.states !== undefined) add('t', (p) => dialect.inList('state', p), dialect.listValue(filter.states));
  if (filter.severities !== undefined) add('v', (p) => dialect.inList('severity', p), dialect.listValue(filter.severities));
  if (filter.from !== undefined) add('f', (p) => `opened_at >= ${p}`, Math.floor(filter.from));
  if (filter.to !== undefined) add('o', (p) => `opened_at < ${p}`, Math.floor(filter.to));
  values.push(cursorOf(filter.before));
  conditions.push(`id < ${dialect.param(values.length)}`);
  values.push(filter.limit + 1);
  const sql = `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT ${dialect.param(values.length)}`;
  return { shape: shape || 'all', sql, values };
}
