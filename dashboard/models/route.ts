import { signal, type ReadonlySignal } from '@preact/signals';

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

/** The current route, following `hashchange`. */
export interface RouteModel {
  readonly route: ReadonlySignal<Route>;
  stop(): void;
}

export function createRouteModel(location: { readonly hash: string }, events: Pick<Window, 'addEventListener' | 'removeEventListener'>): RouteModel {
  const route = signal(parseHash(location.hash));
  const onHashChange = () => {
    route.value = parseHash(location.hash);
  };
  events.addEventListener('hashchange', onHashChange);
  return { route, stop: () => events.removeEventListener('hashchange', onHashChange) };
}
