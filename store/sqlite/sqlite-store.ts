// The SQLite engine of the Store contract: one writer connection behind a serial queue (so an async
// transaction has it to itself), and series queries in reader threads on the same WAL file so a heavy
// read never blocks the event loop that runs the probes.
import { availableParallelism } from 'node:os';
import { SerialQueue } from '../../lib/serial.js';
import { runSeriesQuery } from '../query.js';
import { answerAsJson } from '../series-json.js';
import type {
  CheckResult,
  EncodedSeriesQueryResult,
  CheckResultStore,
  AuditStore,
  HeartbeatStore,
  TokenStore,
  SessionStore,
  WallLinkStore,
  ReportStore,
  ReportWrites,
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
import { SqliteCore } from './core.js';
import { openDatabase } from './db.js';
import { ReaderPool } from './reader-pool.js';

export interface SqliteStoreOptions {
  /**
   * Reader threads for series queries; 0 answers them on the writer connection in this thread (what
   * an in-memory database must do). Default: one less than the cores, at most 2, at least 1, so that
   * heavy queries leave a core to the thread that runs the probes.
   */
  readonly readers?: number;
}

/** Store on one SQLite file (WAL). */
export class SqliteStore implements Store {
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
  readonly #core: SqliteCore;
  readonly #writer = new SerialQueue();
  readonly #readers: ReaderPool | null;
  #closed = false;

  constructor(core: SqliteCore, readers: ReaderPool | null, location: string) {
    this.#core = core;
    this.#readers = readers;
    this.info = { engine: 'sqlite', location };
    const tx = this.#txView();
    this.samples = {
      append: (samples) => this.#write(() => core.inTransaction(() => core.appendRows(samples))),
      query: (query, limits) => this.#query(query, limits),
      queryJson: (query, limits) => this.#queryJson(query, limits),
      rollUp: (at, maxSeries) => this.#write(() => core.rollUp(at, maxSeries)),
      rolledUpTo: () => this.#write(() => core.rolledUpTo),
      enforceRetention: (at, retention, batch = 5000) => this.#write(() => core.enforceRetention(at, retention, batch)),
    };
    this.checks = {
      record: (results) => this.#write(() => core.inTransaction(() => core.recordRows(results))),
      last: () => this.#write(() => core.lastCheckResults()),
    };
    const write: Run = (fn) => this.#write(() => core.inTransaction(fn));
    const read: Run = (fn) => this.#write(fn);
    this.incidents = {
      ...incidentWrites(core, write, read),
      events: (id) => read(() => core.incidents.events(id)),
      list: (filter) => read(() => core.incidents.list(filter)),
      active: () => read(() => core.incidents.active()),
    };
    this.ruleState = {
      ...ruleStateWrites(core, write),
      all: () => read(() => core.ruleState.all()),
    };
    this.silences = {
      create: (silence) => write(() => core.silences.create(silence)),
      get: (id) => read(() => core.silences.get(id)),
      list: (at, opts) => read(() => core.silences.list(at, opts?.includeExpired ?? false)),
      expire: (id, at) => write(() => core.silences.expire(id, at)),
    };
    this.postmortems = {
      create: (postmortem) => write(() => core.postmortems.create(postmortem)),
      get: (id) => read(() => core.postmortems.get(id)),
      byIncident: (incidentId) => read(() => core.postmortems.byIncident(incidentId)),
      update: (id, changes, at) => write(() => core.postmortems.update(id, changes, at)),
      list: (filter) => read(() => core.postmortems.list(filter)),
    };
    this.outbox = {
      ...outboxWrites(core, write, read),
      claim: (at, leaseMs, limit) => write(() => core.outbox.claim(at, leaseMs, limit)),
      get: (id) => read(() => core.outbox.get(id)),
      list: (filter) => read(() => core.outbox.list(filter)),
      replay: (id, at) => write(() => core.outbox.replay(id, at)),
      counts: () => read(() => core.outbox.counts()),
      prune: (before, batch = 5000) => write(() => core.outbox.prune(before, batch)),
    };
    this.heartbeats = {
      ensure: (checks, at) => write(() => core.heartbeats.ensure(checks, at)),
      beat: (token, beat) => write(() => core.heartbeats.beat(token, beat)),
      get: (checkId) => read(() => core.heartbeats.get(checkId)),
      list: () => read(() => core.heartbeats.list()),
      rotate: (checkId, token) => write(() => core.heartbeats.rotate(checkId, token)),
    };
    this.tokens = {
      create: (token) => write(() => core.tokens.create(token)),
      byHash: (hash) => read(() => core.tokens.byHash(hash)),
      get: (id) => read(() => core.tokens.get(id)),
      list: () => read(() => core.tokens.list()),
      revoke: (id, at) => write(() => core.tokens.revoke(id, at)),
      touch: (id, at) => write(() => core.tokens.touch(id, at)),
    };
    this.audit = {
      append: (entry) => write(() => core.audit.append(entry)),
      list: (filter) => read(() => core.audit.list(filter)),
      lastOf: (action) => read(() => core.audit.lastOf(action)),
    };
    this.sessions = {
      create: (session) => write(() => core.sessions.create(session)),
      byHash: (hash) => read(() => core.sessions.byHash(hash)),
      end: (hash, at) => write(() => core.sessions.end(hash, at)),
      activeCounts: (at) => read(() => core.sessions.activeCounts(at)),
    };
    this.wallLinks = {
      create: (link) => write(() => core.wallLinks.create(link)),
      byHash: (hash) => read(() => core.wallLinks.byHash(hash)),
      list: () => read(() => core.wallLinks.list()),
      revoke: (id, at) => write(() => core.wallLinks.revoke(id, at)),
      touch: (id, at) => write(() => core.wallLinks.touch(id, at)),
    };
    this.reports = {
      ...reportWrites(core, write),
      get: (id) => read(() => core.reports.get(id)),
      list: (filter) => read(() => core.reports.list(filter)),
    };
    this.#tx = tx;
  }

  readonly #tx: StoreTx;

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#write(async () => {
      this.#core.begin();
      try {
        const result = await fn(this.#tx);
        this.#core.commit();
        return result;
      } catch (error) {
        this.#core.rollback();
        throw error;
      }
    });
  }

  isWritable(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return this.#write(() => this.#core.isWritable());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#readers?.close();
    await this.#writer.run(() => {
      if (this.#core.db.open) this.#core.db.close();
    });
  }

  /** The writer connection's methods as a transaction uses them: no queue (the transaction holds it). */
  #txView(): StoreTx {
    const core = this.#core;
    return {
      samples: { append: (samples: readonly Sample[]) => now(() => core.appendRows(samples)) },
      checks: {
        record: (results: readonly CheckResult[]) => now(() => core.recordRows(results)),
        last: () => now(() => core.lastCheckResults()),
      },
      incidents: incidentWrites(core, now, now),
      ruleState: ruleStateWrites(core, now),
      outbox: outboxWrites(core, now, now),
      reports: reportWrites(core, now),
    };
  }

  #write<T>(task: () => T | Promise<T>): Promise<T> {
    if (this.#closed && this.#core.db.open === false) return Promise.reject(new Error('the store is closed'));
    return this.#writer.run(task);
  }

  #queryJson(query: SeriesQuery, limits?: QueryLimits): Promise<EncodedSeriesQueryResult> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    if (this.#readers) return this.#readers.queryJson(query, limits);
    return this.#write(() => answerAsJson((onSeries) => runSeriesQuery(this.#core.snapshot(), query, limits, onSeries)));
  }

  #query(query: SeriesQuery, limits?: QueryLimits): Promise<SeriesQueryResult> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    if (this.#readers) return this.#readers.query(query, limits);
    // No reader threads: answer on the writer connection, between its writes.
    return this.#write(() => runSeriesQuery(this.#core.snapshot(), query, limits));
  }
}

/** Runs a synchronous call of the core and hands back its result (or error) as a promise. */
type Run = <T>(fn: () => T) => Promise<T>;

/** Runs `fn` now: inside a transaction, which already holds the writer connection. */
const now: Run = (fn) => {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
};

/** Incident writes and their reads, through `write` (a transaction of its own, or the one open) and `read`. */
function incidentWrites(core: SqliteCore, write: Run, read: Run): IncidentWrites {
  return {
    create: (incident, event) => write(() => core.incidents.create(incident, event)),
    update: (id, changes, event, at) => write(() => core.incidents.update(id, changes, event, at)),
    addEvent: (id, event) => write(() => core.incidents.addEvent(id, event)),
    get: (id) => read(() => core.incidents.get(id)),
    latestByFingerprint: (fingerprint) => read(() => core.incidents.latestByFingerprint(fingerprint)),
  };
}

/** Outbox writes and their reads, through `write` (a transaction of its own, or the one open) and `read`. */
function outboxWrites(core: SqliteCore, write: Run, read: Run): OutboxWrites {
  return {
    enqueue: (messages) => write(() => core.outbox.enqueue(messages)),
    openInGroup: (receiver, groupKey) => read(() => core.outbox.openInGroup(receiver, groupKey)),
    refold: (id, message, incidentIds) => write(() => core.outbox.refold(id, message, incidentIds)),
    lastDueInGroup: (receiver, groupKey) => read(() => core.outbox.lastDueInGroup(receiver, groupKey)),
    countSince: (receiver, since) => read(() => core.outbox.countSince(receiver, since)),
    markDelivered: (id, attempt) => write(() => core.outbox.markDelivered(id, attempt)),
    markRetry: (id, attempt, dueAt) => write(() => core.outbox.markRetry(id, attempt, dueAt)),
    postpone: (id, dueAt) => write(() => core.outbox.postpone(id, dueAt)),
    markFinal: (id, state, attempt, reason) => write(() => core.outbox.markFinal(id, state, attempt, reason)),
  };
}

function reportWrites(core: SqliteCore, write: Run): ReportWrites {
  return { insertIfAbsent: (report) => write(() => core.reports.insertIfAbsent(report)) };
}

function ruleStateWrites(core: SqliteCore, write: Run): RuleStateWrites {
  return { save: (records, deleted) => write(() => core.ruleState.save(records, deleted)) };
}

/** Opens (creating and migrating if needed) the store at `path`; ':memory:' for a throwaway store. */
export async function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const db = openDatabase(path);
  let core: SqliteCore;
  try {
    core = new SqliteCore(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const inMemory = path === ':memory:' || path === '';
  const readerCount = inMemory ? 0 : (opts.readers ?? Math.max(1, Math.min(2, availableParallelism() - 1)));
  let readers: ReaderPool | null = null;
  if (readerCount > 0) {
    try {
      readers = await ReaderPool.start(db.name, readerCount);
    } catch (error) {
      db.close();
      throw error;
    }
  }
  return new SqliteStore(core, readers, inMemory ? ':memory:' : db.name);
}
