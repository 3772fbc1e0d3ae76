import { computed, type ReadonlySignal } from '@preact/signals';
import type { ApiClient } from '../api-client.js';
import { createFilterModel, type FilterModel } from './filter.js';
import { createLatencyModel, type LatencyModel } from './latency.js';
import { createMatrixModel, type MatrixModel } from './matrix-model.js';
import { createRouteModel, type RouteModel } from './route.js';
import { createSelectionModel, type SelectionModel } from './selection.js';
import { createStatusModel, type StatusModel } from './status.js';
import type { VisibilitySource } from './poller.js';

/** Every piece of dashboard state, built once by main.tsx and handed to the views. */
export interface Models {
  /** The dashboard's clock (epoch ms). */
  readonly now: () => number;
  readonly route: RouteModel;
  readonly status: StatusModel;
  /** True once the first status answer arrived. */
  readonly hasStatus: ReadonlySignal<boolean>;
  readonly filter: FilterModel;
  readonly matrix: MatrixModel;
  /** Environments in config order; the same array until the list changes. */
  readonly environments: ReadonlySignal<readonly string[]>;
  readonly selection: SelectionModel;
  readonly latency: LatencyModel;
  start(): void;
  stop(): void;
}

export interface ModelsOptions {
  readonly api: ApiClient;
  readonly now: () => number;
  readonly visibility: VisibilitySource;
  readonly location: { readonly hash: string };
  readonly events: Pick<Window, 'addEventListener' | 'removeEventListener'>;
  /** Writes the hash without a history entry (`history.replaceState`). */
  readonly replaceHash: (hash: string) => void;
}

export function createModels(options: ModelsOptions): Models {
  const route = createRouteModel({ location: options.location, events: options.events, replaceHash: options.replaceHash });
  const status = createStatusModel({ api: options.api, now: options.now, visibility: options.visibility });
  const hasStatus = computed(() => status.status.value !== null);
  const filter = createFilterModel(route);
  const matrix = createMatrixModel(status.status, filter.filter);
  const selection = createSelectionModel({ services: matrix.services, ordered: matrix.ordered, known: hasStatus });
  const latency = createLatencyModel({
    api: options.api,
    service: selection.service,
    environments: matrix.environments,
    now: options.now,
    visibility: options.visibility,
  });
  return {
    now: options.now,
    route,
    status,
    hasStatus,
    filter,
    matrix,
    environments: matrix.environments,
    selection,
    latency,
    start() {
      status.poller.start();
      latency.start();
    },
    stop() {
      latency.stop();
      status.poller.stop();
      route.stop();
    },
  };
}
