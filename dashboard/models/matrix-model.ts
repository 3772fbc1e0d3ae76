import { computed, type ReadonlySignal } from '@preact/signals';
import type { CellIncidents, StatusResponse } from '../../api/types.js';
import {
  countCells,
  layoutFor,
  matrixItems,
  orderServices,
  problemsOf,
  reconcile,
  sameItems,
  sameMatrixItems,
  sameProblems,
  shapeOf,
  type MatrixFilter,
  type MatrixItem,
  type MatrixLayout,
  type MatrixRow,
  type MatrixShape,
  type MatrixSnapshot,
  type Problem,
  type ServiceInfo,
  type StatusCounts,
} from './matrix.js';
import { stableComputed } from './stable.js';

/**
 * The status answer as the overview shows it. Each poll is reconciled against the previous one, and
 * each reader depends on the least it needs: a row on its own cells, the order and the folding on the
 * statuses only, so a poll that changes one cell's latency re-renders that cell and nothing else.
 */
export interface MatrixModel {
  /** The reconciled answer, or null before the first one. */
  readonly snapshot: ReadonlySignal<MatrixSnapshot | null>;
  /** Environments in config order; the same array until the list changes. */
  readonly environments: ReadonlySignal<readonly string[]>;
  readonly services: ReadonlySignal<readonly ServiceInfo[]>;
  readonly layout: ReadonlySignal<MatrixLayout>;
  /** The services passing the filter, in display order (folded ones included). */
  readonly ordered: ReadonlySignal<readonly string[]>;
  /** The lines of the matrix: rows and the fold line. */
  readonly items: ReadonlySignal<readonly MatrixItem[]>;
  /** Cells by status, over every service. */
  readonly counts: ReadonlySignal<StatusCounts>;
  /** Failing checks of the services shown, in display order. */
  readonly problems: ReadonlySignal<readonly Problem[]>;
  /** One service's row; the same signal for the same name, changing only when one of its cells does. */
  row(service: string): ReadonlySignal<MatrixRow | undefined>;
  /** Open incidents of one cell; the same signal for the same cell, changing only when they do. */
  cellIncidents(env: string, service: string): ReadonlySignal<CellIncidents | undefined>;
}

const NO_SERVICES: readonly ServiceInfo[] = [];
const NO_ENVIRONMENTS: readonly string[] = [];

export function createMatrixModel(status: ReadonlySignal<StatusResponse | null>, filter: ReadonlySignal<MatrixFilter>): MatrixModel {
  let previousSnapshot: MatrixSnapshot | null = null;
  const snapshot = computed(() => {
    const answer = status.value;
    if (answer === null) return null;
    previousSnapshot = reconcile(previousSnapshot, answer);
    return previousSnapshot;
  });
  let previousShape: MatrixShape | null = null;
  const shape = computed(() => {
    const current = snapshot.value;
    if (current === null) return null;
    previousShape = shapeOf(previousShape, current);
    return previousShape;
  });
  const environments = computed(() => snapshot.value?.environments ?? NO_ENVIRONMENTS);
  const services = computed(() => snapshot.value?.services ?? NO_SERVICES);
  const layout = computed(() => layoutFor(services.value.length));
  const ordered = stableComputed(() => {
    const current = shape.value;
    return current === null ? [] : orderServices(current, filter.value, layout.value);
  }, sameItems);
  const items = stableComputed(() => {
    const current = shape.value;
    return current === null ? [] : matrixItems(current, ordered.value, filter.value, layout.value);
  }, sameMatrixItems);
  const counts = stableComputed(
    () => (shape.value === null ? { up: 0, degraded: 0, down: 0, unknown: 0 } : countCells(shape.value)),
    (a, b) => a.up === b.up && a.down === b.down && a.degraded === b.degraded && a.unknown === b.unknown,
  );
  const problems = stableComputed(() => {
    const current = snapshot.value;
    return current === null ? [] : problemsOf(current, ordered.value);
  }, sameProblems);

  const incidentsByCell = computed(() => new Map((status.value?.incidents ?? []).map((cell) => [`${cell.env}\u0000${cell.service}`, cell])));
  const incidentSignals = new Map<string, ReadonlySignal<CellIncidents | undefined>>();
  const rowSignals = new Map<string, ReadonlySignal<MatrixRow | undefined>>();
  return {
    snapshot,
    environments,
    services,
    layout,
    ordered,
    items,
    counts,
    problems,
    row(service) {
      let row = rowSignals.get(service);
      if (row === undefined) rowSignals.set(service, (row = computed(() => snapshot.value?.rows.get(service))));
      return row;
    },
    cellIncidents(env, service) {
      const key = `${env}\u0000${service}`;
      let cell = incidentSignals.get(key);
      const same = (a: CellIncidents | undefined, b: CellIncidents | undefined) => a?.open === b?.open && a?.severity === b?.severity;
      if (cell === undefined) incidentSignals.set(key, (cell = stableComputed(() => incidentsByCell.value.get(key), same)));
      return cell;
    },
  };
}
