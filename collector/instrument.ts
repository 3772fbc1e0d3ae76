// The preload entry of self-instrumentation (see self-instrumentation.ts): `node --import
// ./dist/collector/instrument.js dist/cli/vigil.js serve`. Unless an OTLP endpoint is set it does
// nothing and loads nothing (the SDK and its instrumentations are imported only when enabled).
// Spans still in the batch when Vigil exits (at most the last 5 s) are not exported.
import { selfInstrumentationEnabled } from './self-instrumentation-env.js';

if (selfInstrumentationEnabled(process.env)) {
  const { startSelfInstrumentation } = await import('./self-instrumentation.js');
  startSelfInstrumentation(process.env);
}
