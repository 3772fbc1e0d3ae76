import type { ComponentType } from 'preact';
import { AppHeader } from './components/app-header.js';
import { StaleBanner } from './components/stale-banner.js';
import type { Models } from './models/index.js';
import { routeKey } from './models/route.js';
import { lazyView } from './components/lazy-view.js';
import { OverviewView, type ViewProps } from './views/overview.js';

// The alerting views are one chunk fetched on first use: the overview (and its benchmark) does not load them.
const alerting = () => import('./views/alerting.js');

/**
 * Hash routes to views (numeric segments are `:id`); a new view is one line here and, if it should be
 * in the header, one in NAV_LINKS.
 */
const ROUTES: Readonly<Record<string, ComponentType<ViewProps>>> = {
  '/': OverviewView,
  '/incidents': lazyView(() => alerting().then((m) => m.IncidentsView)),
  '/incidents/:id': lazyView(() => alerting().then((m) => m.IncidentDetailView)),
  '/postmortems': lazyView(() => alerting().then((m) => m.PostmortemsView)),
  '/postmortems/:id': lazyView(() => alerting().then((m) => m.PostmortemEditorView)),
  '/slos': lazyView(() => alerting().then((m) => m.SlosView)),
  '/silences': lazyView(() => alerting().then((m) => m.SilencesView)),
  '/wall': lazyView(() => alerting().then((m) => m.WallView)),
  '/reports': lazyView(() => alerting().then((m) => m.ReportsView)),
  '/reports/:id': lazyView(() => alerting().then((m) => m.ReportDetailView)),
};

/** Views that fill the screen on their own, without the header: the wall on a TV. */
const FULL_SCREEN: ReadonlySet<string> = new Set(['/wall']);

export interface AppProps {
  readonly models: Models;
}

/** The shell: header, stale banner, and the view the hash names. */
export function App({ models }: AppProps) {
  // The path only: a filter typed into the query re-renders the view's parts that read it, not the shell.
  const path = models.route.path.value;
  const key = routeKey(path);
  const View = ROUTES[key] ?? NotFoundView;
  if (FULL_SCREEN.has(key)) return <View models={models} />;
  return (
    <div class="app">
      <AppHeader status={models.status} path={key} />
      <StaleBanner status={models.status} now={models.now} />
      <View models={models} />
    </div>
  );
}

function NotFoundView({ models }: ViewProps) {
  return (
    <main class="not-found">
      <h2>Nothing at {models.route.path.value}</h2>
      <a href="#/">Back to the overview</a>
    </main>
  );
}
