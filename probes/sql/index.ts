import { z } from 'zod';
import { userMetricNameSchema } from '../../lib/reserved-metric-names.js';
import { duration } from '../../lib/duration.js';
import type { Probe, ProbeOutcome } from '../probe.js';
import { dsnEndpoint, dsnEngine, dsnSchema, dsnScrubber, type DbEngine } from '../db/dsn.js';
import { abortMessage } from '../outcome-text.js';
import type { SqlBackend } from './backend.js';
import { mysqlSqlBackend } from './mysql.js';
import { postgresSqlBackend } from './postgres.js';
import { sqlSeries } from './series.js';
import { startRunTimer } from '../run-timer.js';

const BACKENDS: Record<DbEngine, SqlBackend> = { postgres: postgresSqlBackend, mysql: mysqlSqlBackend };

const metricName = userMetricNameSchema;

const sqlMetricSchema = z.strictObject({
  name: metricName,
  /** The result column holding the number. */
  column: z.string().min(1),
  /** Fixed labels of the series, e.g. { queue: pgboss }. */
  labels: z.record(z.string(), z.string()).default({}),
});

const sqlExpectationSchema = z
  .strictObject({
    column: z.string().min(1),
    under: z.number().optional(),
    over: z.number().optional(),
    equals: z.number().optional(),
  })
  .refine((rule) => rule.under !== undefined || rule.over !== undefined || rule.equals !== undefined, {
    message: 'expected under, over or equals, like { column: pending, under: 1000 }',
  });

export const sqlSchema = z.strictObject({
  /** postgres://… or mysql:// (mariadb://) …: the scheme picks the engine. Prefer a read-only role. */
  dsn: dsnSchema(['postgres', 'mysql'], 'postgres://vigil@db:5432/app or mysql://vigil@db:3306/app'),
  /** One statement, run in a READ ONLY transaction that is always rolled back. */
  query: z.string().min(1).meta({ description: 'One statement, run in a READ ONLY transaction that is rolled back' }),
  /** Columns whose values label each row's series: one series per row and metric. Without, the query returns one row. */
  label_columns: z
    .array(z.string().min(1))
    .default([])
    .meta({ description: 'Columns labelling each row: one series per row and metric; without them the query returns one row' }),
  /** Numeric columns recorded as series. */
  metrics: z.array(sqlMetricSchema).default([]),
  /** `{ column: pending, under: 1000 }` or a list of them; checked on every row. */
  expect: z.union([sqlExpectationSchema, z.array(sqlExpectationSchema)]).optional(),
  /** The server cancels the query after this (PostgreSQL statement_timeout, MariaDB max_statement_time, MySQL MAX_EXECUTION_TIME). */
  statement_timeout: duration().prefault('5s'),
});

export type SqlTarget = z.output<typeof sqlSchema>;

/**
 * Runs a read-only query on PostgreSQL or MySQL/MariaDB and records the named numeric columns as
 * series (`metrics`), one per row when `label_columns` tell rows apart; `expect` fails the check when a
 * row's value is out of bounds. DB-backed queues (pg-boss, graphile-worker, Solid Queue) and custom
 * lag tables are watched this way.
 */
export const sqlProbe: Probe<SqlTarget> = {
  kind: 'sql',
  schema: sqlSchema,
  async run(target, signal, ctx): Promise<ProbeOutcome> {
    const { startedAt, seconds: elapsed } = startRunTimer();
    const endpoint = dsnEndpoint(target.dsn);
    const scrub = dsnScrubber(target.dsn, ctx);
    if (signal.aborted) {
      return { success: false, error: abortMessage(signal, `before connecting to ${endpoint.where}`, startedAt), durationSeconds: 0, samples: [] };
    }
    const backend = BACKENDS[dsnEngine(target.dsn) ?? endpoint.engine];
    let result;
    try {
      result = await backend.run(target.dsn, target.query, target.statement_timeout, signal, ctx);
    } catch (error) {
      return { success: false, error: scrub(backend.failureMessage(error, endpoint, signal, startedAt)), durationSeconds: elapsed(), samples: [] };
    }
    const expect = target.expect === undefined ? [] : Array.isArray(target.expect) ? target.expect : [target.expect];
    const { samples, problems } = sqlSeries(result.rows, result.columns, { metrics: target.metrics, label_columns: target.label_columns, expect });
    return { success: problems.length === 0, error: problems.length ? scrub(problems.join('; ')) : null, durationSeconds: elapsed(), samples };
  },
};
