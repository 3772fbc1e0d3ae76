import { computed, type ReadonlySignal } from '@preact/signals';
import type { ApiClient } from '../api-client.js';
import { createLatencyModel, type LatencyModel } from './latency.js';
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
}

export function createModels(options: ModelsOptions): Models {
  const route = createRouteModel(options.location, options.events);
  const status = createStatusModel({ api: options.api, now: options.now, visibility: options.visibility });
  const environments = stableList(computed(() => status.status.value?.environments ?? []));
  const selection = createSelectionModel(status.status);
  const latency = createLatencyModel({
    api: options.api,
    service: selection.service,
    environments,
    now: options.now,
    visibility: options.visibility,
  });
  return {
    now: options.now,
    route,
    status,
    environments,
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

/** Keeps the previous array while the contents are equal, so readers downstream do not recompute on every poll. */
function stableList(source: ReadonlySignal<readonly string[]>): ReadonlySignal<readonly string[]> {
  let previous: readonly string[] = [];
  return computed(() => {
    const next = source.value;
    if (next.length !== previous.length || next.some((item, index) => item !== previous[index])) previous = next;
    return previous;
  });
}
