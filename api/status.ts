// The env × service status matrix. The config's side of it (which checks each cell holds, their
// public runbook links, how long a result stays fresh) is indexed once per config, so an answer is one
// pass over the checks: linear in their number, where filtering the checks per cell was quadratic
// (9.4 s at 6,000 cells).
import type { VigilConfig } from '../config/types.js';
import { checkStaleAfterMs } from '../probes/probe.js';
import { SEVERITIES, type CheckResult, type Incident } from '../store/types.js';
import type { CellIncidents, CellStatus, CheckStatus, ServiceStatus, StatusResponse } from './types.js';

interface IndexedCheck {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  /** A runbook link templated with a `${VAR}` shows it as ***, like every other answer. */
  readonly runbook: string | null;
  readonly staleAfterMs: number;
}

interface IndexedCell {
  readonly env: string;
  readonly service: string;
  readonly checks: readonly IndexedCheck[];
}

/** What the status needs of a config, built once by `statusIndex`. */
export interface StatusIndex {
  readonly environments: readonly string[];
  readonly services: StatusResponse['services'];
  readonly cells: readonly IndexedCell[];
}

/** Indexes a config for `buildStatus`: cells in service order, then environment order, each with its checks. */
export function statusIndex(config: VigilConfig): StatusIndex {
  const byCell = new Map<string, IndexedCheck[]>();
  for (const check of config.checks) {
    const key = `${check.env}\u0000${check.service}`;
    let checks = byCell.get(key);
    if (!checks) byCell.set(key, (checks = []));
    checks.push({
      id: check.id,
      name: check.name,
      kind: check.kind,
      runbook: check.runbook === null ? null : config.secrets.scrub(check.runbook),
      staleAfterMs: checkStaleAfterMs(check),
    });
  }
  const cells: IndexedCell[] = [];
  for (const service of config.services) {
    for (const env of service.environments) cells.push({ env, service: service.name, checks: byCell.get(`${env}\u0000${service.name}`) ?? [] });
  }
  return {
    environments: config.environments,
    services: config.services.map((s) => ({ name: s.name, owner: s.owner, description: s.description })),
    cells,
  };
}

/** The status matrix from the indexed config and the last result of each check, at `at`. A pure function of its inputs. */
export function buildStatus(index: StatusIndex, results: ReadonlyMap<string, CheckResult>, at: number, incidents: readonly Incident[] = []): StatusResponse {
  const cells = statusCells(index, results, at, 0, index.cells.length, null);
  return { generatedAt: at, environments: index.environments, services: index.services, cells, incidents: cellIncidents(index, incidents) };
}

/** Which cells a poll with a cursor takes: those holding a check changed after `since`. */
export interface ChangedSince {
  readonly since: number;
  /** The cursor of each check's last change. */
  readonly changesById: ReadonlyMap<string, number>;
}

/**
 * Cells `start` to `end` (exclusive) of the matrix at `at`; with `changed`, only those holding a check
 * changed after its cursor or one without a fresh result (its detail counts the seconds). A pure
 * function of its inputs, sliced so that a large matrix is built between other work on the loop.
 */
export function statusCells(
  index: StatusIndex,
  results: ReadonlyMap<string, CheckResult>,
  at: number,
  start: number,
  end: number,
  changed: ChangedSince | null,
): ServiceStatus[] {
  const cells: ServiceStatus[] = [];
  for (let i = start; i < end; i++) {
    const cell = index.cells[i]!;
    if (changed !== null && !cellChanged(cell, results, at, changed)) continue;
    const checks: CheckStatus[] = new Array(cell.checks.length);
    let known = 0;
    let down = 0;
    let up = 0;
    for (let j = 0; j < cell.checks.length; j++) {
      const check = checks[j] = checkStatus(cell.checks[j]!, results.get(cell.checks[j]!.id), at);
      if (check.status === 'unknown') continue;
      known++;
      if (check.status === 'down') down++;
      else if (check.status === 'up') up++;
    }
    cells.push({ env: cell.env, service: cell.service, status: countsStatus(known, down, up), checks });
  }
  return cells;
}

function cellChanged(cell: IndexedCell, results: ReadonlyMap<string, CheckResult>, at: number, changed: ChangedSince): boolean {
  for (const check of cell.checks) {
    if ((changed.changesById.get(check.id) ?? 0) > changed.since) return true;
    const result = results.get(check.id);
    if (result !== undefined && at - result.ts > check.staleAfterMs) return true;
  }
  return false;
}

function checkStatus(check: IndexedCheck, result: CheckResult | undefined, at: number): CheckStatus {
  const { id, name, kind, runbook } = check;
  if (!result) return { id, name, kind, runbook, status: 'unknown', lastRunAt: null, durationSeconds: null, error: null, detail: null };
  const stale = at - result.ts > check.staleAfterMs;
  return {
    id,
    name,
    kind,
    runbook,
    status: stale ? 'unknown' : result.success ? (result.degraded ? 'degraded' : 'up') : 'down',
    lastRunAt: result.ts,
    durationSeconds: result.durationSeconds,
    error: result.error,
    detail: stale ? `no result for ${Math.round((at - result.ts) / 1000)}s` : result.detail,
  };
}

/** down: every known check fails; degraded: some fail or report degraded; up: all known pass; unknown: none known. */
export function cellStatus(statuses: readonly CellStatus[]): CellStatus {
  let known = 0;
  let down = 0;
  let up = 0;
  for (const status of statuses) {
    if (status === 'unknown') continue;
    known++;
    if (status === 'down') down++;
    else if (status === 'up') up++;
  }
  return countsStatus(known, down, up);
}

function countsStatus(known: number, down: number, up: number): CellStatus {
  if (known === 0) return 'unknown';
  if (down === known) return 'down';
  if (up !== known) return 'degraded';
  return 'up';
}

/**
 * Open incidents per cell, in the order of `index.cells` (incidents of no known cell, e.g. one without
 * env or service, are left out): the badge each cell of the matrix and the wall shows.
 */
export function cellIncidents(index: StatusIndex, incidents: readonly Incident[]): CellIncidents[] {
  const byCell = new Map<string, { open: number; rank: number }>();
  for (const incident of incidents) {
    if (incident.state === 'resolved' || incident.env === null || incident.service === null) continue;
    const key = `${incident.env}\u0000${incident.service}`;
    const rank = SEVERITIES.indexOf(incident.severity);
    const seen = byCell.get(key);
    byCell.set(key, seen ? { open: seen.open + 1, rank: Math.min(seen.rank, rank) } : { open: 1, rank });
  }
  if (byCell.size === 0) return [];
  const cells: CellIncidents[] = [];
  for (const cell of index.cells) {
    const seen = byCell.get(`${cell.env}\u0000${cell.service}`);
    if (seen) cells.push({ env: cell.env, service: cell.service, open: seen.open, severity: SEVERITIES[seen.rank]! });
  }
  return cells;
}
