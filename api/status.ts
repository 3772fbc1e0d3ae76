import type { VigilConfig } from '../config/types.js';
import { checkStaleAfterMs } from '../probes/probe.js';
import type { CheckResult } from '../store/types.js';
import type { CellStatus, CheckStatus, StatusResponse } from './types.js';

/** The env × service status matrix from the config and the last result of each check. A pure function of its inputs. */
export function buildStatus(config: VigilConfig, results: readonly CheckResult[], at: number): StatusResponse {
  const byId = new Map(results.map((r) => [r.checkId, r]));
  const cells = [];
  for (const service of config.services) {
    for (const env of config.environments) {
      if (!service.environments.includes(env)) continue;
      const checks = config.checks
        .filter((c) => c.env === env && c.service === service.name)
        .map((check): CheckStatus => {
          const result = byId.get(check.id);
          // A runbook link templated with a `${VAR}` shows it as ***, like every other answer.
          const runbook = check.runbook === null ? null : config.secrets.scrub(check.runbook);
          const base = { id: check.id, name: check.name, kind: check.kind, runbook };
          if (!result) return { ...base, status: 'unknown', lastRunAt: null, durationSeconds: null, error: null, detail: null };
          const staleAfterMs = checkStaleAfterMs(check);
          const stale = at - result.ts > staleAfterMs;
          return {
            ...base,
            status: stale ? 'unknown' : result.success ? (result.degraded ? 'degraded' : 'up') : 'down',
            lastRunAt: result.ts,
            durationSeconds: result.durationSeconds,
            error: result.error,
            detail: stale ? `no result for ${Math.round((at - result.ts) / 1000)}s` : result.detail,
          };
        });
      cells.push({ env, service: service.name, status: cellStatus(checks.map((c) => c.status)), checks });
    }
  }
  return {
    generatedAt: at,
    environments: config.environments,
    services: config.services.map((s) => ({ name: s.name, owner: s.owner, description: s.description })),
    cells,
  };
}

/** down: every known check fails; degraded: some fail or report degraded; up: all known pass; unknown: none known. */
export function cellStatus(statuses: readonly CellStatus[]): CellStatus {
  const known = statuses.filter((s) => s !== 'unknown');
  if (known.length === 0) return 'unknown';
  if (known.every((s) => s === 'down')) return 'down';
  if (known.some((s) => s !== 'up')) return 'degraded';
  return 'up';
}
