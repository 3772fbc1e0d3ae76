// The status matrix as rows, reconciled poll by poll so that what did not change keeps its identity,
// and laid out for scale: problems first by severity, healthy services folded into one line.
import type { CellStatus, CheckStatus, ServiceStatus, StatusResponse } from '../../api/types.js';

/** A service as the status answer lists it. */
export type ServiceInfo = StatusResponse['services'][number];

/** Worst first: the order in which the folded matrix lists services. */
export const SEVERITY: Readonly<Record<CellStatus, number>> = { down: 0, degraded: 1, unknown: 2, up: 3 };

/** Up to this many services the matrix shows every row in config order; past it, problems first and healthy folded. */
export const FOLD_AFTER_SERVICES = 12;

/** One service and its cell per environment (config order; undefined where it does not run). */
export interface MatrixRow {
  readonly service: ServiceInfo;
  readonly cells: readonly (ServiceStatus | undefined)[];
  /** The worst status of its cells; `unknown` for a service without any. */
  readonly worst: CellStatus;
}

/** The status answer as rows; everything that did not change between two answers is the same object. */
export interface MatrixSnapshot {
  readonly environments: readonly string[];
  readonly services: readonly ServiceInfo[];
  readonly rows: ReadonlyMap<string, MatrixRow>;
}

/** Checks that are failing or degraded in a cell, the ones a person must read about. */
export function failingChecks(cell: ServiceStatus): readonly CheckStatus[] {
  return cell.checks.filter((check) => check.status === 'down' || check.status === 'degraded');
}

/** The worst status among cells that exist; `unknown` when there are none. */
export function worstStatus(cells: readonly (ServiceStatus | undefined)[]): CellStatus {
  let worst: CellStatus | null = null;
  for (const cell of cells) if (cell !== undefined && (worst === null || SEVERITY[cell.status] < SEVERITY[worst])) worst = cell.status;
  return worst ?? 'unknown';
}

function sameCheck(a: CheckStatus, b: CheckStatus): boolean {
  return (
    a.id === b.id &&
    a.status === b.status &&
    a.lastRunAt === b.lastRunAt &&
    a.durationSeconds === b.durationSeconds &&
    a.error === b.error &&
    a.detail === b.detail &&
    a.name === b.name &&
    a.kind === b.kind &&
    a.runbook === b.runbook
  );
}

/** True when two answers for a cell would show the same thing (status, and every check's outcome and run). */
export function sameCell(a: ServiceStatus | undefined, b: ServiceStatus | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (a.status !== b.status || a.env !== b.env || a.service !== b.service || a.checks.length !== b.checks.length) return false;
  return a.checks.every((check, index) => sameCheck(check, b.checks[index]!));
}

function sameServices(a: readonly ServiceInfo[], b: readonly ServiceInfo[]): boolean {
  return (
    a.length === b.length &&
    a.every((service, index) => {
      const other = b[index]!;
      return service.name === other.name && service.owner === other.owner && service.description === other.description;
    })
  );
}

/**
 * The snapshot of a new status answer. Every cell equal to the previous one is the previous object, a row
 * whose cells all stayed is the previous row, and an answer that changed nothing returns `previous`
 * itself: readers downstream compare by identity and skip the work.
 */
export function reconcile(previous: MatrixSnapshot | null, answer: StatusResponse): MatrixSnapshot {
  const environments = previous && sameItems(previous.environments, answer.environments) ? previous.environments : answer.environments;
  const services = previous && sameServices(previous.services, answer.services) ? previous.services : answer.services;
  const envIndex = new Map(environments.map((env, index) => [env, index]));
  const cellsByService = new Map<string, (ServiceStatus | undefined)[]>();
  for (const cell of answer.cells) {
    const column = envIndex.get(cell.env);
    if (column === undefined) continue;
    let cells = cellsByService.get(cell.service);
    if (cells === undefined) cellsByService.set(cell.service, (cells = new Array<ServiceStatus | undefined>(environments.length).fill(undefined)));
    cells[column] = cell;
  }

  let changed = previous === null || environments !== previous.environments || services !== previous.services;
  const rows = new Map<string, MatrixRow>();
  for (const service of services) {
    const before = previous?.rows.get(service.name);
    const fresh = cellsByService.get(service.name) ?? new Array<ServiceStatus | undefined>(environments.length).fill(undefined);
    const cells = fresh.map((cell, index) => {
      const old = before?.cells[index];
      return sameCell(old, cell) ? old : cell;
    });
    const kept = before !== undefined && before.service === service && before.cells.length === cells.length && cells.every((cell, index) => cell === before.cells[index]);
    const row = kept ? before : { service, cells, worst: worstStatus(cells) };
    if (row !== before) changed = true;
    rows.set(service.name, row);
  }
  return changed || previous === null ? { environments, services, rows } : previous;
}

/** Which services the matrix shows: `failing` is down or degraded; `up` is every cell up. */
export type StatusFilter = 'all' | 'failing' | 'down' | 'degraded' | 'unknown' | 'up';

export const STATUS_FILTERS: readonly StatusFilter[] = ['all', 'failing', 'down', 'degraded', 'unknown', 'up'];

/** What the person looking asked to see; kept in the URL hash so a wall-screen link keeps it. */
export interface MatrixFilter {
  /** A case-insensitive substring of the service name or its owner; empty for every service. */
  readonly text: string;
  readonly status: StatusFilter;
  /** Whether the folded healthy services are listed. */
  readonly showHealthy: boolean;
}

export const NO_FILTER: MatrixFilter = { text: '', status: 'all', showHealthy: false };

/** `#/?q=pay&status=failing&healthy=show` → the filter; anything unrecognised reads as no filter. */
export function parseFilter(query: URLSearchParams): MatrixFilter {
  const status = query.get('status');
  return {
    text: (query.get('q') ?? '').slice(0, 200),
    status: STATUS_FILTERS.includes(status as StatusFilter) ? (status as StatusFilter) : 'all',
    showHealthy: query.get('healthy') === 'show',
  };
}

/** `query` with the filter written into it (other parameters kept); defaults are left out to keep links short. */
export function writeFilter(query: URLSearchParams, filter: MatrixFilter): URLSearchParams {
  const next = new URLSearchParams(query);
  if (filter.text) next.set('q', filter.text);
  else next.delete('q');
  if (filter.status !== 'all') next.set('status', filter.status);
  else next.delete('status');
  if (filter.showHealthy) next.set('healthy', 'show');
  else next.delete('healthy');
  return next;
}

/** True when a filter narrows what is shown (folding aside). */
export function isFiltering(filter: MatrixFilter): boolean {
  return filter.text.trim() !== '' || filter.status !== 'all';
}

/**
 * What ordering, folding, filtering and counting depend on: a service and the status of each of its
 * cells. It changes far less often than the cells themselves (whose latency and run time change every run).
 */
export interface RowShape {
  readonly service: ServiceInfo;
  readonly statuses: readonly (CellStatus | undefined)[];
  readonly worst: CellStatus;
}

/** Shapes by service name, in config order. */
export type MatrixShape = ReadonlyMap<string, RowShape>;

/** The shape of a snapshot; `previous` itself when no service and no cell status changed. */
export function shapeOf(previous: MatrixShape | null, snapshot: MatrixSnapshot): MatrixShape {
  const shape = new Map<string, RowShape>();
  let changed = previous === null || previous.size !== snapshot.services.length;
  for (const service of snapshot.services) {
    const row = snapshot.rows.get(service.name)!;
    const before = previous?.get(service.name);
    const statuses = row.cells.map((cell) => cell?.status);
    const kept = before !== undefined && before.service === service && sameItems(before.statuses, statuses);
    if (!kept) changed = true;
    shape.set(service.name, kept ? before : { service, statuses, worst: row.worst });
  }
  return changed || previous === null ? shape : previous;
}

/** Whether a service passes the filter's text and status. */
export function matchesFilter(row: RowShape, filter: MatrixFilter): boolean {
  const needle = filter.text.trim().toLowerCase();
  if (needle !== '') {
    if (!row.service.name.toLowerCase().includes(needle) && !(row.service.owner ?? '').toLowerCase().includes(needle)) return false;
  }
  switch (filter.status) {
    case 'all':
      return true;
    case 'up':
      return row.worst === 'up';
    case 'failing':
      return row.statuses.some((status) => status === 'down' || status === 'degraded');
    default:
      return row.statuses.includes(filter.status);
  }
}

/** A line of the matrix: a service, or the line standing for the healthy services folded away. */
export type MatrixItem =
  | { readonly kind: 'row'; readonly service: string }
  | { readonly kind: 'fold'; readonly count: number; readonly expanded: boolean };

/** `full`: every row in config order (a handful of services); `folded`: problems first, healthy folded. */
export type MatrixLayout = 'full' | 'folded';

export function layoutFor(serviceCount: number): MatrixLayout {
  return serviceCount > FOLD_AFTER_SERVICES ? 'folded' : 'full';
}

/** The services that pass the filter, in the order they are shown: config order, or worst first when folded. */
export function orderServices(shape: MatrixShape, filter: MatrixFilter, layout: MatrixLayout): readonly string[] {
  const matching: RowShape[] = [];
  for (const row of shape.values()) if (matchesFilter(row, filter)) matching.push(row);
  // Array.prototype.sort is stable: services of equal severity stay in config order.
  if (layout === 'folded') matching.sort((a, b) => SEVERITY[a.worst] - SEVERITY[b.worst]);
  return matching.map((row) => row.service.name);
}

/**
 * The lines of the matrix. Folded: every matching service with a problem (down, degraded, unknown)
 * worst first, then one line for the healthy ones, then, when expanded, the healthy ones. A status
 * filter of `up` lists the healthy services without folding: they are what was asked for.
 */
export function matrixItems(shape: MatrixShape, ordered: readonly string[], filter: MatrixFilter, layout: MatrixLayout): readonly MatrixItem[] {
  const rows = (names: readonly string[]): MatrixItem[] => names.map((service) => ({ kind: 'row', service }));
  if (layout === 'full' || filter.status === 'up') return rows(ordered);
  const problems = ordered.filter((name) => shape.get(name)?.worst !== 'up');
  const healthy = ordered.filter((name) => shape.get(name)?.worst === 'up');
  if (healthy.length === 0) return rows(problems);
  return [...rows(problems), { kind: 'fold', count: healthy.length, expanded: filter.showHealthy }, ...(filter.showHealthy ? rows(healthy) : [])];
}

/** Counts of cells by status, for the panel head. */
export type StatusCounts = Readonly<Record<CellStatus, number>>;

export function countCells(shape: MatrixShape): StatusCounts {
  const counts = { up: 0, degraded: 0, down: 0, unknown: 0 };
  for (const row of shape.values()) for (const status of row.statuses) if (status !== undefined) counts[status] += 1;
  return counts;
}

/** One failing check with the cell it belongs to. */
export interface Problem {
  readonly cell: ServiceStatus;
  readonly check: CheckStatus;
}

/** Every failing or degraded check of the given services, in that order, then environments in config order. */
export function problemsOf(snapshot: MatrixSnapshot, services: readonly string[]): readonly Problem[] {
  const problems: Problem[] = [];
  for (const name of services) {
    const row = snapshot.rows.get(name);
    if (row === undefined || row.worst === 'up') continue;
    for (const cell of row.cells) {
      if (cell === undefined || (cell.status !== 'down' && cell.status !== 'degraded')) continue;
      for (const check of failingChecks(cell)) problems.push({ cell, check });
    }
  }
  return problems;
}

/** The slice of a list of equal-height items that a scrolled viewport shows, with `overscan` items either side. */
export function visibleWindow(opts: {
  readonly scrollTop: number;
  readonly viewportHeight: number;
  readonly itemPitch: number;
  readonly itemCount: number;
  readonly overscan: number;
}): { readonly start: number; readonly end: number } {
  const { scrollTop, viewportHeight, itemPitch, itemCount, overscan } = opts;
  const first = Math.floor(Math.max(0, scrollTop) / itemPitch);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / itemPitch);
  const start = Math.max(0, Math.min(first - overscan, itemCount));
  const end = Math.min(itemCount, Math.max(last + overscan, start));
  return { start, end };
}

/** What a windowed list renders: a spacer for `before` items, the items at `indices`, a spacer for `after` items. */
export interface RenderedSlice {
  readonly before: number;
  readonly indices: readonly number[];
  readonly after: number;
}

/**
 * The window's items, plus the item at `pinned` (the fold line) wherever it is: out of view it is
 * rendered at the window's edge, where CSS `position: sticky` holds it at the viewport's edge, and one
 * spacer item fewer keeps every other row at its place.
 */
export function sliceWithPinned(window: { readonly start: number; readonly end: number }, itemCount: number, pinned: number): RenderedSlice {
  const { start, end } = window;
  const inWindow = Array.from({ length: Math.max(0, end - start) }, (_, offset) => start + offset);
  if (pinned < 0 || pinned >= itemCount || (pinned >= start && pinned < end)) return { before: start, indices: inWindow, after: itemCount - end };
  if (pinned < start) return { before: start - 1, indices: [pinned, ...inWindow], after: itemCount - end };
  return { before: start, indices: [...inWindow, pinned], after: itemCount - end - 1 };
}

/** Element-wise identity of two lists. */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/** True when two item lists show the same lines. */
export function sameMatrixItems(a: readonly MatrixItem[], b: readonly MatrixItem[]): boolean {
  return (
    a.length === b.length &&
    a.every((item, index) => {
      const other = b[index]!;
      if (item.kind === 'row') return other.kind === 'row' && other.service === item.service;
      return other.kind === 'fold' && other.count === item.count && other.expanded === item.expanded;
    })
  );
}

/** True when two problem lists name the same cells and checks (identity, as reconciled). */
export function sameProblems(a: readonly Problem[], b: readonly Problem[]): boolean {
  return a.length === b.length && a.every((problem, index) => problem.cell === b[index]!.cell && problem.check === b[index]!.check);
}
