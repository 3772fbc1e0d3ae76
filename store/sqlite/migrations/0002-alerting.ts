import type { Migration } from './index.js';

// Incidents with their timelines, rule state, silences and postmortems ([R1]). Lists read newest first
// by id (the rowid), so the indexes serve the filters and lookups: a fingerprint's newest incident, the
// active ones, a time range of openedAt. Labels are the canonical JSON of the sorted labels, like
// `series.labels`; other JSON columns (counters, matchers, action items) are read whole, never queried.
// Postmortems carry no foreign key: a postmortem outlives its incident.
export const alerting: Migration = {
  version: 2,
  name: 'alerting',
  up(db) {
    db.exec(`
      CREATE TABLE incidents (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        fingerprint     TEXT NOT NULL,
        rule            TEXT NOT NULL,
        severity        TEXT NOT NULL CHECK (severity IN ('page', 'ticket', 'info')),
        labels          TEXT NOT NULL,
        env             TEXT,
        service         TEXT,
        check_name      TEXT,
        summary         TEXT NOT NULL,
        runbook         TEXT,
        state           TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
        opened_at       INTEGER NOT NULL,
        acknowledged_at INTEGER,
        acknowledged_by TEXT,
        resolved_at     INTEGER,
        resolved_by     TEXT,
        last_value      REAL,
        reopen_count    INTEGER NOT NULL DEFAULT 0,
        updated_at      INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX incidents_by_fingerprint ON incidents (fingerprint, id);
      CREATE INDEX incidents_by_opened_at ON incidents (opened_at);
      -- Most incidents are resolved: the engine's active() reads only this small index.
      CREATE INDEX incidents_active ON incidents (id) WHERE state <> 'resolved';

      CREATE TABLE incident_events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        at          INTEGER NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('opened', 'acknowledged', 'note', 'escalated', 'resolved', 'reopened', 'notified')),
        actor       TEXT,
        text        TEXT,
        value       REAL
      ) STRICT;
      CREATE INDEX incident_events_by_incident ON incident_events (incident_id, at, id);

      CREATE TABLE rule_state (
        fingerprint    TEXT PRIMARY KEY,
        rule           TEXT NOT NULL,
        labels         TEXT NOT NULL,
        state          TEXT NOT NULL CHECK (state IN ('inactive', 'pending', 'firing')),
        active_since   INTEGER,
        firing_since   INTEGER,
        last_breach_at INTEGER,
        value          REAL,
        counters       TEXT NOT NULL,
        incident_id    INTEGER,
        updated_at     INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE silences (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        matchers   TEXT NOT NULL,
        starts_at  INTEGER NOT NULL,
        ends_at    INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        comment    TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX silences_by_end ON silences (ends_at);

      CREATE TABLE postmortems (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id  INTEGER NOT NULL UNIQUE,
        title        TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
        markdown     TEXT NOT NULL,
        action_items TEXT NOT NULL,
        author       TEXT,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        published_at INTEGER
      ) STRICT;
      CREATE INDEX postmortems_by_status ON postmortems (status, id);
    `);
  },
};
