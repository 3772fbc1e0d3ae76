// Incidents and their timelines on PostgreSQL: functions on one connection (the caller's transaction),
// each statement named so it is prepared once per connection; a list's per filter shape.
import { NotFoundError } from '../../lib/errors.js';
import {
  changedIncidentValues,
  EVENT_COLUMNS,
  EVENT_VALUE_KEYS,
  eventFromRow,
  eventValues,
  INCIDENT_COLUMNS,
  INCIDENT_VALUE_KEYS,
  incidentFromRow,
  newIncidentValues,
  type IncidentEventRow,
  type IncidentRow,
} from '../alerting-rows.js';
import { inOrder, pageOf, placeholders } from '../paging.js';
import { incidentListQuery, type SqlDialect } from '../incident-filter.js';
import type { Incident, IncidentChanges, IncidentEvent, IncidentFilter, IncidentPage, NewIncident, NewIncidentEvent } from '../types.js';
import type { PoolClient } from './connection.js';

const INSERT_SQL = `INSERT INTO incidents (${INCIDENT_VALUE_KEYS.join(', ')}) VALUES (${placeholders(INCIDENT_VALUE_KEYS.length)})
  RETURNING ${INCIDENT_COLUMNS}`;
const UPDATE_SQL = `UPDATE incidents SET ${INCIDENT_VALUE_KEYS.map((key, i) => `${key} = $${i + 2}`).join(', ')}
  WHERE id = $1 RETURNING ${INCIDENT_COLUMNS}`;
const INSERT_EVENT_SQL = `INSERT INTO incident_events (${EVENT_VALUE_KEYS.join(', ')}) VALUES (${placeholders(EVENT_VALUE_KEYS.length)})
  RETURNING ${EVENT_COLUMNS}`;

const POSTGRES_DIALECT: SqlDialect = {
  param: (n) => `$${n}`,
  inList: (column, placeholder) => `${column} = ANY(${placeholder}::text[])`,
  listValue: (list) => [...list],
};

/** Inserts an open incident and its first event. */
export async function createIncident(client: PoolClient, incident: NewIncident, event: NewIncidentEvent): Promise<Incident> {
  const result = await client.query<IncidentRow>({
    name: 'vigil_incident_insert',
    text: INSERT_SQL,
    values: inOrder(newIncidentValues(incident), INCIDENT_VALUE_KEYS),
  });
  const row = result.rows[0]!;
  await insertEvent(client, row.id, event);
  return incidentFromRow(row);
}

/** Applies `changes` and appends `event`; NotFoundError for an unknown id. Locks the row until commit. */
export async function updateIncident(
  client: PoolClient,
  id: number,
  changes: IncidentChanges,
  event: NewIncidentEvent | null,
  at: number,
): Promise<Incident> {
  const current = await lockIncident(client, id);
  const result = await client.query<IncidentRow>({
    name: 'vigil_incident_update',
    text: UPDATE_SQL,
    values: [id, ...inOrder(changedIncidentValues(current, changes, at), INCIDENT_VALUE_KEYS)],
  });
  if (event !== null) await insertEvent(client, id, event);
  return incidentFromRow(result.rows[0]!);
}

/** Appends a timeline event; NotFoundError for an unknown id. */
export async function addIncidentEvent(client: PoolClient, id: number, event: NewIncidentEvent): Promise<IncidentEvent> {
  await lockIncident(client, id);
  return eventFromRow(await insertEvent(client, id, event));
}

export async function getIncident(client: PoolClient, id: number): Promise<Incident | null> {
  const result = await client.query<IncidentRow>({
    name: 'vigil_incident_get',
    text: `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = $1`,
    values: [id],
  });
  return result.rows.length === 0 ? null : incidentFromRow(result.rows[0]!);
}

export async function latestIncidentByFingerprint(client: PoolClient, fingerprint: string): Promise<Incident | null> {
  const result = await client.query<IncidentRow>({
    name: 'vigil_incident_latest_by_fingerprint',
    text: `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE fingerprint = $1 ORDER BY id DESC LIMIT 1`,
    values: [fingerprint],
  });
  return result.rows.length === 0 ? null : incidentFromRow(result.rows[0]!);
}

/** The timeline, oldest first (an unknown incident has none). */
export async function incidentEvents(client: PoolClient, id: number): Promise<IncidentEvent[]> {
  const result = await client.query<IncidentEventRow>({
    name: 'vigil_incident_events',
    text: `SELECT ${EVENT_COLUMNS} FROM incident_events WHERE incident_id = $1 ORDER BY at, id`,
    values: [id],
  });
  return result.rows.map(eventFromRow);
}

export async function listIncidents(client: PoolClient, filter: IncidentFilter): Promise<IncidentPage> {
  const query = incidentListQuery(filter, POSTGRES_DIALECT);
  const result = await client.query<IncidentRow>({ name: `vigil_incident_list_${query.shape}`, text: query.sql, values: query.values });
  const { items, nextCursor } = pageOf(result.rows, filter.limit);
  return { incidents: items.map(incidentFromRow), nextCursor };
}

/** Incidents not resolved, oldest first (the condition is the partial index's). */
export async function activeIncidents(client: PoolClient): Promise<Incident[]> {
  const result = await client.query<IncidentRow>({
    name: 'vigil_incident_active',
    text: `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE state <> 'resolved' ORDER BY id`,
  });
  return result.rows.map(incidentFromRow);
}

/** The incident, locked until commit so that concurrent updates apply one after the other. */
async function lockIncident(client: PoolClient, id: number): Promise<Incident> {
  const result = await client.query<IncidentRow>({
    name: 'vigil_incident_lock',
    text: `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = $1 FOR UPDATE`,
    values: [id],
  });
  if (result.rows.length === 0) throw new NotFoundError(`there is no incident ${id}`);
  return incidentFromRow(result.rows[0]!);
}

async function insertEvent(client: PoolClient, incidentId: number, event: NewIncidentEvent): Promise<IncidentEventRow> {
  const result = await client.query<IncidentEventRow>({
    name: 'vigil_incident_event_insert',
    text: INSERT_EVENT_SQL,
    values: inOrder(eventValues(incidentId, event), EVENT_VALUE_KEYS),
  });
  return result.rows[0]!;
}
