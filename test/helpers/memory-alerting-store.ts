// An in-memory store of exactly the concerns the rules engine uses (samples, incidents, rule state,
// transactions), for its tests until the SQL stores implement them: small and honest — a transaction
// runs alone and rolls every change back when it throws.
import { encodeSeriesResult } from '../../store/series-json.js';
import { NotFoundError } from '../../lib/errors.js';
import { SerialQueue } from '../../lib/serial.js';
import { labelsKey, matchesLabels } from '../../store/labels.js';
import type {
  Incident,
  IncidentEvent,
  IncidentFilter,
  IncidentStore,
  RuleInstanceRecord,
  RuleStateStore,
  Sample,
  SampleStore,
  SeriesQuery,
  SeriesQueryResult,
  Store,
  StoreTx,
} from '../../store/types.js';

export type AlertingStore = Pick<Store, 'samples' | 'incidents' | 'ruleState' | 'transaction'>;

export class MemoryAlertingStore implements AlertingStore {
  #samples: Sample[] = [];
  #incidents = new Map<number, Incident>();
  #events: IncidentEvent[] = [];
  #rules = new Map<string, RuleInstanceRecord>();
  #nextIncident = 1;
  #nextEvent = 1;
  #failTransactions = 0;
  readonly #queue = new SerialQueue();
  /** Transactions committed (for assertions that a cycle commits once). */
  committed = 0;

  readonly samples: SampleStore = {
    append: async (samples) => {
      this.#samples.push(...samples);
    },
    query: async (query) => this.#query(query),
    queryJson: async (query) => encodeSeriesResult(await this.#query(query)),
    rollUp: async () => ({ buckets: 0, more: false }),
    rolledUpTo: async () => null,
    enforceRetention: async () => 0,
  };

  readonly incidents: IncidentStore = {
    create: async (incident, event) => {
      const created: Incident = { ...incident, id: this.#nextIncident++, state: 'open', acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null, reopenCount: 0, updatedAt: event.at };
      this.#incidents.set(created.id, created);
      this.#addEvent(created.id, event);
      return created;
    },
    update: async (id, changes, event, at) => {
      const incident = this.#incidents.get(id);
      if (!incident) throw new NotFoundError(`no incident ${id}`);
      const updated: Incident = { ...incident, ...changes, updatedAt: at };
      this.#incidents.set(id, updated);
      if (event) this.#addEvent(id, event);
      return updated;
    },
    addEvent: async (id, event) => {
      if (!this.#incidents.has(id)) throw new NotFoundError(`no incident ${id}`);
      return this.#addEvent(id, event);
    },
    get: async (id) => this.#incidents.get(id) ?? null,
    latestByFingerprint: async (fingerprint) => [...this.#incidents.values()].filter((i) => i.fingerprint === fingerprint).at(-1) ?? null,
    events: async (id) => this.#events.filter((e) => e.incidentId === id),
    list: async (filter: IncidentFilter) => {
      const all = [...this.#incidents.values()].reverse().filter((i) => (filter.states ? filter.states.includes(i.state) : true) && (filter.rule ? i.rule === filter.rule : true));
      return { incidents: all.slice(0, filter.limit), nextCursor: null };
    },
    active: async () => [...this.#incidents.values()].filter((i) => i.state !== 'resolved'),
  };

  readonly ruleState: RuleStateStore = {
    save: async (records, deleted) => {
      for (const record of records) this.#rules.set(record.fingerprint, record);
      for (const fingerprint of deleted) this.#rules.delete(fingerprint);
    },
    all: async () => [...this.#rules.values()],
  };

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      const saved = { incidents: new Map(this.#incidents), events: [...this.#events], rules: new Map(this.#rules), ids: [this.#nextIncident, this.#nextEvent] as const };
      const tx = { samples: this.samples, incidents: this.incidents, ruleState: this.ruleState } as unknown as StoreTx;
      try {
        if (this.#failTransactions > 0) {
          this.#failTransactions--;
          throw new Error('database is locked');
        }
        const result = await fn(tx);
        this.committed++;
        return result;
      } catch (error) {
        this.#incidents = saved.incidents;
        this.#events = saved.events;
        this.#rules = saved.rules;
        [this.#nextIncident, this.#nextEvent] = saved.ids;
        throw error;
      }
    });
  }

  /** The next `count` transactions throw before running. */
  failNextTransactions(count: number): void {
    this.#failTransactions = count;
  }

  /** Every incident, oldest first, and the rule-state records, for assertions. */
  allIncidents(): Incident[] {
    return [...this.#incidents.values()];
  }

  ruleRecords(): RuleInstanceRecord[] {
    return [...this.#rules.values()];
  }

  #addEvent(incidentId: number, event: Omit<IncidentEvent, 'id' | 'incidentId'>): IncidentEvent {
    const stored: IncidentEvent = { ...event, id: this.#nextEvent++, incidentId };
    this.#events.push(stored);
    return stored;
  }

  /** Steps aligned to the step, aggregated with last/sum/count/avg/min/max (what the engine asks for). */
  #query(query: SeriesQuery): SeriesQueryResult {
    const bySeries = new Map<string, { labels: Sample['labels']; buckets: Map<number, number[]> }>();
    for (const sample of this.#samples) {
      if (sample.name !== query.metric || sample.ts < query.from || sample.ts >= query.to || !matchesLabels(sample.labels, query.matchers)) continue;
      const key = labelsKey(sample.labels);
      const series = bySeries.get(key) ?? { labels: sample.labels, buckets: new Map() };
      bySeries.set(key, series);
      const bucket = Math.floor(sample.ts / query.stepMs) * query.stepMs;
      series.buckets.set(bucket, [...(series.buckets.get(bucket) ?? []), sample.value]);
    }
    const reduce = (values: number[]): number => {
      switch (query.aggregate) {
        case 'sum': return values.reduce((a, b) => a + b, 0);
        case 'count': return values.length;
        case 'avg': return values.reduce((a, b) => a + b, 0) / values.length;
        case 'min': return Math.min(...values);
        case 'max': return Math.max(...values);
        case 'last': return values.at(-1)!;
        default: throw new Error(`MemoryAlertingStore does not answer ${query.aggregate}`);
      }
    };
    const series = [...bySeries.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => ({
      labels: s.labels,
      points: [...s.buckets.entries()].sort(([a], [b]) => a - b).map(([ts, values]) => [ts, reduce(values)] as const),
    }));
    return { resolution: query.stepMs >= 3_600_000 ? '1h' : query.stepMs >= 60_000 ? '1m' : 'raw', series, rowsScanned: this.#samples.length };
  }
}
