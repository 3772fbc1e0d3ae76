import { computed, type ReadonlySignal } from '@preact/signals';
import type { CellStatus, IncidentJson, StatusResponse } from '../../api/types.js';
import type { ApiClient } from '../api-client.js';
import type { SloStatus } from '../../rules/types.js';
import type { Severity } from '../../store/types.js';
import { orderActive } from './incidents.js';
import type { VisibilitySource } from './poller.js';
import { createResource, type Resource } from './resource.js';
import type { SloModel } from './slos.js';

/** One tile of the wall: an env × service cell, or the healthy cells of an environment folded into one. */
export type WallTile =
  | {
      readonly kind: 'cell';
      readonly env: string;
      readonly service: string;
      readonly status: CellStatus;
      /** What is wrong, in a few words (`http: HTTP 500`), or null when all is well. */
      readonly reason: string | null;
    }
  | { readonly kind: 'healthy'; readonly env: string; readonly count: number }
  | { readonly kind: 'more'; readonly count: number };

/** The tiles and how to lay them out: a grid of env columns × service rows, or problem tiles in a flow. */
export interface WallTiles {
  readonly mode: 'matrix' | 'problems';
  readonly columns: number;
  readonly rows: number;
  readonly tiles: readonly WallTile[];
}

const STATUS_RANK: Readonly<Record<CellStatus, number>> = { down: 0, degraded: 1, unknown: 2, up: 3 };
/** Up to this many cells the wall shows the whole matrix; a bigger system shows its problems and folds the rest. */
export const WALL_MATRIX_MAX = 48;
/** Problem tiles at most (a wall shows twenty problems readably; more is "and N more"). */
export const WALL_PROBLEM_MAX = 20;

function reasonOf(cell: StatusResponse['cells'][number]): string | null {
  if (cell.status === 'up') return null;
  const failing = cell.checks.find((check) => check.status !== 'up');
  if (!failing) return null;
  const why = failing.error ?? failing.detail ?? failing.status;
  // Probe errors often name their check already (`http: expected status 200, got 500`).
  return (why.startsWith(`${failing.name}:`) ? why : `${failing.name}: ${why}`).slice(0, 120);
}

/** The wall's tiles for a status answer. */
export function wallTiles(status: StatusResponse): WallTiles {
  const environments = status.environments;
  const services = status.services.map((service) => service.name);
  const byKey = new Map(status.cells.map((cell) => [`${cell.env}\u0000${cell.service}`, cell]));
  if (status.cells.length <= WALL_MATRIX_MAX) {
    const tiles: WallTile[] = [];
    for (const service of services) {
      for (const env of environments) {
        const cell = byKey.get(`${env}\u0000${service}`);
        tiles.push(cell ? { kind: 'cell', env, service, status: cell.status, reason: reasonOf(cell) } : { kind: 'cell', env, service, status: 'unknown', reason: 'not configured here' });
      }
    }
    return { mode: 'matrix', columns: Math.max(1, environments.length), rows: Math.max(1, services.length), tiles };
  }
  const envRank = new Map(environments.map((env, index) => [env, index]));
  const problems = status.cells
    .filter((cell) => cell.status !== 'up')
    .sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || (envRank.get(b.env) ?? 0) - (envRank.get(a.env) ?? 0) || a.service.localeCompare(b.service));
  const shown = problems.length > WALL_PROBLEM_MAX ? problems.slice(0, WALL_PROBLEM_MAX - 1) : problems;
  const tiles: WallTile[] = shown.map((cell) => ({ kind: 'cell', env: cell.env, service: cell.service, status: cell.status, reason: reasonOf(cell) }));
  if (shown.length < problems.length) tiles.push({ kind: 'more', count: problems.length - shown.length });
  for (const env of environments) {
    const count = status.cells.filter((cell) => cell.env === env && cell.status === 'up').length;
    if (count > 0) tiles.push({ kind: 'healthy', env, count });
  }
  const columns = tiles.length <= 8 ? 2 : tiles.length <= 15 ? 3 : 4;
  return { mode: 'problems', columns, rows: Math.ceil(tiles.length / columns), tiles };
}

/** Open and acknowledged incidents per severity. */
export function severityCounts(incidents: readonly IncidentJson[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { page: 0, ticket: 0, info: 0 };
  for (const incident of incidents) if (incident.state !== 'resolved') counts[incident.severity]++;
  return counts;
}

/** The SRE wall (`#/wall`): the status tiles, the open incidents and the SLOs, refreshed on their own. */
export interface WallModel {
  readonly tiles: ReadonlySignal<WallTiles | null>;
  /** Unresolved incidents, open and paging first; null before the first answer. */
  readonly incidents: ReadonlySignal<readonly IncidentJson[] | null>;
  readonly counts: ReadonlySignal<Record<Severity, number> | null>;
  readonly slos: ReadonlySignal<readonly SloStatus[] | null>;
  /** The first failure among the wall's sources, or null. */
  readonly error: ReadonlySignal<string | null>;
  readonly incidentResource: Resource<{ readonly incidents: readonly IncidentJson[] }>;
}

export function createWallModel(options: {
  api: ApiClient;
  status: ReadonlySignal<StatusResponse | null>;
  statusError: ReadonlySignal<string | null>;
  slos: SloModel;
  visibility?: VisibilitySource;
  intervalMs?: number;
}): WallModel {
  const incidentResource = createResource({
    load: (signal) => options.api.incidents({ states: ['open', 'acknowledged'], limit: 500 }, signal),
    intervalMs: options.intervalMs ?? 10_000,
    visibility: options.visibility,
  });
  const incidents = computed(() => (incidentResource.data.value === null ? null : orderActive(incidentResource.data.value.incidents)));
  return {
    tiles: computed(() => (options.status.value === null ? null : wallTiles(options.status.value))),
    incidents,
    counts: computed(() => (incidents.value === null ? null : severityCounts(incidents.value))),
    slos: options.slos.slos,
    error: computed(() => options.statusError.value ?? incidentResource.error.value ?? options.slos.error.value),
    incidentResource,
  };
}
