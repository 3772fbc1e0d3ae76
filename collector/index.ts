// The collector as the composition root wires it: routes for Vigil's port, and the optional dedicated
// OTLP listener (`otlp.port`, 4318 by convention).
import { Hono, type MiddlewareHandler } from 'hono';
import { listenHttp, type HttpLimits } from '../api/http-server.js';
import { DEFAULT_SERVER_LIMITS } from '../config/types.js';
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
  /**
   * Starts the dedicated listener (when `otlp.port` is set) with the server's limits and the
   * middleware of Vigil's port (security headers, rate limits); resolves to its port and how to close it.
   */
  listen(host: string, port: number, server?: ListenOptions): Promise<{ port: number; close(): Promise<void> }>;
}

/** What the dedicated listener shares with Vigil's port. */
export interface ListenOptions {
  readonly limits?: HttpLimits;
  /** Applied to every request before the routes, in order. */
  readonly middleware?: readonly MiddlewareHandler[];
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
    async listen(host, port, server = {}) {
      const app = new Hono();
      for (const middleware of server.middleware ?? []) app.use('*', middleware);
      app.route('/v1', routes);
      const listener = await listenHttp(app, host, port, server.limits ?? DEFAULT_SERVER_LIMITS);
      return { port: listener.port, close: listener.close };
    },
  };
}
