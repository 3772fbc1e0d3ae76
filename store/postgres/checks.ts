// The last result of each check on PostgreSQL.
import type { CheckResult } from '../types.js';
import type { PoolClient } from './connection.js';

const UPSERT_SQL = `
INSERT INTO check_results (check_id, env, service, check_name, kind, ts, success, degraded, duration_seconds, error, detail)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::boolean[], $8::boolean[],
  $9::float8[], $10::text[], $11::text[])
ON CONFLICT (check_id) DO UPDATE SET
  env = excluded.env, service = excluded.service, check_name = excluded.check_name, kind = excluded.kind,
  ts = excluded.ts, success = excluded.success, degraded = excluded.degraded,
  duration_seconds = excluded.duration_seconds, error = excluded.error, detail = excluded.detail
WHERE excluded.ts >= check_results.ts`;

type CheckResultRow = [string, string, string, string, string, number, boolean, boolean, number, string | null, string | null];

/** Upserts each check's last result on `client`; an older result never replaces a newer one. */
export async function recordCheckResults(client: PoolClient, results: readonly CheckResult[]): Promise<void> {
  // One row per check: an upsert may touch a row once, so a batch with several results of one check
  // keeps the one the store would keep applying them in order (the last of those with the newest time).
  const latest = new Map<string, CheckResult>();
  for (const result of results) {
    const kept = latest.get(result.checkId);
    if (kept === undefined || Math.floor(result.ts) >= Math.floor(kept.ts)) latest.set(result.checkId, result);
  }
  if (latest.size === 0) return;
  const columns: unknown[][] = Array.from({ length: 11 }, () => []);
  for (const result of latest.values()) toRow(result).forEach((value, c) => columns[c]!.push(value));
  await client.query({ name: 'vigil_record_checks', text: UPSERT_SQL, values: columns });
}

/** The last result of every check that has run, by check id. */
export async function lastCheckResults(client: PoolClient): Promise<CheckResult[]> {
  const result = await client.query<CheckResultRow>({
    name: 'vigil_last_checks',
    text: `SELECT check_id, env, service, check_name, kind, ts, success, degraded, duration_seconds, error, detail
           FROM check_results ORDER BY check_id`,
    rowMode: 'array',
  });
  return result.rows.map(fromRow);
}

function toRow(result: CheckResult): CheckResultRow {
  return [
    result.checkId,
    result.env,
    result.service,
    result.check,
    result.kind,
    Math.floor(result.ts),
    result.success,
    result.degraded,
    result.durationSeconds,
    result.error,
    result.detail,
  ];
}

function fromRow(row: CheckResultRow): CheckResult {
  const [checkId, env, service, check, kind, ts, success, degraded, durationSeconds, error, detail] = row;
  return { checkId, env, service, check, kind, ts, success, degraded, durationSeconds, error, detail };
}
