import { computed, effect, signal, type ReadonlySignal } from '@preact/signals';
import type { IncidentJson, IncidentListResponse } from '../../api/types.js';
import type { ApiClient, IncidentQuery } from '../api-client.js';
import { INCIDENT_STATES, SEVERITIES, type IncidentState, type Severity } from '../../store/types.js';
import type { VisibilitySource } from './poller.js';
import { createResource, type Resource } from './resource.js';
import type { RouteModel } from './route.js';
import { stableComputed } from './stable.js';
import { describeFailure } from './status.js';

/** What the incident list shows, kept in the hash: `#/incidents?state=open&severity=page&env=prod&service=api`. */
export interface IncidentFilter {
  /** Empty: every state. */
  readonly states: readonly IncidentState[];
  /** Empty: every severity. */
  readonly severities: readonly Severity[];
  readonly env: string;
  readonly service: string;
}

export const EMPTY_INCIDENT_FILTER: IncidentFilter = { states: [], severities: [], env: '', service: '' };

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { page: 0, ticket: 1, info: 2 };
const ACTIVE_STATES: readonly IncidentState[] = ['open', 'acknowledged'];
/** Every unresolved incident is listed at once; a longer list than this is an outage, and paging it would hide some. */
export const ACTIVE_LIMIT = 500;
export const HISTORY_PAGE = 50;

function listOf<T extends string>(value: string | null, allowed: readonly T[]): T[] {
  const items = (value ?? '').split(',').map((item) => item.trim());
  return allowed.filter((item) => items.includes(item));
}

/** The filter a hash query names; unknown states and severities are dropped. */
export function parseIncidentFilter(query: URLSearchParams): IncidentFilter {
  return {
    states: listOf(query.get('state'), INCIDENT_STATES),
    severities: listOf(query.get('severity'), SEVERITIES),
    env: (query.get('env') ?? '').trim().slice(0, 100),
    service: (query.get('service') ?? '').trim().slice(0, 100),
  };
}

/** The hash query of a filter; empty parts are left out to keep links short. */
export function writeIncidentFilter(filter: IncidentFilter): URLSearchParams {
  const query = new URLSearchParams();
  if (filter.states.length) query.set('state', filter.states.join(','));
  if (filter.severities.length) query.set('severity', filter.severities.join(','));
  if (filter.env) query.set('env', filter.env);
  if (filter.service) query.set('service', filter.service);
  return query;
}

export function sameIncidentFilter(a: IncidentFilter, b: IncidentFilter): boolean {
  return a.env === b.env && a.service === b.service && a.states.join() === b.states.join() && a.severities.join() === b.severities.join();
}

/**
 * The two requests behind the list: every unresolved incident (shown first, whatever its age) and the
 * resolved history, paged. A state filter can leave out either one (null).
 */
export function incidentRequests(filter: IncidentFilter): { readonly active: IncidentQuery | null; readonly history: IncidentQuery | null } {
  const common = {
    ...(filter.env ? { env: filter.env } : {}),
    ...(filter.service ? { service: filter.service } : {}),
    ...(filter.severities.length ? { severities: filter.severities } : {}),
  };
  const activeStates = filter.states.length ? ACTIVE_STATES.filter((state) => filter.states.includes(state)) : ACTIVE_STATES;
  const wantsHistory = filter.states.length === 0 || filter.states.includes('resolved');
  return {
    active: activeStates.length ? { ...common, states: activeStates, limit: ACTIVE_LIMIT } : null,
    history: wantsHistory ? { ...common, states: ['resolved'], limit: HISTORY_PAGE } : null,
  };
}

/** Unresolved incidents in the order to act on them: open before acknowledged, pages first, newest first. */
export function orderActive(incidents: readonly IncidentJson[]): IncidentJson[] {
  return [...incidents].sort(
    (a, b) =>
      Number(a.state !== 'open') - Number(b.state !== 'open') ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      b.openedAt - a.openedAt ||
      b.id - a.id,
  );
}

/** Pages joined in order, each incident once (a poll of the first page may repeat one the older pages hold). */
export function joinPages(pages: readonly IncidentListResponse[]): { incidents: IncidentJson[]; nextCursor: number | null } {
  const seen = new Set<number>();
  const incidents: IncidentJson[] = [];
  for (const page of pages) {
    for (const incident of page.incidents) {
      if (seen.has(incident.id)) continue;
      seen.add(incident.id);
      incidents.push(incident);
    }
  }
  return { incidents, nextCursor: pages.length ? pages[pages.length - 1]!.nextCursor : null };
}

/** `filter` with `value` added to or removed from one of its lists. */
export function toggleIn<T extends string>(list: readonly T[], value: T, allowed: readonly T[]): T[] {
  const next = list.includes(value) ? list.filter((item) => item !== value) : [...list, value];
  return allowed.filter((item) => next.includes(item));
}

/** The incident list: unresolved first, then the history with an "older" button. */
export interface IncidentListModel {
  readonly filter: ReadonlySignal<IncidentFilter>;
  /** null while the first answer is awaited. */
  readonly active: ReadonlySignal<readonly IncidentJson[] | null>;
  readonly history: ReadonlySignal<readonly IncidentJson[] | null>;
  readonly hasOlder: ReadonlySignal<boolean>;
  readonly loadingOlder: ReadonlySignal<boolean>;
  readonly error: ReadonlySignal<string | null>;
  setFilter(change: Partial<IncidentFilter>): void;
  older(): Promise<void>;
  start(): void;
  stop(): void;
}

export interface IncidentListOptions {
  readonly api: ApiClient;
  readonly route: RouteModel;
  readonly visibility?: VisibilitySource;
  readonly intervalMs?: number;
}

export function createIncidentListModel(options: IncidentListOptions): IncidentListModel {
  const { api, route } = options;
  const filter = stableComputed(() => parseIncidentFilter(route.route.value.query), sameIncidentFilter);
  const requests = computed(() => incidentRequests(filter.value));
  const intervalMs = options.intervalMs ?? 10_000;
  const empty: IncidentListResponse = { incidents: [], nextCursor: null };
  const load = (which: 'active' | 'history') => (signal: AbortSignal) => {
    const query = requests.peek()[which];
    return query === null ? Promise.resolve(empty) : api.incidents(query, signal);
  };
  const active: Resource<IncidentListResponse> = createResource({ load: load('active'), intervalMs, visibility: options.visibility });
  const firstPage: Resource<IncidentListResponse> = createResource({ load: load('history'), intervalMs, visibility: options.visibility });
  const olderPages = signal<readonly IncidentListResponse[]>([]);
  const loadingOlder = signal(false);
  const olderError = signal<string | null>(null);
  const history = computed(() => {
    const first = firstPage.data.value;
    return first === null ? null : joinPages([first, ...olderPages.value]);
  });

  let stopFollowing: (() => void) | undefined;
  return {
    filter,
    active: computed(() => {
      const answer = active.data.value;
      return answer === null ? null : orderActive(answer.incidents);
    }),
    history: computed(() => history.value?.incidents ?? null),
    hasOlder: computed(() => (history.value?.nextCursor ?? null) !== null),
    loadingOlder,
    error: computed(() => active.error.value ?? firstPage.error.value ?? olderError.value),
    setFilter(change) {
      route.replaceQuery(writeIncidentFilter({ ...filter.peek(), ...change }));
    },
    async older() {
      const cursor = history.peek()?.nextCursor ?? null;
      const query = requests.peek().history;
      if (cursor === null || query === null || loadingOlder.peek()) return;
      loadingOlder.value = true;
      try {
        const page = await api.incidents({ ...query, cursor });
        if (requests.peek().history === query) olderPages.value = [...olderPages.peek(), page];
        olderError.value = null;
      } catch (failure) {
        olderError.value = describeFailure(failure);
      } finally {
        loadingOlder.value = false;
      }
    },
    start() {
      let previous = requests.peek();
      active.poller.start();
      firstPage.poller.start();
      stopFollowing = effect(() => {
        const next = requests.value;
        if (next === previous) return;
        previous = next;
        olderPages.value = [];
        active.reset();
        firstPage.reset();
      });
    },
    stop() {
      stopFollowing?.();
      active.poller.stop();
      firstPage.poller.stop();
    },
  };
}
