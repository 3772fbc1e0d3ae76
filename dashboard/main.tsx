import { render } from 'preact';
import { createApiClient } from './api-client.js';
import { App } from './app.js';
import { createModels } from './models/index.js';
import './styles.css';

// The composition root: the only place that reaches for the browser's globals.
const models = createModels({
  api: createApiClient(),
  now: () => Date.now(),
  visibility: document,
  location: window.location,
  events: window,
  replaceHash: (hash) => window.history.replaceState(window.history.state, '', hash),
});
render(<App models={models} />, document.getElementById('app')!);
models.start();
