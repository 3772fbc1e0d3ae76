// Each start of `vigil serve` records the config it loaded ([X1]): the file, the SHA-256 of its text and
// whether that differs from the last load recorded, so a change made between restarts shows in the
// audit log even when nobody announced it. Vigil has no hot reload: a start is the only load.
import type { AuditEntry, AuditStore } from '../store/types.js';

/** The audit action of a config load. */
export const CONFIG_LOAD_ACTION = 'config.load';

/** Who a config load is recorded under. */
export const SERVE_ACTOR = 'vigil serve';

/** Appends the `config.load` row for the config at `source` whose text hashes to `sha256`. */
export async function recordConfigLoad(audit: Pick<AuditStore, 'append' | 'lastOf'>, source: string, sha256: string, at: number): Promise<AuditEntry> {
  const last = await audit.lastOf(CONFIG_LOAD_ACTION);
  const previousSha256 = last === null ? null : ((JSON.parse(last.detail) as { sha256?: unknown }).sha256 ?? null);
  return audit.append({
    at,
    actor: SERVE_ACTOR,
    action: CONFIG_LOAD_ACTION,
    target: source,
    detail: { path: source, sha256, previousSha256, changed: previousSha256 !== sha256 },
  });
}
