// The collector as the composition root wires it: routes for Vigil's port, and the optional dedicated
// OTLP listener (`otlp.port`, 4318 by convention).
import type { AddressInfo } from 'node:net';
import { serve as serveHttp } from '@hono/node-server';
import { Hono, type MiddlewareHandler } from 'hono';
import type { Registry } from 'prom-client';
import type { OtlpConfig } from '../config/types.js';
import type { IngestWriter } from '../ingest/writer.js';
import type { Clock } from '../lib/clock.js';
import { ByteBudget } from './body.js';
import { OtlpCollector } from './collector.js';
import { createCollectorMetrics } from './metrics.js';
import { collectorRoutes } from './routes.js';

/** OTLP series stay live this long without an export: five of the SDKs' default 60 s intervals. */
export const OTLP_STALE_AFTER_MS = 5 * 60_000;

export interface Collector {
  /** The receiver's routes, to mount at /v1 on Vigil's port. */
  readonly routes: Hono;
  readonly collector: OtlpCollector;
  /** Starts the dedicated listener (when `otlp.port` is set); resolves to its port and how to close it. */
  listen(host: string, port: number): Promise<{ port: number; close(): Promise<void> }>;
}

export function createCollector(opts: {
  readonly config: OtlpConfig;
  readonly writer: Pick<IngestWriter, 'writeSamples' | 'write' | 'flushed' | 'stats'>;
  readonly clock: Clock;
  readonly registry: Registry;
  /** Who may send data, on Vigil's port and the OTLP port alike (auth/ingest.ts ingestGuard). */
  readonly guard?: MiddlewareHandler;
}): Collector {
  const { config } = opts;
  const metrics = createCollectorMetrics(opts.registry);
  const collector = new OtlpCollector(
    opts.writer,
    opts.clock,
    {
      defaults: { service: config.defaultService, env: config.defaultEnv },
      seriesPerMetric: config.seriesPerMetric,
      histogramSamples: config.histogramSamples,
      staleAfterMs: OTLP_STALE_AFTER_MS,
    },
    metrics,
  );
  const queue = new ByteBudget(config.queueBytes);
  metrics.watch({ queueBytes: () => queue.used, stateSize: () => collector.stateSize() });
  const routes = collectorRoutes({ collector, writer: opts.writer, metrics, maxBodyBytes: config.maxBodyBytes, queue, guard: opts.guard });
  return {
    routes,
    collector,
    async listen(host, port) {
      const app = new Hono().route('/v1', routes);
      const server = await new Promise<ReturnType<typeof serveHttp>>((resolve, reject) => {
        const s = serveHttp({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
        s.once('error', reject);
      });
      return {
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      };
    },
  };
}
