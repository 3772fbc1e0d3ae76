import { render } from 'preact';
import { createApiClient } from './api-client.js';
import { App } from './app.js';
import { createModels } from './models/index.js';
import './styles.css';

const USER_NAME_KEY = 'vigil.user';
/** Where an older dashboard kept the raw token: removed at start ([X1]: a session cookie replaces it). */
const OLD_API_TOKEN_KEY = 'vigil.token';

/** A value kept in localStorage, or for the visit when storage is off (a private window, a locked-down kiosk). */
function remembered(key: string) {
  let inMemory: string | null = null;
  return {
    read: (): string | null => {
      try {
        return window.localStorage.getItem(key) ?? inMemory;
      } catch {
        return inMemory;
      }
    },
    write: (value: string) => {
      inMemory = value;
      try {
        window.localStorage.setItem(key, value);
      } catch {
        // Kept in memory only.
      }
    },
  };
}

// The composition root: the only place that reaches for the browser's globals.
try {
  window.localStorage.removeItem(OLD_API_TOKEN_KEY);
} catch {
  // No storage: nothing was kept.
}
// The session's CSRF token: in memory only, fetched again (GET /api/v1/session) after a reload.
let csrf: string | null = null;
// A wall link (`#/wall?key=vglw_…`) stays in the address bar, so the TV's reload keeps working; the key is its Bearer credential.
const wallKey = (): string | null => /^#\/wall\?(?:.*&)?key=(vglw_[A-Za-z0-9_-]+)/.exec(window.location.hash)?.[1] ?? null;
const api = createApiClient('', undefined, wallKey, () => csrf);
// A sign-in link (`#token=vgl_…`, printed by the demo) is taken out of the address bar and history, then traded for a session.
const signInLink = /^#token=(vgl_[A-Za-z0-9_-]+)$/.exec(window.location.hash);
if (signInLink) window.history.replaceState(window.history.state, '', '#/incidents');
const models = createModels({
  api,
  now: () => Date.now(),
  visibility: document,
  location: window.location,
  events: window,
  replaceHash: (hash) => window.history.replaceState(window.history.state, '', hash),
  navigate: (hash) => {
    window.location.hash = hash;
  },
  names: remembered(USER_NAME_KEY),
  session: {
    async signIn(token) {
      const session = await api.signIn(token);
      csrf = session.csrf;
      return session.name ?? token.slice(0, 8);
    },
    async current() {
      if (wallKey() !== null) return null;
      const session = await api.session();
      csrf = session.csrf;
      return session.csrf === null ? null : session.name;
    },
  },
});
render(<App models={models} />, document.getElementById('app')!);
if (signInLink) models.user.setToken(signInLink[1]!);
else void models.user.refresh();
models.start();
