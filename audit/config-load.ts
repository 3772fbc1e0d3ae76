// Each start of `vigil serve` records the config it loaded ([X1]): the file, the SHA-256 of its text and
// whether that differs from the last load recorded, so a change made between restarts shows in the
// audit log even when nobody announced it. Vigil has no hot reload: a start is the only load.
import { parseStoredJson, storedField } from '../lib/stored-json.js';
import type { AuditEntry, AuditStore } from '../store/types.js';

/** The audit action of a config load. */
export const CONFIG_LOAD_ACTION = 'config.load';

/** Who a config load is recorded under. */
export const SERVE_ACTOR = 'vigil serve';

/**
 * Appends the `config.load` row for the config at `source` whose text hashes to `sha256`. A last load
 * whose detail cannot be read (damaged, or of another shape) does not stop the start: this one is
 * recorded as changed, with `previousUnreadable` saying why.
 */
export async function recordConfigLoad(audit: Pick<AuditStore, 'append' | 'lastOf'>, source: string, sha256: string, at: number): Promise<AuditEntry> {
  const last = await audit.lastOf(CONFIG_LOAD_ACTION);
  const previous = last === null ? { sha256: null } : previousSha256Of(last);
  return audit.append({
    at,
    actor: SERVE_ACTOR,
    action: CONFIG_LOAD_ACTION,
    target: source,
    detail: { path: source, sha256, previousSha256: previous.sha256, changed: previous.sha256 !== sha256, ...('problem' in previous ? { previousUnreadable: previous.problem } : {}) },
  });
}

function previousSha256Of(entry: AuditEntry): { sha256: string | null } | { sha256: null; problem: string } {
  const parsed = parseStoredJson(entry.detail);
  if (!parsed.ok) return { sha256: null, problem: `audit row ${entry.seq}: detail ${parsed.problem}` };
  const sha256 = storedField(parsed.value, 'sha256');
  if (typeof sha256 === 'string') return { sha256 };
  return { sha256: null, problem: `audit row ${entry.seq}: detail.sha256: expected a string` };
}
