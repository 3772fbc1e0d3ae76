import type { ComponentType } from 'preact';
import { AppHeader } from './components/app-header.js';
import { StaleBanner } from './components/stale-banner.js';
import type { Models } from './models/index.js';
import { routeKey } from './models/route.js';
import { IncidentDetailView } from './views/incident-detail.js';
import { IncidentsView } from './views/incidents.js';
import { OverviewView, type ViewProps } from './views/overview.js';
import { PostmortemEditorView } from './views/postmortem-editor.js';
import { PostmortemsView } from './views/postmortems.js';
import { SilencesView } from './views/silences.js';
import { SlosView } from './views/slos.js';
import { WallView } from './views/wall.js';

/**
 * Hash routes to views (numeric segments are `:id`); a new view is one line here and, if it should be
 * in the header, one in NAV_LINKS.
 */
const ROUTES: Readonly<Record<string, ComponentType<ViewProps>>> = {
  '/': OverviewView,
  '/incidents': IncidentsView,
  '/incidents/:id': IncidentDetailView,
  '/postmortems': PostmortemsView,
  '/postmortems/:id': PostmortemEditorView,
  '/slos': SlosView,
  '/silences': SilencesView,
  '/wall': WallView,
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
