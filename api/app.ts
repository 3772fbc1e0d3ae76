import { Hono } from 'hono';
import { compress } from 'hono/compress';
import type { IngestMode, VigilConfig } from '../config/types.js';
import { publicConfig } from '../config/public.js';
import type { Clock } from '../lib/clock.js';
import type { LiveView } from '../ingest/live-view.js';
import type { Incident, Store } from '../store/types.js';
import type { VigilMetrics } from './metrics.js';
import { negotiateExposition } from './exposition.js';
import { randomBytes } from 'node:crypto';
import { statusIndex } from './status.js';
import { StatusFeed } from './status-feed.js';
import { parseSeriesParams } from './series-params.js';
import { errorResponse, notFound } from './errors.js';
import { mutationGuard } from './mutations.js';
import { maintenanceMarks } from '../rules/maintenance.js';
import { acceptsGzip, jsonBytes, jsonParts, METRICS_GZIP_LEVEL, poolGzip, type Gzipper } from './encoding.js';
import { securityHeaders } from './security-headers.js';
import { createRateLimits, rateLimit, type RateLimits } from './rate-limit.js';
import { StaticAssets } from './static.js';

export interface AppDeps {
  readonly config: VigilConfig;
  readonly store: Store;
  /** Last values and check results as measured: what the status page and /metrics show. */
  readonly live: LiveView;
  readonly metrics: VigilMetrics;
  readonly clock: Clock;
  /** Whether the scheduler is running, for /health/ready. */
  readonly schedulerRunning: () => boolean;
  /** Folder of the built dashboard (index.html + assets); absent → the API alone. */
  readonly dashboardDir?: string;
  /**
   * Sub-apps that bring their own routes (the collector, rules, notifications), mounted at their
   * path before the API's catch-all: `[['/v1', collectorRoutes]]`.
   */
  readonly mounts?: ReadonlyArray<readonly [path: string, app: Hono]>;
  /** Names this run in status cursors (default: random), so a dashboard's cursor from before a restart gets the whole status. */
  readonly runId?: string;
  /** Unresolved incidents (the rules engine's), summed per cell in the status; none when absent. */
  readonly incidents?: () => readonly Incident[];
  /** Who may beat a heartbeat (auth/ingest.ts ingestMode); default open. */
  readonly ingest?: IngestMode;
  /** How long one status answer is handed to every poll (default 1 s). */
  readonly statusMaxAgeMs?: number;
  /** Requests per client (shared with the OTLP port's listener); default from `server.rate_limit`, null → none. */
  readonly rateLimits?: RateLimits | null;
  /** Why ingest cannot write to the store now (the disk is full…), for /health/ready; null while it can. */
  readonly ingestProblem?: () => string | null;
  /** What gzips large answers (the server's gzip thread); default node:zlib in libuv's thread pool. */
  readonly gzip?: Gzipper;
}

/** The routes whose requests count as ingest rather than API use: a job's heartbeat beat. */
const HEARTBEAT_BEAT = /^\/api\/v1\/heartbeat\//;

/** The HTTP app: health, /metrics, the JSON API and the dashboard. Built from parts passed in. */
export function createApp(deps: AppDeps): Hono {
  const { config, store, live, metrics, clock } = deps;
  const gzip = deps.gzip ?? poolGzip;
  const app = new Hono();
  app.onError((err, c) => errorResponse(c, err));
  app.notFound((c) => notFound(c));
  app.use('*', securityHeaders());
  // gzip or deflate when the client asks (Prometheus and browsers do): a status of 6,000 cells is ~1.7 MB
  // as JSON and ~0.1 MB compressed. zlib works in the thread pool, but CompressionStream's plumbing still
  // costs main-thread time per chunk (seen in a profile at 40,000 checks; see bench/loop.mjs).
  app.use('*', compress());
  // Before the API's guard: a client past its rate costs no token lookup. /health/* is never limited.
  const limits = deps.rateLimits === undefined ? createRateLimits(config.server.rateLimit) : deps.rateLimits;
  if (limits) {
    app.use('/api/*', rateLimit(limits, (c) => (HEARTBEAT_BEAT.test(c.req.path) ? 'ingest' : 'api')));
    app.use('/v1/*', rateLimit(limits, () => 'ingest'));
    app.use('/metrics', rateLimit(limits, () => 'metrics'));
  }
  // Every API route passes here: its token and role, and for a change its body bound and audit entry.
  app.use(
    '/api/*',
    mutationGuard({
      tokens: store.tokens,
      wallLinks: store.wallLinks,
      sessions: store.sessions,
      audit: store.audit,
      clock,
      anonymousRead: config.auth.anonymousRead,
      ingest: deps.ingest ?? 'open',
      publicUrl: config.server.publicUrl,
    }),
  );

  app.get('/health/live', (c) => c.json({ status: 'ok' }));
  app.get('/health/ready', async (c) => {
    const problems = [
      ...((await store.isWritable()) ? [] : ['store is not writable']),
      ...(deps.schedulerRunning() ? [] : ['scheduler is not running']),
      ...[deps.ingestProblem?.() ?? null].filter((problem): problem is string => problem !== null),
    ];
    return c.json({ status: problems.length ? 'unavailable' : 'ok', problems }, problems.length ? 503 : 200);
  });

  // Made a chunk at a time between other work on the loop (25 MB at 15,000 checks). Streamed as it is
  // made; when the scraper takes gzip (Prometheus does), gzipped as it streams off the main thread in
  // large pieces: CompressionStream's 16 KiB pieces cost the loop ~27 ms a scrape of 3.6 MB, and
  // gathering the whole text first held it all in memory.
  // OpenMetrics when the scraper asks for it (Prometheus does), else the text format.
  app.get('/metrics', async (c) => {
    const format = negotiateExposition(c.req.header('accept'));
    const contentType = metrics.contentTypeOf(format);
    if (!acceptsGzip(c.req.header('accept-encoding'))) return c.body(metrics.scrape(format), 200, { 'content-type': contentType });
    const { scrapes } = gzip;
    const body = scrapes ? scrapes.streamParts(metrics.scrapeParts(format, scrapes), METRICS_GZIP_LEVEL) : gzip.stream(metrics.scrape(format), METRICS_GZIP_LEVEL);
    return c.body(body, 200, { 'content-type': contentType, vary: 'Accept-Encoding', 'content-encoding': 'gzip' });
  });

  const status = new StatusFeed(statusIndex(config), live, clock, {
    runId: deps.runId ?? randomBytes(6).toString('hex'),
    maxAgeMs: deps.statusMaxAgeMs,
    incidents: deps.incidents,
    gzip,
  });
  app.get('/api/v1/status', async (c) => {
    const answer = await status.answer(c.req.query('since'));
    const headers = { etag: answer.etag, 'cache-control': 'no-cache' };
    if (c.req.header('if-none-match') === answer.etag) return c.body(null, 304, headers);
    return jsonBytes(c, answer.body, headers, answer.gzipped);
  });

  // The series arrive as JSON text from the store (built in a reader thread on SQLite): this thread only
  // frames them (jsonParts: no copy), so a 400,000-point answer costs it no parse, no stringify and no join.
  app.get('/api/v1/series', async (c) => {
    const query = parseSeriesParams(c.req.queries(), clock.now());
    const result = await store.samples.queryJson(query);
    const { metric, from, to, stepMs, aggregate } = query;
    const head = JSON.stringify({ metric, from, to, stepMs, aggregate, resolution: result.resolution });
    const maintenance = JSON.stringify(maintenanceMarks(config.alerting.maintenance, from, to, query.matchers));
    return jsonParts(c, [Buffer.from(`${head.slice(0, -1)},"series":`), result.seriesJson, Buffer.from(`,"maintenance":${maintenance}}`)], gzip);
  });

  app.get('/api/v1/config', (c) => c.json({ source: config.source, config: publicConfig(config) }));

  for (const [path, sub] of deps.mounts ?? []) app.route(path, sub);

  app.all('/api/*', (c) => notFound(c));

  const assets = deps.dashboardDir ? StaticAssets.load(deps.dashboardDir) : null;
  // A file of the dashboard by its exact path, index.html for client-side routes (#/… today, /wall
  // later), else the 404 of any unknown path (a missing /assets/x.js is not the app page).
  if (assets) app.get('/*', (c) => assets.answer(c, c.req.path) ?? notFound(c));
  return app;
}
