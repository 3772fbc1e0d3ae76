import type { ComponentType } from 'preact';
import { AppHeader } from './components/app-header.js';
import { StaleBanner } from './components/stale-banner.js';
import type { Models } from './models/index.js';
import { OverviewView, type ViewProps } from './views/overview.js';

/** Hash routes to views; a new view is one line here and, if it should be in the header, one in NAV_LINKS. */
const ROUTES: Readonly<Record<string, ComponentType<ViewProps>>> = {
  '/': OverviewView,
};

export interface AppProps {
  readonly models: Models;
}

/** The shell: header, stale banner, and the view the hash names. */
export function App({ models }: AppProps) {
  // The path only: a filter typed into the query re-renders the view's parts that read it, not the shell.
  const path = models.route.path.value;
  const View = ROUTES[path] ?? NotFoundView;
  return (
    <div class="app">
      <AppHeader status={models.status} path={path} />
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
