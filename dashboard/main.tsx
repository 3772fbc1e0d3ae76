import { render } from 'preact';
import { createApiClient } from './api-client.js';
import { App } from './app.js';
import { createModels } from './models/index.js';
import './styles.css';

const USER_NAME_KEY = 'vigil.user';

// The composition root: the only place that reaches for the browser's globals.
const models = createModels({
  api: createApiClient(),
  now: () => Date.now(),
  visibility: document,
  location: window.location,
  events: window,
  replaceHash: (hash) => window.history.replaceState(window.history.state, '', hash),
  navigate: (hash) => {
    window.location.hash = hash;
  },
  names: {
    // Storage can be off (a private window, a locked-down kiosk): the name then lasts for the visit.
    read: () => {
      try {
        return window.localStorage.getItem(USER_NAME_KEY);
      } catch {
        return null;
      }
    },
    write: (name) => {
      try {
        window.localStorage.setItem(USER_NAME_KEY, name);
      } catch {
        // Kept in memory only.
      }
    },
  },
});
render(<App models={models} />, document.getElementById('app')!);
models.start();
