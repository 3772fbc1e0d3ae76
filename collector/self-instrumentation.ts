// Vigil instruments itself with the OpenTelemetry Node SDK and the auto-instrumentations (its HTTP
// server, the probes' outgoing HTTP requests, pg, ioredis, mysql2, amqplib, undici/fetch), exporting
// where the standard variables say: OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_/_METRICS_ENDPOINT),
// OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME (default "vigil"), OTEL_RESOURCE_ATTRIBUTES. Off when
// no endpoint is set. Pointed at Vigil itself, its own request spans become span metrics of service
// `vigil` on the wall.
//
// A preload, so it patches `http` before anything imports it:
//   node --import ./dist/collector/instrument.js dist/cli/vigil.js serve
// Spans leave in batches from a background timer (BatchSpanProcessor), never on the scheduler's path;
// Vigil's requests to its own /v1 collector are not traced (that would trace every export).
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import type { IncomingMessage } from 'node:http';
import { selfInstrumentationEnabled } from './self-instrumentation-env.js';


/** Starts the SDK; returns its shutdown (which exports what is left), or null when not enabled. */
export function startSelfInstrumentation(env: Readonly<Record<string, string | undefined>>): (() => Promise<void>) | null {
  if (!selfInstrumentationEnabled(env)) return null;
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || 'vigil',
    instrumentations: [
      getNodeAutoInstrumentations({
        // Every file read and DNS lookup as a span is noise, and costs on the probes' hot path.
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: (request: IncomingMessage) => (request.url ?? '').startsWith('/v1/'),
        },
      }),
    ],
    // Vigil writes no OpenTelemetry logs, and its own collector refuses /v1/logs.
    logRecordProcessors: [],
  });
  sdk.start();
  // ESM imports of builtins bypass the require hook the instrumentations patch through: load http and
  // https through require now (before Vigil's modules), then publish the patched exports to ESM importers.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  syncBuiltinESMExports();
  return () => sdk.shutdown();
}
