import { computed, signal, type ReadonlySignal } from '@preact/signals';

/** A parsed `#/path?query` location. */
export interface Route {
  readonly path: string;
  readonly query: URLSearchParams;
}

/** `#/wall?tv=1` → `{ path: '/wall', query: tv=1 }`; an empty hash is the overview, `/`. */
export function parseHash(hash: string): Route {
  const withoutMark = hash.replace(/^#/, '');
  const [rawPath = '', rawQuery = ''] = withoutMark.split('?', 2);
  const path = `/${rawPath.replace(/^\/+/, '').replace(/\/+$/, '')}`;
  return { path, query: new URLSearchParams(rawQuery) };
}

/** The hash of a route: `#/wall?tv=1`, `#/` without a query. */
export function formatHash(route: Route): string {
  const query = route.query.toString();
  return `#${route.path}${query ? `?${query}` : ''}`;
}

/** The current route, following `hashchange`. */
export interface RouteModel {
  readonly route: ReadonlySignal<Route>;
  /** The path alone: views that do not read the query are not re-rendered when it changes. */
  readonly path: ReadonlySignal<string>;
  /** Replaces the query of the current route (a filter being typed) without adding a history entry per keystroke. */
  replaceQuery(query: URLSearchParams): void;
  stop(): void;
}

export interface RouteModelOptions {
  readonly location: { readonly hash: string };
  readonly events: Pick<Window, 'addEventListener' | 'removeEventListener'>;
  /** Writes a hash in place (`history.replaceState`); it fires no `hashchange`, so the model updates itself. */
  readonly replaceHash: (hash: string) => void;
}

export function createRouteModel(options: RouteModelOptions): RouteModel {
  const route = signal(parseHash(options.location.hash));
  const onHashChange = () => {
    route.value = parseHash(options.location.hash);
  };
  options.events.addEventListener('hashchange', onHashChange);
  return {
    route,
    path: computed(() => route.value.path),
    replaceQuery(query) {
      const next = { path: route.peek().path, query };
      if (next.query.toString() === route.peek().query.toString()) return;
      options.replaceHash(formatHash(next));
      route.value = next;
    },
    stop: () => options.events.removeEventListener('hashchange', onHashChange),
  };
}

/** The route table key of a path: numeric segments become `:id` (`/incidents/12` → `/incidents/:id`). */
export function routeKey(path: string): string {
  return path.replace(/\/\d{1,15}(?=\/|$)/g, '/:id');
}

/** The last numeric segment of a path (`/incidents/12` → 12), or null. */
export function pathId(path: string): number | null {
  const match = /\/(\d{1,15})$/.exec(path);
  return match ? Number(match[1]) : null;
}
