// The env × service status matrix. The config's side of it (which checks each cell holds, their
// public runbook links, how long a result stays fresh) is indexed once per config, so an answer is one
// pass over the checks: linear in their number, where filtering the checks per cell was quadratic
// (9.4 s at 6,000 cells).
import type { VigilConfig } from '../config/types.js';
import { checkStaleAfterMs } from '../probes/probe.js';
import { SEVERITIES, type CheckResult, type Incident } from '../store/types.js';
import type { CellIncidents, CellStatus, CheckStatus, ServiceStatus, StatusResponse } from './types.js';

/** A configured check as the status shows it. */
export interface IndexedCheck {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  /** A runbook link templated with a `${VAR}` shows it as ***, like every other answer. */
  readonly runbook: string | null;
  readonly staleAfterMs: number;
}

/** A configured env × service cell and its checks, in config order. */
export interface IndexedCell {
  readonly env: string;
  readonly service: string;
  readonly checks: readonly IndexedCheck[];
}

/** What the status needs of a config, built once by `statusIndex`. */
export interface StatusIndex {
  readonly environments: readonly string[];
  readonly services: StatusResponse['services'];
  readonly cells: readonly IndexedCell[];
  /** Cell position by `env\0service`, for the OTLP sources that push into a configured cell. */
  readonly cellAt: ReadonlyMap<string, number>;
}

/** The check kind of an OTLP source (collector/): shown in its env × service cell, configured or not. */
export const OTLP_KIND = 'otlp';
/** An OTLP source is unknown after this long without an export (SDKs export every 60 s by default). */
export const OTLP_STALE_AFTER_MS = 10 * 60_000;

/** The OTLP sources among the results: those of a configured cell (by position), and the discovered rest. */
export interface OtlpSources {
  readonly inCell: ReadonlyMap<number, readonly CheckResult[]>;
  /** Sources of an env × service the config does not have, by service then env. */
  readonly discovered: readonly CheckResult[];
}

export const NO_OTLP_SOURCES: OtlpSources = { inCell: new Map(), discovered: [] };

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
  const cellAt = new Map<string, number>();
  for (const service of config.services) {
    for (const env of service.environments) {
      const key = `${env}\u0000${service.name}`;
      cellAt.set(key, cells.length);
      cells.push({ env, service: service.name, checks: byCell.get(key) ?? [] });
    }
  }
  return {
    environments: config.environments,
    services: config.services.map((s) => ({ name: s.name, owner: s.owner, description: s.description })),
    cells,
    cellAt,
  };
}

/**
 * The status matrix from the indexed config and the last result of each check, at `at`. OTLP sources
 * (results of kind `otlp`) join their env × service cell; one whose service or env is not configured
 * gets a cell of its own, its service and env added after the configured ones. A pure function of its inputs.
 */
export function buildStatus(index: StatusIndex, results: ReadonlyMap<string, CheckResult>, at: number, incidents: readonly Incident[] = []): StatusResponse {
  const otlp = otlpSources(results, index.cellAt);
  const cells = [...statusCells(index, results, at, 0, index.cells.length, null, otlp), ...discoveredCells(otlp, at)];
  const { environments, services } = withDiscovered(index, otlp);
  return { generatedAt: at, environments, services, cells, incidents: cellIncidents(index, incidents, otlp) };
}

/** Sorts the OTLP sources among `results` into configured cells and discovered ones. */
export function otlpSources(results: ReadonlyMap<string, CheckResult>, cellAt: ReadonlyMap<string, number>): OtlpSources {
  const inCell = new Map<number, CheckResult[]>();
  const discovered: CheckResult[] = [];
  for (const result of results.values()) {
    if (result.kind !== OTLP_KIND) continue;
    const i = cellAt.get(`${result.env}\u0000${result.service}`);
    if (i === undefined) discovered.push(result);
    else {
      const list = inCell.get(i);
      if (list) list.push(result);
      else inCell.set(i, [result]);
    }
  }
  discovered.sort((a, b) => (a.service === b.service ? (a.env < b.env ? -1 : 1) : a.service < b.service ? -1 : 1));
  return { inCell, discovered };
}

/** The discovered sources' cells: sent in every answer (they are few), after the configured cells. */
export function discoveredCells(otlp: OtlpSources, at: number): ServiceStatus[] {
  return otlp.discovered.map((result) => {
    const checks = [otlpCheck(result, at)];
    return { env: result.env, service: result.service, status: checksStatus(checks), checks };
  });
}

/** The config's environments and services plus the discovered sources' ones, in that order. */
export function withDiscovered(index: StatusIndex, otlp: OtlpSources): Pick<StatusResponse, 'environments' | 'services'> {
  if (otlp.discovered.length === 0) return { environments: index.environments, services: index.services };
  const environments = [...index.environments];
  const services = [...index.services];
  const knownServices = new Set(services.map((s) => s.name));
  for (const result of otlp.discovered) {
    if (!environments.includes(result.env)) environments.push(result.env);
    if (!knownServices.has(result.service)) {
      knownServices.add(result.service);
      services.push({ name: result.service, owner: null, description: 'discovered: sends OpenTelemetry (OTLP)' });
    }
  }
  return { environments, services };
}

/** An OTLP source's status as its cell lists it. */
export function otlpCheck(result: CheckResult, at: number): CheckStatus {
  return checkStatus({ id: result.checkId, name: 'otlp', kind: OTLP_KIND, runbook: null, staleAfterMs: OTLP_STALE_AFTER_MS }, result, at);
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
  otlp: OtlpSources = NO_OTLP_SOURCES,
): ServiceStatus[] {
  const cells: ServiceStatus[] = [];
  for (let i = start; i < end; i++) {
    const cell = index.cells[i]!;
    const pushed = otlp.inCell.get(i);
    if (!cellInAnswer(cell, pushed, results, at, changed)) continue;
    const checks: CheckStatus[] = new Array(cell.checks.length);
    for (let j = 0; j < cell.checks.length; j++) checks[j] = checkStatus(cell.checks[j]!, results.get(cell.checks[j]!.id), at);
    if (pushed) for (const result of pushed) checks.push(otlpCheck(result, at));
    cells.push({ env: cell.env, service: cell.service, status: checksStatus(checks), checks });
  }
  return cells;
}

/**
 * Whether an answer takes a cell: a whole one (`changed` null) takes every cell; one after a cursor those
 * holding a check or OTLP source changed after it, or one without a fresh result (its detail counts the seconds).
 */
export function cellInAnswer(
  cell: IndexedCell,
  pushed: readonly CheckResult[] | undefined,
  results: ReadonlyMap<string, CheckResult>,
  at: number,
  changed: ChangedSince | null,
): boolean {
  return changed === null || cellChanged(cell, results, at, changed) || (pushed !== undefined && sourcesChanged(pushed, at, changed));
}

function cellChanged(cell: IndexedCell, results: ReadonlyMap<string, CheckResult>, at: number, changed: ChangedSince): boolean {
  for (const check of cell.checks) {
    if ((changed.changesById.get(check.id) ?? 0) > changed.since) return true;
    const result = results.get(check.id);
    if (result !== undefined && at - result.ts > check.staleAfterMs) return true;
  }
  return false;
}

function sourcesChanged(sources: readonly CheckResult[], at: number, changed: ChangedSince): boolean {
  return sources.some((result) => (changed.changesById.get(result.checkId) ?? 0) > changed.since || at - result.ts > OTLP_STALE_AFTER_MS);
}

function checksStatus(checks: readonly CheckStatus[]): CellStatus {
  let known = 0;
  let down = 0;
  let up = 0;
  for (const check of checks) {
    if (check.status === 'unknown') continue;
    known++;
    if (check.status === 'down') down++;
    else if (check.status === 'up') up++;
  }
  return countsStatus(known, down, up);
}

/** A configured check's status at `at` from its last result (none: it has not run yet). */
export function checkStatus(check: IndexedCheck, result: CheckResult | undefined, at: number): CheckStatus {
  const { id, name, kind, runbook } = check;
  if (!result) return { id, name, kind, runbook, status: 'unknown', lastRunAt: null, durationSeconds: null, error: null, detail: null };
  const seconds = secondsStale(result.ts, check.staleAfterMs, at);
  const stale = seconds !== -1;
  return {
    id,
    name,
    kind,
    runbook,
    status: stale ? 'unknown' : result.success ? (result.degraded ? 'degraded' : 'up') : 'down',
    lastRunAt: result.ts,
    durationSeconds: result.durationSeconds,
    error: result.error,
    detail: stale ? `no result for ${seconds}s` : result.detail,
  };
}

/** The seconds a check whose last result is from `ts` has gone without a fresh one (as its detail says), or -1 while fresh. */
export function secondsStale(ts: number, staleAfterMs: number, at: number): number {
  return at - ts > staleAfterMs ? Math.round((at - ts) / 1000) : -1;
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

/** A cell's status from how many of its checks are known (not unknown), down and up. */
export function countsStatus(known: number, down: number, up: number): CellStatus {
  if (known === 0) return 'unknown';
  if (down === known) return 'down';
  if (up !== known) return 'degraded';
  return 'up';
}

/**
 * Open incidents per cell, in the order of `index.cells` (incidents of no known cell, e.g. one without
 * env or service, are left out): the badge each cell of the matrix and the wall shows.
 */
export function cellIncidents(index: StatusIndex, incidents: readonly Incident[], otlp: OtlpSources = NO_OTLP_SOURCES): CellIncidents[] {
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
  for (const cell of [...index.cells, ...otlp.discovered]) {
    const seen = byCell.get(`${cell.env}\u0000${cell.service}`);
    if (seen) cells.push({ env: cell.env, service: cell.service, open: seen.open, severity: SEVERITIES[seen.rank]! });
  }
  return cells;
}
