import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { serve as serveHttp } from '@hono/node-server';
import { Registry } from 'prom-client';
import { createApp } from '../api/app.js';
import { createVigilMetrics } from '../api/metrics.js';
import { loadConfigFile } from '../config/load.js';
import { loadDemoConfig } from '../config/demo.js';
import type { VigilConfig } from '../config/types.js';
import { startDemoTarget, type DemoTarget } from '../demo/target.js';
import { systemClock } from '../lib/clock.js';
import { builtinProbes } from '../probes/index.js';
import { Scheduler } from '../probes/scheduler.js';
import { ResultWriter } from '../probes/result-writer.js';
import { startHousekeeping } from '../store/housekeeping.js';
import { openSqliteStore } from '../store/sqlite-store.js';

export interface ServeOptions {
  /** vigil.yaml; absent → the embedded demo. */
  readonly configFile?: string;
  /** Absent → the config's `server.port` (8080 by default). */
  readonly port: number | undefined;
  readonly host: string;
  readonly dbPath: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
}

export interface RunningVigil {
  readonly url: string;
  readonly config: VigilConfig;
  stop(): Promise<void>;
}

const DASHBOARD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dashboard');

/** The composition root: config, store, probes, scheduler, metrics and the HTTP app, wired together. */
export async function serve(opts: ServeOptions): Promise<RunningVigil> {
  const clock = systemClock;
  const registry = builtinProbes();
  let demo: DemoTarget | null = null;
  let config: VigilConfig;
  if (opts.configFile) {
    config = loadConfigFile(opts.configFile, { env: opts.env, registry });
  } else {
    demo = await startDemoTarget();
    config = loadDemoConfig({ demoTarget: demo.url, registry });
  }

  const store = openSqliteStore(opts.dbPath);
  const metrics = createVigilMetrics(new Registry(), registry.kinds());
  const writer = new ResultWriter(store, {
    onFlush: (samples, failed) => metrics.observeStoreWrite(samples, failed),
    log: opts.log,
  });
  const scheduler = new Scheduler(config.checks, {
    registry,
    writer,
    clock,
    concurrency: config.scheduler.concurrency,
    onRun: (run) => {
      metrics.observeSamples(run.samples);
      metrics.observeRun({
        kind: run.check.kind,
        success: run.outcome.success,
        lagSeconds: (run.startedAt - run.plannedAt) / 1000,
        timedOut: run.timedOut,
      });
    },
  });
  metrics.watchScheduler(scheduler);
  metrics.watchResultWriter(writer);
  const housekeeping = startHousekeeping(store, config.retention, clock, { log: opts.log });
  const app = createApp({ config, store, metrics, clock, schedulerRunning: () => scheduler.isRunning(), dashboardDir: DASHBOARD_DIR });

  const server = await new Promise<ReturnType<typeof serveHttp>>((resolve, reject) => {
    const s = serveHttp({ fetch: app.fetch, port: opts.port ?? config.server.port, hostname: opts.host }, () => resolve(s));
    s.once('error', reject);
  });
  scheduler.start();
  const { port } = server.address() as AddressInfo;
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${shownHost}:${port}`;
  opts.log(`Vigil listening on ${url} (config: ${config.source}; ${config.checks.length} checks in ${config.environments.join(', ')}; db: ${opts.dbPath})`);

  let stopping: Promise<void> | null = null;
  return {
    url,
    config,
    stop: () =>
      (stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          if ('closeAllConnections' in server) server.closeAllConnections();
        });
        await scheduler.stop();
        await writer.close();
        housekeeping.stop();
        store.close();
        await demo?.close();
      })()),
  };
}
