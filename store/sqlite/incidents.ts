// Incidents and their timelines on SQLite: statements prepared once at open (a list's per filter shape,
// the first time that shape is asked for), all synchronous on the writer connection. Callers wrap the
// writes in a transaction (an incident and its first event commit together).
import type { Statement } from 'better-sqlite3';
import { NotFoundError } from '../../lib/errors.js';
import {
  changedIncidentValues,
  EVENT_COLUMNS,
  eventFromRow,
  eventValues,
  INCIDENT_COLUMNS,
  incidentFromRow,
  newIncidentValues,
  type IncidentEventRow,
  type IncidentEventValues,
  type IncidentRow,
  type IncidentValues,
} from '../alerting-rows.js';
import { pageOf } from '../paging.js';
import { incidentListQuery, type SqlDialect } from '../incident-filter.js';
import type { Incident, IncidentChanges, IncidentEvent, IncidentFilter, IncidentPage, NewIncident, NewIncidentEvent } from '../types.js';
import type { SqliteDatabase } from './db.js';

const INCIDENT_VALUES =
  ':fingerprint, :rule, :severity, :labels, :env, :service, :check_name, :summary, :runbook, :state, :opened_at, ' +
  ':acknowledged_at, :acknowledged_by, :resolved_at, :resolved_by, :last_value, :reopen_count, :updated_at';

/** SQLite's way with a list parameter: a JSON array read by json_each. */
export const SQLITE_DIALECT: SqlDialect = {
  param: () => '?',
  inList: (column, placeholder) => `${column} IN (SELECT value FROM json_each(${placeholder}))`,
  listValue: (list) => JSON.stringify(list),
};

/** The SQL of a fingerprint's newest incident (exported for the query-plan test). */
export const LATEST_BY_FINGERPRINT_SQL = `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE fingerprint = ? ORDER BY id DESC LIMIT 1`;
/** The SQL of the incidents not resolved, oldest first: it must match the partial index's condition. */
export const ACTIVE_INCIDENTS_SQL = `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE state <> 'resolved' ORDER BY id`;

export class SqliteIncidents {
  readonly #db: SqliteDatabase;
  readonly #insert: Statement<IncidentValues, IncidentRow>;
  readonly #update: Statement<IncidentValues & { id: number }, IncidentRow>;
  readonly #get: Statement<[number], IncidentRow>;
  readonly #latestByFingerprint: Statement<[string], IncidentRow>;
  readonly #active: Statement<[], IncidentRow>;
  readonly #insertEvent: Statement<IncidentEventValues, IncidentEventRow>;
  readonly #events: Statement<[number], IncidentEventRow>;
  readonly #lists = new Map<string, Statement<unknown[], IncidentRow>>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insert = db.prepare(`INSERT INTO incidents (${INCIDENT_COLUMNS.replace('id, ', '')}) VALUES (${INCIDENT_VALUES}) RETURNING ${INCIDENT_COLUMNS}`);
    this.#update = db.prepare(`
      UPDATE incidents SET
        fingerprint = :fingerprint, rule = :rule, severity = :severity, labels = :labels, env = :env, service = :service,
        check_name = :check_name, summary = :summary, runbook = :runbook, state = :state, opened_at = :opened_at,
        acknowledged_at = :acknowledged_at, acknowledged_by = :acknowledged_by, resolved_at = :resolved_at,
        resolved_by = :resolved_by, last_value = :last_value, reopen_count = :reopen_count, updated_at = :updated_at
      WHERE id = :id RETURNING ${INCIDENT_COLUMNS}`);
    this.#get = db.prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = ?`);
    this.#latestByFingerprint = db.prepare(LATEST_BY_FINGERPRINT_SQL);
    this.#active = db.prepare(ACTIVE_INCIDENTS_SQL);
    this.#insertEvent = db.prepare(`
      INSERT INTO incident_events (incident_id, at, kind, actor, text, value)
      VALUES (:incident_id, :at, :kind, :actor, :text, :value) RETURNING ${EVENT_COLUMNS}`);
    this.#events = db.prepare(`SELECT ${EVENT_COLUMNS} FROM incident_events WHERE incident_id = ? ORDER BY at, id`);
  }

  /** Inserts an open incident and its first event (call inside a transaction). */
  create(incident: NewIncident, event: NewIncidentEvent): Incident {
    const row = this.#insert.get(newIncidentValues(incident))!;
    this.#insertEvent.run(eventValues(row.id, event));
    return incidentFromRow(row);
  }

  /** Applies `changes` and appends `event` (call inside a transaction); NotFoundError for an unknown id. */
  update(id: number, changes: IncidentChanges, event: NewIncidentEvent | null, at: number): Incident {
    const current = this.#require(id);
    const row = this.#update.get({ ...changedIncidentValues(current, changes, at), id })!;
    if (event !== null) this.#insertEvent.run(eventValues(id, event));
    return incidentFromRow(row);
  }

  addEvent(id: number, event: NewIncidentEvent): IncidentEvent {
    this.#require(id);
    return eventFromRow(this.#insertEvent.get(eventValues(id, event))!);
  }

  get(id: number): Incident | null {
    const row = this.#get.get(id);
    return row === undefined ? null : incidentFromRow(row);
  }

  latestByFingerprint(fingerprint: string): Incident | null {
    const row = this.#latestByFingerprint.get(fingerprint);
    return row === undefined ? null : incidentFromRow(row);
  }

  /** The timeline, oldest first (an unknown incident has none). */
  events(id: number): IncidentEvent[] {
    return this.#events.all(id).map(eventFromRow);
  }

  list(filter: IncidentFilter): IncidentPage {
    const query = incidentListQuery(filter, SQLITE_DIALECT);
    let statement = this.#lists.get(query.shape);
    if (statement === undefined) {
      statement = this.#db.prepare<unknown[], IncidentRow>(query.sql);
      this.#lists.set(query.shape, statement);
    }
    const { items, nextCursor } = pageOf(statement.all(...query.values), filter.limit);
    return { incidents: items.map(incidentFromRow), nextCursor };
  }

  active(): Incident[] {
    return this.#active.all().map(incidentFromRow);
  }

  #require(id: number): Incident {
    const incident = this.get(id);
    if (incident === null) throw new NotFoundError(`there is no incident ${id}`);
    return incident;
  }
}
