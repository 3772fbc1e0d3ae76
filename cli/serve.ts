import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { alertingRoutes } from '../api/alerting.js';
import { createApp } from '../api/app.js';
import { GzipThread } from '../api/gzip-thread.js';
import { listenHttp } from '../api/http-server.js';
import { createRateLimits, rateLimit } from '../api/rate-limit.js';
import { securityHeaders } from '../api/security-headers.js';
import { ensureHeartbeatTokens, heartbeatRoutes } from '../api/heartbeats.js';
import { incidentRoutes } from '../api/incidents.js';
import { notificationRoutes } from '../api/notifications.js';
import { reportRoutes } from '../api/reports.js';
import { tokenRoutes } from '../api/tokens.js';
import { sessionRoutes } from '../api/session.js';
import { wallLinkRoutes } from '../api/wall-links.js';
import { errorResponse } from '../api/errors.js';
import { recordConfigLoad } from '../audit/config-load.js';
import { ingestGuard, ingestMode } from '../auth/ingest.js';
import { issueToken } from '../auth/tokens.js';
import type { Hono } from 'hono';
import { createVigilMetrics } from '../api/metrics.js';
import { createCollector } from '../collector/index.js';
import { loadConfigFile } from '../config/load.js';
import { loadDemoConfig } from '../config/demo.js';
import type { VigilConfig } from '../config/types.js';
import { startDemoTarget, type DemoTarget } from '../demo/target.js';
import { LiveView } from '../ingest/live-view.js';
import { IngestWriter } from '../ingest/writer.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { createProbeContext } from '../probes/context.js';
import { OutboundGuard } from '../lib/outbound-guard.js';
import { builtinProbes } from '../probes/index.js';
import { heartbeatPath } from '../probes/heartbeat.js';
import { ProbeWorkerPool, withProbeWorkers } from '../probes/probe-workers.js';
import { Scheduler } from '../probes/scheduler.js';
import { AlertingEngine } from '../rules/engine.js';
import { activeMaintenance } from '../rules/maintenance.js';
import { DELIVERY_RESULTS, Dispatcher } from '../notify/dispatcher.js';
import { builtinReceivers } from '../notify/index.js';
import { enqueueNotifications } from '../notify/outbox.js';
import { notificationsFor, notifyPlan } from '../notify/routing.js';
import { LoopStallMonitor } from '../lib/loop-stalls.js';
import { localUrl } from './healthcheck.js';
import { startHousekeeping } from '../store/housekeeping.js';
import { ReportScheduler } from '../reports/scheduler.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';

export interface ServeOptions {
  /** vigil.yaml; absent → the embedded demo. */
  readonly configFile?: string;
  /** Absent → the config's `server.port` (8080 by default). */
  readonly port: number | undefined;
  readonly host: string;
  /** A SQLite file path, or a postgres:// URL; absent → the config's `storage:`, else DEFAULT_DB. */
  readonly db?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
  /** The embedded demo target's clock (default the system's): tests move it to a scheduled outage. */
  readonly demoClock?: Clock;
}

export interface RunningVigil {
  readonly url: string;
  readonly config: VigilConfig;
  /** The HTTP app as served (its routes are what the auth table test walks). */
  readonly app: Hono;
  stop(): Promise<void>;
}

/** Vigil could not start for a reason the user can fix (a port in use); the message says which. */
export class StartError extends Error {
  override name = 'StartError';
}

/** Where the data lives when neither --db nor the config says: an embedded SQLite file. */
export const DEFAULT_DB = './data/vigil.db';

const DASHBOARD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dashboard');

/** The composition root: config, store, ingest, probes, scheduler, metrics and the HTTP app, wired together. */
export async function serve(opts: ServeOptions): Promise<RunningVigil> {
  const clock = systemClock;
  const registry = builtinProbes();
  // Everything opened so far, closed in reverse order if a later step fails or on stop.
  const closers: Array<() => Promise<void> | void> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        opts.log(`error while stopping: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    closers.length = 0;
  };
  try {
    let demo: DemoTarget | null = null;
    let config: VigilConfig;
    if (opts.configFile) {
      config = loadConfigFile(opts.configFile, { env: opts.env, registry });
    } else {
      demo = await startDemoTarget({ clock: opts.demoClock });
      closers.push(() => demo!.close());
      config = loadDemoConfig({
        demoTarget: demo.url,
        demoDns: demo.dnsAddress,
        demoTlsPort: demo.tlsPort,
        webhookSecret: demo.webhookSecret,
        registry,
      });
    }

    const store: Store = await openStore(opts.db ?? config.storage ?? DEFAULT_DB);
    closers.push(() => store.close());
    // There is no hot reload: a start is the one time a config is loaded, and each is on the record.
    await recordConfigLoad(store.audit, opts.configFile ? path.resolve(opts.configFile) : config.source, config.sha256, clock.now());
    const ingest = ingestMode(config.auth.ingest, opts.host);
    const credentials = { tokens: store.tokens, wallLinks: store.wallLinks, sessions: store.sessions, clock };
    // Before the scheduler and the API: a heartbeat check's token is made once and kept across restarts.
    const heartbeats = await ensureHeartbeatTokens(store, config.checks, clock.now());
    const live = new LiveView();
    const metrics = createVigilMetrics(new Registry(), registry.kinds(), live, config.checks);
    const writer = new IngestWriter(store, live, {
      clock,
      secrets: config.secrets,
      onFlush: (samples, failed) => metrics.observeStoreWrite(samples, failed),
      log: opts.log,
    });
    await writer.loadLastResults();
    closers.push(() => writer.close());
    const receivers = builtinReceivers();
    const plan = notifyPlan(config.notify, receivers);
    // Started once the listen address is known (below); the engine wakes it when it writes messages.
    let dispatcher: Dispatcher | null = null;
    const alerting = new AlertingEngine({
      alerting: config.alerting,
      checks: config.checks,
      store,
      clock,
      feed: writer,
      log: opts.log,
      rawRetentionMs: config.retention.rawMs,
      checkError: (checkId) => live.checkResultsById().get(checkId)?.error ?? null,
      // Outbox rows commit with the incident change that causes them: a crash loses neither.
      onIncidentChanges: async (tx, changes) => {
        const messages = changes.flatMap((change) => notificationsFor(change, plan));
        if (messages.length === 0) return;
        await enqueueNotifications(tx.outbox, messages, plan, changes[0]!.at);
        // Its first store read queues behind this transaction: the messages are sent within the tick
        // after it commits, not up to a poll interval later.
        dispatcher?.wake();
      },
    });
    // Before the scheduler: rule state and open incidents are loaded and the windows backfilled, so the
    // first runs after a restart continue pending timers instead of starting them again.
    await alerting.start();
    closers.push(() => alerting.stop());
    // What SLA reports are computed from (the scheduler's and the API's ad-hoc reports).
    const reportSources = { store, checks: config.checks, services: config.services, alerting: config.alerting, retention: config.retention, log: opts.log };
    const housekeeping = startHousekeeping(store, config.retention, clock, { log: opts.log });
    closers.push(() => housekeeping.stop());
    // One guard for probes and notifications alike (`security.outbound`).
    const outbound = new OutboundGuard(config.outbound);
    const probeContext = createProbeContext({
      clock,
      secrets: config.secrets,
      outbound,
      heartbeats: { read: (checkId) => store.heartbeats.get(checkId) },
    });
    closers.push(() => probeContext.close());
    // Lets a run's duration leave out the time Vigil itself held the loop (see lib/loop-stalls.ts).
    const loopStalls = new LoopStallMonitor();
    loopStalls.start();
    closers.push(() => loopStalls.stop());
    // scheduler.workers: the http and health checks run in worker threads, the rest on this loop.
    const probeWorkers = config.scheduler.workers > 0 ? new ProbeWorkerPool({ workers: config.scheduler.workers, secrets: config.secrets, outbound: config.outbound, log: opts.log }) : null;
    if (probeWorkers) {
      closers.push(() => probeWorkers.close());
      await probeWorkers.ready();
    }
    const scheduler = new Scheduler(config.checks, {
      registry: probeWorkers ? withProbeWorkers(registry, probeWorkers) : registry,
      loopStalls,
      writer,
      context: probeContext,
      clock,
      concurrency: config.scheduler.concurrency,
      log: opts.log,
      onRun: (run) =>
        metrics.observeRun({
          kind: run.check.kind,
          success: run.outcome.success,
          lagSeconds: (run.startedAt - run.plannedAt) / 1000,
          timedOut: run.timedOut,
          checkId: run.check.id,
          durationSeconds: run.result.durationSeconds,
        }),
    });
    closers.push(() => scheduler.stop());
    metrics.watchScheduler(scheduler);
    metrics.watchIngest(writer);
    metrics.watchAlerting(alerting);
    const observeNotification = metrics.watchNotifications({
      receivers: config.notify.receivers.map((receiver) => receiver.name),
      results: DELIVERY_RESULTS,
      depth: () => dispatcher?.depth() ?? {},
    });
    // The OTLP receiver: on Vigil's port at /v1, and on its own port when `otlp.port` says.
    const collector = config.otlp.enabled
      ? createCollector({ config: config.otlp, writer, clock, registry: metrics.registry, guard: ingestGuard(ingest, credentials, errorResponse) })
      : null;
    // One set of buckets for both ports: an exporter counts the same on either.
    const rateLimits = createRateLimits(config.server.rateLimit);
    if (rateLimits) metrics.watchRateLimits(rateLimits);
    // Large answers (/metrics, status, series) are gzipped in a thread at background priority.
    const gzip = new GzipThread();
    closers.push(() => gzip.close());
    const app = createApp({
      config,
      gzip,
      rateLimits,
      store,
      live,
      metrics,
      clock,
      schedulerRunning: () => scheduler.isRunning(),
      dashboardDir: DASHBOARD_DIR,
      incidents: () => alerting.activeIncidents(),
      ingest,
      ingestProblem: () => {
        const failure = writer.failure();
        return failure && `store writes failing for ${Math.round((clock.now() - failure.since) / 1000)}s: ${failure.reason}`;
      },
      mounts: [
        ['/api/v1', incidentRoutes({ store, actions: alerting.actions, clock })],
        ['/api/v1', alertingRoutes({ store, alerting, maintenance: config.alerting.maintenance, clock })],
        ['/api/v1', reportRoutes({ store, sources: reportSources, environments: config.environments, clock })],
        ['/api/v1', notificationRoutes({ store, clock, receivers: () => dispatcher?.receiverStates() ?? [], log: opts.log })],
        ...(collector ? [['/v1', collector.routes] as const] : []),
        ['/api/v1', heartbeatRoutes({ store, clock, checks: config.checks, log: opts.log })],
        ['/api/v1', tokenRoutes({ store, clock })],
        ['/api/v1', wallLinkRoutes({ store, clock, publicUrl: config.server.publicUrl })],
        ['/api/v1', sessionRoutes({ store, clock, lifetimeMs: config.auth.sessionLifetimeMs, publicUrl: config.server.publicUrl })],
      ],
    });

    const port = opts.port ?? config.server.port;
    const listener = await listenHttp(app, opts.host, port, config.server).catch((error: NodeJS.ErrnoException) => {
      throw listenError(error, opts.host, port);
    });
    closers.push(() => listener.close());
    let otlpNote = collector ? '; OTLP at /v1' : '';
    if (collector && config.otlp.port !== null) {
      const middleware = [securityHeaders(), ...(rateLimits ? [rateLimit(rateLimits, () => 'ingest')] : [])];
      const otlpListener = await collector.listen(opts.host, config.otlp.port, { limits: config.server, middleware }).catch((error: NodeJS.ErrnoException) => {
        throw listenError(error, opts.host, config.otlp.port!);
      });
      closers.push(() => otlpListener.close());
      otlpNote += ` and on port ${otlpListener.port}`;
    }
    scheduler.start();
    const boundPort = listener.port;
    const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    const url = `http://${shownHost}:${boundPort}`;
    // Started once the listen address is known: messages link to the dashboard (`server.public_url` wins).
    const started = new Dispatcher({
      store,
      clock,
      receivers,
      config: config.notify,
      baseUrl: config.server.publicUrl ?? url,
      secrets: config.secrets,
      outbound,
      log: opts.log,
      onResult: observeNotification,
      maintenance: (target, at) => activeMaintenance(config.alerting.maintenance, at, target)[0]?.spec.id ?? null,
    });
    dispatcher = started;
    started.start();
    closers.push(() => started.stop());
    // After the dispatcher: a report's messages are queued with it and sent on the dispatcher's wake.
    const reportScheduler = new ReportScheduler({
      reports: config.reports,
      sources: reportSources,
      store,
      clock,
      log: opts.log,
      onQueued: () => started.wake(),
      onResult: metrics.watchReports(config.reports.map((report) => report.name)),
    });
    reportScheduler.start();
    closers.push(() => reportScheduler.stop());
    // The demo app's backup job beats on this Vigil's own heartbeat URLs, as a cron job would.
    const ownUrl = localUrl(opts.host, boundPort);
    demo?.startBackupJobs(ownUrl, heartbeats.map((record) => ({ env: record.checkId.split('/')[0]!, path: heartbeatPath(record.token) })));
    opts.log(
      `Vigil listening on ${url} (config: ${config.source}; ${config.checks.length} checks in ${config.environments.join(', ')}; ` +
        `store: ${store.info.engine} ${config.secrets.scrub(store.info.location)}${otlpNote}; ingest: ${ingest})`,
    );
    if (demo) {
      opts.log(`demo: notifications go to the demo target's webhook sink; see what arrived at ${demo.webhookUrl}`);
      // Mutations need a token even in the demo ([X1]): a fresh admin one each start, good for a day.
      const signIn = await issueToken(store, { name: 'demo-admin', role: 'admin', expires: '24h', createdBy: 'vigil serve (demo)' }, clock.now());
      opts.log(`demo: sign in to act on incidents (admin token, valid 24h, shown once): ${url}/#token=${signIn.text}`);
    }

    let stopping: Promise<void> | null = null;
    // Stop order: the HTTP server, the scheduler, probes' sockets, housekeeping, the rules engine's last cycle, the writer's last flush, the store.
    return { url, config, app, stop: () => (stopping ??= closeAll()) };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') return new StartError(`cannot listen on ${host}:${port}: the port is in use (choose another with --port or PORT)`);
  if (error.code === 'EACCES') return new StartError(`cannot listen on ${host}:${port}: permission denied (ports below 1024 need privileges)`);
  if (error.code === 'EADDRNOTAVAIL') return new StartError(`cannot listen on ${host}:${port}: no such address on this machine (check --host)`);
  return error;
}
