// What the sql probe makes of a query's rows, as a pure function: the configured numeric columns as
// series (one per row, labelled by the row's label columns), and every expectation a row misses.
import type { ProbeSample } from '../probe.js';

/** A number a rule can use from a column value: numbers, numeric strings (bigint, numeric), booleans. */
export function numericValue(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  return null;
}

/** A configured series: `{ name: queue_depth, column: pending, labels: { queue: pgboss } }`. */
export interface SqlMetric {
  readonly name: string;
  readonly column: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A configured expectation on a column of every row. */
export interface SqlExpectation {
  readonly column: string;
  readonly under?: number;
  readonly over?: number;
  readonly equals?: number;
}

/** What the series need from the check's config. */
export interface SqlSeriesSpec {
  readonly metrics: readonly SqlMetric[];
  readonly label_columns: readonly string[];
  readonly expect: readonly SqlExpectation[];
}

function show(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function showLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length ? ` (${entries.map(([k, v]) => `${k}=${v}`).join(', ')})` : '';
}

/**
 * Series and problems of a result. Without label columns the query must return exactly one row;
 * with them, each row is one series per metric, labelled by its label columns (no rows: no series,
 * which is how "nothing pending in any queue" looks).
 */
export function sqlSeries(rows: readonly Record<string, unknown>[], columns: readonly string[], spec: SqlSeriesSpec): { samples: ProbeSample[]; problems: string[] } {
  const samples: ProbeSample[] = [];
  const problems: string[] = [];
  const known = new Set(columns);
  const wanted = [...spec.label_columns, ...spec.metrics.map((m) => m.column), ...spec.expect.map((e) => e.column)];
  const absent = [...new Set(wanted.filter((column) => !known.has(column)))];
  if (absent.length) {
    const which = absent.length === 1 ? `column ${absent[0]} is` : `columns ${absent.join(', ')} are`;
    return { samples, problems: [`${which} not in the result (it has ${columns.length ? columns.join(', ') : 'no columns'})`] };
  }
  if (spec.label_columns.length === 0 && rows.length !== 1) {
    const problem = rows.length === 0
      ? 'the query returned no rows, expected one'
      : `the query returned ${rows.length} rows, expected one; name the columns that tell rows apart in label_columns`;
    return { samples, problems: [problem] };
  }
  const seen = new Set<string>();
  for (const row of rows) {
    const rowLabels: Record<string, string> = {};
    for (const column of spec.label_columns) rowLabels[column] = row[column] === null || row[column] === undefined ? '' : String(row[column]);
    const key = JSON.stringify(rowLabels);
    if (seen.has(key)) {
      problems.push(`two rows have the same label columns${showLabels(rowLabels)}; each row needs its own`);
      continue;
    }
    seen.add(key);
    for (const metric of spec.metrics) {
      const value = numericValue(row[metric.column]);
      if (value === null) problems.push(`column ${metric.column} is ${show(row[metric.column])}${showLabels(rowLabels)}, expected a number for ${metric.name}`);
      else samples.push({ name: metric.name, labels: { ...metric.labels, ...rowLabels }, value });
    }
    for (const rule of spec.expect) {
      const raw = row[rule.column];
      const value = numericValue(raw);
      const where = showLabels(rowLabels);
      if (value === null) {
        problems.push(`column ${rule.column} is ${show(raw)}${where}, expected a number`);
        continue;
      }
      if (rule.under !== undefined && !(value < rule.under)) problems.push(`${rule.column} is ${value}${where}, expected under ${rule.under}`);
      if (rule.over !== undefined && !(value > rule.over)) problems.push(`${rule.column} is ${value}${where}, expected over ${rule.over}`);
      if (rule.equals !== undefined && value !== rule.equals) problems.push(`${rule.column} is ${value}${where}, expected ${rule.equals}`);
    }
  }
  return { samples, problems };
}
