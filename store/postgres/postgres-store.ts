// The PostgreSQL engine of the Store contract: a pool of connections; each write is a transaction on
// one of them, each query one REPEATABLE READ snapshot, and `transaction(fn)` holds one connection
// from BEGIN to COMMIT. Several Vigils may share the database: rollups and migrations coordinate
// through advisory locks, and every call reads the rollup progress the database holds.
import { SerialQueue } from '../../lib/serial.js';
import type {
  CheckResult,
  CheckResultStore,
  AuditStore,
  SessionStore,
  WallLinkStore,
  ReportStore,
  ReportWrites,
  HeartbeatStore,
  TokenStore,
  IncidentStore,
  IncidentWrites,
  OutboxStore,
  OutboxWrites,
  PostmortemStore,
  QueryLimits,
  Retention,
  RuleStateStore,
  RuleStateWrites,
  Sample,
  SampleStore,
  SeriesQuery,
  SeriesQueryResult,
  SilenceStore,
  Store,
  StoreInfo,
  StoreTx,
} from '../types.js';
import { appendSamples, lockRollupsShared, newAppendContext } from './append.js';
import { lastCheckResults, recordCheckResults } from './checks.js';
import { commit, createPool, inTransaction, redactUrl, rollbackQuietly, urlSecrets, type Pool, type PoolClient } from './connection.js';
import {
  activeIncidents,
  addIncidentEvent,
  createIncident,
  getIncident,
  incidentEvents,
  latestIncidentByFingerprint,
  listIncidents,
  updateIncident,
} from './incidents.js';
import { createPostmortem, getPostmortem, listPostmortems, postmortemByIncident, updatePostmortem } from './postmortems.js';
import { enforceRetention } from './retention.js';
import { rolledUpTo, rollUpStep } from './rollups.js';
import { allRuleState, saveRuleState } from './rule-state.js';
import { migrate } from './schema.js';
import { SeriesCatalog } from './series.js';
import { createSilence, expireSilence, getSilence, listSilences } from './silences.js';
import * as outbox from './outbox.js';
import { beatHeartbeat, ensureHeartbeats, getHeartbeat, listHeartbeats, rotateHeartbeat } from './heartbeats.js';
import { querySeries } from './snapshot.js';
import * as auth from './auth.js';
import * as sessions from './sessions.js';
import { getReport, insertReportIfAbsent, listReports } from './reports.js';
import { encodeSeriesResult } from '../series-json.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  readonly maxConnections?: number;
  /** Where to report a pooled connection that broke while idle (default: stderr). */
  readonly log?: (message: string) => void;
}

/** Store on a PostgreSQL database. */
export class PostgresStore implements Store {
  readonly info: StoreInfo;
  readonly samples: SampleStore;
  readonly checks: CheckResultStore;
  readonly incidents: IncidentStore;
  readonly ruleState: RuleStateStore;
  readonly silences: SilenceStore;
  readonly postmortems: PostmortemStore;
  readonly outbox: OutboxStore;
  readonly heartbeats: HeartbeatStore;
  readonly tokens: TokenStore;
  readonly audit: AuditStore;
  readonly sessions: SessionStore;
  readonly wallLinks: WallLinkStore;
  readonly reports: ReportStore;
  readonly #pool: Pool;
  readonly #catalog = new SeriesCatalog();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(pool: Pool, location: string) {
    this.#pool = pool;
    this.info = { engine: 'postgres', location };
    this.samples = {
      append: (samples) => this.#run(() => this.#append(samples)),
      query: (query, limits) => this.#run(() => querySeries(pool, query, limits)),
      // Rows arrive on the main thread here: serialize a slice at a time between other work on the loop.
      queryJson: (query, limits) => this.#run(async () => encodeSeriesResult(await querySeries(pool, query, limits), yieldToLoop)),
      rollUp: (at, maxSeries) => this.#run(() => inTransaction(pool, (client) => rollUpStep(client, at, maxSeries))),
      rolledUpTo: () => this.#run(() => inTransaction(pool, rolledUpTo)),
      enforceRetention: (at, retention: Retention, batch = 5000) =>
        this.#run(() => inTransaction(pool, (client) => enforceRetention(client, at, retention, batch))),
    };
    this.checks = {
      record: (results) => this.#run(() => inTransaction(pool, (client) => recordCheckResults(client, results))),
      last: () => this.#run(() => inTransaction(pool, lastCheckResults)),
    };
    // Each call its own transaction: an incident and its first event commit together.
    const on: OnClient = (task) => this.#run(() => inTransaction(pool, task));
    this.incidents = {
      ...incidentWrites(on),
      events: (id) => on((client) => incidentEvents(client, id)),
      list: (filter) => on((client) => listIncidents(client, filter)),
      active: () => on(activeIncidents),
    };
    this.ruleState = { ...ruleStateWrites(on), all: () => on(allRuleState) };
    this.silences = {
      create: (silence) => on((client) => createSilence(client, silence)),
      get: (id) => on((client) => getSilence(client, id)),
      list: (at, opts) => on((client) => listSilences(client, at, opts?.includeExpired ?? false)),
      expire: (id, at) => on((client) => expireSilence(client, id, at)),
    };
    this.postmortems = {
      create: (postmortem) => on((client) => createPostmortem(client, postmortem)),
      get: (id) => on((client) => getPostmortem(client, id)),
      byIncident: (incidentId) => on((client) => postmortemByIncident(client, incidentId)),
      update: (id, changes, at) => on((client) => updatePostmortem(client, id, changes, at)),
      list: (filter) => on((client) => listPostmortems(client, filter)),
    };
    this.outbox = {
      ...outboxWrites(on),
      claim: (at, leaseMs, limit) => on((client) => outbox.claimOutbox(client, at, leaseMs, limit)),
      get: (id) => on((client) => outbox.getOutbox(client, id)),
      list: (filter) => on((client) => outbox.listOutbox(client, filter)),
      replay: (id, at) => on((client) => outbox.replayOutbox(client, id, at)),
      counts: () => on(outbox.outboxCounts),
      prune: (before, batch = 5000) => on((client) => outbox.pruneOutbox(client, before, batch)),
    };
    this.heartbeats = {
      ensure: (checks, at) => on((client) => ensureHeartbeats(client, checks, at)),
      beat: (token, beat) => on((client) => beatHeartbeat(client, token, beat)),
      get: (checkId) => on((client) => getHeartbeat(client, checkId)),
      list: () => on(listHeartbeats),
      rotate: (checkId, token) => on((client) => rotateHeartbeat(client, checkId, token)),
    };
    this.tokens = {
      create: (token) => on((client) => auth.createToken(client, token)),
      byHash: (hash) => on((client) => auth.tokenByHash(client, hash)),
      get: (id) => on((client) => auth.getToken(client, id)),
      list: () => on(auth.listTokens),
      revoke: (id, at) => on((client) => auth.revokeToken(client, id, at)),
      touch: (id, at) => on((client) => auth.touchToken(client, id, at)),
    };
    this.audit = {
      append: (entry) => on((client) => auth.appendAudit(client, entry)),
      list: (filter) => on((client) => auth.listAudit(client, filter)),
      lastOf: (action) => on((client) => auth.lastAuditOf(client, action)),
    };
    this.sessions = {
      create: (session) => on((client) => sessions.createSession(client, session)),
      byHash: (hash) => on((client) => sessions.sessionByHash(client, hash)),
      end: (hash, at) => on((client) => sessions.endSession(client, hash, at)),
      activeCounts: (at) => on((client) => sessions.activeSessionCounts(client, at)),
    };
    this.wallLinks = {
      create: (link) => on((client) => sessions.createWallLink(client, link)),
      byHash: (hash) => on((client) => sessions.wallLinkByHash(client, hash)),
      list: () => on(sessions.listWallLinks),
      revoke: (id, at) => on((client) => sessions.revokeWallLink(client, id, at)),
      touch: (id, at) => on((client) => sessions.touchWallLink(client, id, at)),
    };
    this.reports = {
      ...reportWrites(on),
      get: (id) => on((client) => getReport(client, id)),
      list: (filter) => on((client) => listReports(client, filter)),
    };
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#run(async () => {
      const client = await this.#pool.connect();
      const context = newAppendContext();
      // Calls on `tx` run one at a time (they share one connection, and an append is several
      // statements). A call that failed fails the transaction even if `fn` caught its error: after a
      // failed statement PostgreSQL would roll back anyway, so the rule is the same wherever it failed.
      const queue = new SerialQueue();
      let failed: unknown = null;
      const call = <R>(task: () => Promise<R>): Promise<R> =>
        queue.run(task).catch((error: unknown) => {
          failed ??= error;
          throw error;
        });
      const tx: StoreTx = {
        samples: {
          append: (samples: readonly Sample[]) =>
            call(async () => {
              await lockRollupsShared(client, context, false);
              await appendSamples(client, this.#catalog, samples, context);
            }),
        },
        checks: {
          record: (results: readonly CheckResult[]) => call(() => recordCheckResults(client, results)),
          last: () => call(() => lastCheckResults(client)),
        },
        incidents: incidentWrites((task) => call(() => task(client))),
        ruleState: ruleStateWrites((task) => call(() => task(client))),
        outbox: outboxWrites((task) => call(() => task(client))),
        reports: reportWrites((task) => call(() => task(client))),
      };
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        // A call `fn` started but did not await would otherwise run after COMMIT.
        await queue.run(() => undefined);
        if (failed !== null) throw new Error(`the transaction was rolled back: a call in it failed: ${(failed as Error).message}`, { cause: failed });
        await commit(client);
        this.#catalog.commit(context.pending);
        return result;
      } catch (error) {
        await queue.run(() => undefined);
        broken = !(await rollbackQuietly(client));
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }

  async isWritable(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      await this.#run(() =>
        this.#pool.query("INSERT INTO meta (key, value) VALUES ('writable_probe', 1) ON CONFLICT (key) DO UPDATE SET value = meta.value + 1"),
      );
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    await this.#pool.end();
  }

  async #append(samples: readonly Sample[]): Promise<void> {
    const context = newAppendContext();
    await inTransaction(this.#pool, async (client) => {
      await lockRollupsShared(client, context, true);
      await appendSamples(client, this.#catalog, samples, context);
    });
    // Only once committed: ids of a rolled-back batch must not be cached.
    this.#catalog.commit(context.pending);
  }

  /** Runs a call of the store, refused once closing began; `close` waits for those in flight. */
  #run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    const promise = task();
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

/** Runs a task on a connection: a transaction of its own, or the call queue of an open one. */
type OnClient = <T>(task: (client: PoolClient) => Promise<T>) => Promise<T>;

function incidentWrites(on: OnClient): IncidentWrites {
  return {
    create: (incident, event) => on((client) => createIncident(client, incident, event)),
    update: (id, changes, event, at) => on((client) => updateIncident(client, id, changes, event, at)),
    addEvent: (id, event) => on((client) => addIncidentEvent(client, id, event)),
    get: (id) => on((client) => getIncident(client, id)),
    latestByFingerprint: (fingerprint) => on((client) => latestIncidentByFingerprint(client, fingerprint)),
  };
}

function outboxWrites(on: OnClient): OutboxWrites {
  return {
    enqueue: (messages) => on((client) => outbox.enqueueOutbox(client, messages)),
    openInGroup: (receiver, groupKey) => on((client) => outbox.openInGroup(client, receiver, groupKey)),
    refold: (id, message, incidentIds) => on((client) => outbox.refold(client, id, message, incidentIds)),
    lastDueInGroup: (receiver, groupKey) => on((client) => outbox.lastDueInGroup(client, receiver, groupKey)),
    countSince: (receiver, since) => on((client) => outbox.countSince(client, receiver, since)),
    markDelivered: (id, attempt) => on((client) => outbox.markDelivered(client, id, attempt)),
    markRetry: (id, attempt, dueAt) => on((client) => outbox.markRetry(client, id, attempt, dueAt)),
    postpone: (id, dueAt) => on((client) => outbox.postpone(client, id, dueAt)),
    markFinal: (id, state, attempt, reason) => on((client) => outbox.markFinal(client, id, state, attempt, reason)),
  };
}

function reportWrites(on: OnClient): ReportWrites {
  return { insertIfAbsent: (report) => on((client) => insertReportIfAbsent(client, report)) };
}

function ruleStateWrites(on: OnClient): RuleStateWrites {
  return { save: (records, deleted) => on((client) => saveRuleState(client, records, deleted)) };
}

/**
 * Opens the store on the PostgreSQL database at `url` (`postgres://user:password@host:port/db`),
 * creating its tables or migrating them. Errors name the database without its password.
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const location = redactUrl(url);
  const secrets = urlSecrets(url);
  const log = opts.log ?? ((message: string) => console.error(message));
  const pool = createPool(url, {
    maxConnections: opts.maxConnections ?? 10,
    onIdleError: (error) => log(`store: a PostgreSQL connection to ${location} failed while idle: ${secrets.scrub(error.message)}`),
  });
  try {
    await migrate(pool, location);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw scrubbed(error, location, secrets);
  }
  return new PostgresStore(pool, location);
}

/** The error with the password scrubbed from its message, and the database named when it does not say. */
function scrubbed(error: unknown, location: string, secrets: ReturnType<typeof urlSecrets>): Error {
  if (!(error instanceof Error)) return new Error(`${location}: ${secrets.scrub(String(error))}`);
  error.message = secrets.scrub(error.message);
  if (error.message.includes(location)) return error;
  const wrapped = new Error(`${location}: ${error.message}`, { cause: error });
  wrapped.name = error.name;
  return wrapped;
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
