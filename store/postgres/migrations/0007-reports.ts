import type { PostgresMigration } from './index.js';

// SLA reports, as on SQLite (see store/sqlite/migrations/0007-reports.ts): the unique index is what
// lets one of several instances sharing the database, and only one, send a scheduled report.
export const reports: PostgresMigration = {
  version: 7,
  name: 'reports',
  async up(client) {
    await client.query(`
      CREATE TABLE reports (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name         text COLLATE "C" NOT NULL,
        kind         text NOT NULL CHECK (kind IN ('scheduled', 'ad-hoc')),
        period_start bigint NOT NULL,
        period_end   bigint NOT NULL,
        generated_at bigint NOT NULL,
        created_by   text,
        availability double precision,
        sla_missed   integer NOT NULL,
        incidents    integer NOT NULL,
        body         text NOT NULL
      );
      CREATE UNIQUE INDEX reports_once ON reports (name, period_start) WHERE kind = 'scheduled';
    `);
  },
};
