import { computed, type ReadonlySignal } from '@preact/signals';
import type { ApiClient } from '../api-client.js';
import { activateByRoute } from './activation.js';
import { createFilterModel, type FilterModel } from './filter.js';
import { createIncidentDetailModel, type IncidentDetailModel } from './incident-detail.js';
import { createIncidentListModel, type IncidentListModel } from './incidents.js';
import { createPostmortemEditorModel, createPostmortemListModel, type PostmortemEditorModel, type PostmortemListModel } from './postmortems.js';
import { createReportDetailModel, createReportListModel, type ReportDetailModel, type ReportListModel } from './reports.js';
import { createSilenceModel, type SilenceModel } from './silences.js';
import { createSloModel, type SloModel } from './slos.js';
import { createUserModel, type NameStorage, type SessionControl, type UserModel } from './user.js';
import { createWallModel, type WallModel } from './wall.js';
import { createLatencyModel, type LatencyModel } from './latency.js';
import { createMatrixModel, type MatrixModel } from './matrix-model.js';
import { createRouteModel, pathId, type RouteModel } from './route.js';
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
  /** Who acts on incidents, silences and postmortems. */
  readonly user: UserModel;
  readonly incidents: IncidentListModel;
  readonly incident: IncidentDetailModel;
  readonly postmortems: PostmortemListModel;
  readonly postmortem: PostmortemEditorModel;
  readonly slos: SloModel;
  readonly silences: SilenceModel;
  readonly wall: WallModel;
  readonly reports: ReportListModel;
  readonly report: ReportDetailModel;
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
  /** Goes to a hash with a history entry (`location.hash = …`). */
  readonly navigate: (hash: string) => void;
  /** Where the user's name is remembered (localStorage). */
  readonly names: NameStorage;
  /** Signs a pasted API token in (a session cookie); absent: the token field does nothing. */
  readonly session?: SessionControl;
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
  const visibility = options.visibility;
  const api = options.api;
  const user = createUserModel(options.names, options.session);
  const routeId = computed(() => pathId(route.path.value));
  const incidents = createIncidentListModel({ api, route, visibility });
  const incident = createIncidentDetailModel({ api, id: routeId, user, navigate: options.navigate, visibility });
  const postmortems = createPostmortemListModel({ api, visibility });
  const postmortem = createPostmortemEditorModel({ api, id: routeId });
  const slos = createSloModel({ api, visibility });
  const silences = createSilenceModel({ api, user, visibility });
  const reports = createReportListModel({ api, visibility });
  const report = createReportDetailModel({ api, id: routeId });
  const wall = createWallModel({ api, status: status.status, statusError: status.error, slos, visibility });
  let stopActivities: (() => void) | undefined;
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
    user,
    incidents,
    incident,
    postmortems,
    postmortem,
    slos,
    silences,
    wall,
    reports,
    report,
    start() {
      status.poller.start();
      // Each view's data is polled while the view is shown; the status feeds the header everywhere.
      stopActivities = activateByRoute(route.path, [
        [['/'], latency],
        [['/incidents'], incidents],
        [['/incidents/:id'], incident],
        [['/postmortems'], postmortems],
        [['/postmortems/:id'], postmortem],
        [['/slos', '/wall'], slos.resource.poller],
        [['/silences'], silences],
        [['/wall'], wall.incidentResource.poller],
        [['/reports'], reports],
        [['/reports/:id'], report],
      ]);
    },
    stop() {
      stopActivities?.();
      status.poller.stop();
      route.stop();
    },
  };
}
