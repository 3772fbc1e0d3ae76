import type { PostgresMigration } from './index.js';

// The SQLite schema's alerting tables, in PostgreSQL types: incidents with their timelines, rule state,
// silences and postmortems ([R1]). Ids are bigint identities (read as JS numbers), times bigint epoch ms.
// JSON columns are text, not jsonb: labels must stay the canonical JSON both engines compare, and the
// others are read whole, never queried. Postmortems carry no foreign key: one outlives its incident.
export const alerting: PostgresMigration = {
  version: 2,
  name: 'alerting',
  async up(client) {
    await client.query(`
      CREATE TABLE incidents (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        fingerprint     text COLLATE "C" NOT NULL,
        rule            text NOT NULL,
        severity        text NOT NULL CHECK (severity IN ('page', 'ticket', 'info')),
        labels          text COLLATE "C" NOT NULL,
        env             text,
        service         text,
        check_name      text,
        summary         text NOT NULL,
        runbook         text,
        state           text NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
        opened_at       bigint NOT NULL,
        acknowledged_at bigint,
        acknowledged_by text,
        resolved_at     bigint,
        resolved_by     text,
        last_value      double precision,
        reopen_count    integer NOT NULL DEFAULT 0,
        updated_at      bigint NOT NULL
      );
      CREATE INDEX incidents_by_fingerprint ON incidents (fingerprint, id);
      CREATE INDEX incidents_by_opened_at ON incidents (opened_at);
      -- Most incidents are resolved: the engine's active() reads only this small index.
      CREATE INDEX incidents_active ON incidents (id) WHERE state <> 'resolved';

      CREATE TABLE incident_events (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        at          bigint NOT NULL,
        kind        text NOT NULL CHECK (kind IN ('opened', 'acknowledged', 'note', 'escalated', 'resolved', 'reopened', 'notified')),
        actor       text,
        text        text,
        value       double precision
      );
      CREATE INDEX incident_events_by_incident ON incident_events (incident_id, at, id);

      CREATE TABLE rule_state (
        fingerprint    text COLLATE "C" PRIMARY KEY,
        rule           text NOT NULL,
        labels         text COLLATE "C" NOT NULL,
        state          text NOT NULL CHECK (state IN ('inactive', 'pending', 'firing')),
        active_since   bigint,
        firing_since   bigint,
        last_breach_at bigint,
        value          double precision,
        counters       text NOT NULL,
        incident_id    bigint,
        updated_at     bigint NOT NULL
      );

      CREATE TABLE silences (
        id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        matchers   text NOT NULL,
        starts_at  bigint NOT NULL,
        ends_at    bigint NOT NULL,
        created_by text NOT NULL,
        comment    text NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX silences_by_end ON silences (ends_at);

      CREATE TABLE postmortems (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id  bigint NOT NULL UNIQUE,
        title        text NOT NULL,
        status       text NOT NULL CHECK (status IN ('draft', 'published')),
        markdown     text NOT NULL,
        action_items text NOT NULL,
        author       text,
        created_at   bigint NOT NULL,
        updated_at   bigint NOT NULL,
        published_at bigint
      );
      CREATE INDEX postmortems_by_status ON postmortems (status, id);
    `);
  },
};
