import { render } from 'preact';
import { createApiClient } from './api-client.js';
import { App } from './app.js';
import { createModels } from './models/index.js';
import './styles.css';

const USER_NAME_KEY = 'vigil.user';
const API_TOKEN_KEY = 'vigil.token';

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
const tokens = remembered(API_TOKEN_KEY);
// A sign-in link (`#token=vgl_…`, printed by the demo) is kept and taken out of the address bar and history.
const signIn = /^#token=(vgl_[A-Za-z0-9_-]+)$/.exec(window.location.hash);
if (signIn) {
  tokens.write(signIn[1]!);
  window.history.replaceState(window.history.state, '', '#/incidents');
}
const models = createModels({
  api: createApiClient('', undefined, () => tokens.read() || null),
  now: () => Date.now(),
  visibility: document,
  location: window.location,
  events: window,
  replaceHash: (hash) => window.history.replaceState(window.history.state, '', hash),
  navigate: (hash) => {
    window.location.hash = hash;
  },
  names: remembered(USER_NAME_KEY),
  tokens,
});
render(<App models={models} />, document.getElementById('app')!);
models.start();
