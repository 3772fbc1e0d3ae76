// An in-process Vigil for collector tests: a temp SQLite store, the ingest writer, the collector and the
// real HTTP app (status, series, /metrics) on a loopback port; closed when the test ends.
import type { AddressInfo } from 'node:net';
import { serve as serveHttp } from '@hono/node-server';
import { Registry } from 'prom-client';
import { onTestFinished } from 'vitest';
import { createApp } from '../../api/app.js';
import { createVigilMetrics, type VigilMetrics } from '../../api/metrics.js';
import { createCollector, type Collector } from '../../collector/index.js';
import { loadConfigText } from '../../config/load.js';
import { DEFAULT_OTLP_CONFIG, type OtlpConfig } from '../../config/types.js';
import { LiveView } from '../../ingest/live-view.js';
import { IngestWriter } from '../../ingest/writer.js';
import type { Clock } from '../../lib/clock.js';
import { systemClock } from '../../lib/clock.js';
import { builtinProbes } from '../../probes/index.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Store } from '../../store/types.js';
import { tempDbPath } from './temp-db.js';

const CONFIG = `
environments: [staging, prod]
services:
  checkout:
    checks:
      - tcp: { host: "127.0.0.1", port: 9, every: 1h }
`;

export interface OtlpVigil {
  readonly url: string;
  readonly store: Store;
  readonly writer: IngestWriter;
  readonly live: LiveView;
  readonly metrics: VigilMetrics;
  readonly collector: Collector;
  /** GET a JSON API path. */
  get<T>(path: string): Promise<T>;
}

export async function startOtlpVigil(opts: { otlp?: Partial<OtlpConfig>; clock?: Clock; store?: Store; config?: string } = {}): Promise<OtlpVigil> {
  const clock = opts.clock ?? systemClock;
  const store = opts.store ?? (await openSqliteStore(tempDbPath(), { readers: 0 }));
  const registry = builtinProbes();
  const config = loadConfigText(opts.config ?? CONFIG, { file: 'vigil.yaml', env: {}, registry });
  const live = new LiveView();
  const metrics = createVigilMetrics(new Registry(), registry.kinds(), live);
  const writer = new IngestWriter(store, live, { clock, log: () => {} });
  const collector = createCollector({ config: { ...DEFAULT_OTLP_CONFIG, ...opts.otlp }, writer, clock, registry: metrics.registry });
  const app = createApp({ config, store, live, metrics, clock, schedulerRunning: () => true, mounts: [['/v1', collector.routes]] });
  const server = await new Promise<ReturnType<typeof serveHttp>>((resolve) => {
    const s = serveHttp({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  onTestFinished(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ('closeAllConnections' in server) server.closeAllConnections();
    });
    await writer.close();
    if (!opts.store) await store.close();
  });
  return {
    url,
    store,
    writer,
    live,
    metrics,
    collector,
    async get<T>(path: string): Promise<T> {
      const response = await fetch(`${url}${path}`);
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
  };
}
