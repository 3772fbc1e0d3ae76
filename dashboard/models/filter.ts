import type { ReadonlySignal } from '@preact/signals';
import { parseFilter, writeFilter, type MatrixFilter, type StatusFilter } from './matrix.js';
import type { RouteModel } from './route.js';
import { stableComputed } from './stable.js';

/** The overview's filter, read from and written to the URL hash (`#/?q=pay&status=failing`). */
export interface FilterModel {
  readonly filter: ReadonlySignal<MatrixFilter>;
  setText(text: string): void;
  setStatus(status: StatusFilter): void;
  setShowHealthy(show: boolean): void;
  clear(): void;
}

export function createFilterModel(route: RouteModel): FilterModel {
  const filter = stableComputed(
    () => parseFilter(route.route.value.query),
    (a, b) => a.text === b.text && a.status === b.status && a.showHealthy === b.showHealthy,
  );
  const update = (change: Partial<MatrixFilter>) => route.replaceQuery(writeFilter(route.route.peek().query, { ...filter.peek(), ...change }));
  return {
    filter,
    setText: (text) => update({ text: text.slice(0, 200) }),
    setStatus: (status) => update({ status }),
    setShowHealthy: (showHealthy) => update({ showHealthy }),
    clear: () => update({ text: '', status: 'all' }),
  };
}
