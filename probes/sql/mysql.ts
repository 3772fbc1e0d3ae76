// The sql probe on MySQL and MariaDB: the query runs in a READ ONLY transaction, always rolled back,
// under the session's statement timeout (MySQL's MAX_EXECUTION_TIME, which bounds SELECTs only, or
// MariaDB's max_statement_time).
import type { ProbeContext } from '../context.js';
import { mysqlFailureMessage, mysqlFlavor, mysqlPool, mysqlQuery, type MysqlResult } from '../db/mysql.js';
import type { SqlBackend } from './backend.js';

/** MySQL/MariaDB through mysql2, which refuses a query text holding two statements. */
export const mysqlSqlBackend: SqlBackend = {
  run(dsn: string, query: string, statementTimeoutMs: number, signal: AbortSignal, ctx: ProbeContext) {
    return mysqlPool(ctx, dsn).use(signal, async (held) => {
      const ms = Math.max(1, Math.round(statementTimeoutMs));
      const flavor = await mysqlFlavor(held);
      await mysqlQuery(held, flavor === 'mariadb' ? `SET SESSION max_statement_time = ${ms / 1000}` : `SET SESSION MAX_EXECUTION_TIME = ${ms}`);
      await mysqlQuery(held, 'START TRANSACTION READ ONLY');
      let result: MysqlResult;
      try {
        result = await mysqlQuery(held, query);
      } catch (error) {
        await mysqlQuery(held, 'ROLLBACK').catch(() => {});
        throw error;
      }
      await mysqlQuery(held, 'ROLLBACK');
      const rows = Array.isArray(result.rows) ? (result.rows as Record<string, unknown>[]) : [];
      return { rows, columns: result.columns };
    });
  },
  failureMessage: mysqlFailureMessage,
};
