import type { Migration } from './index.js';

// SLA reports. A scheduled report is unique by (name, period_start): the insert that finds it there
// does nothing, so a restart or a second instance never sends the same report twice. Ad-hoc reports
// (kind 'ad-hoc') may repeat a period. The body is the computed report as JSON; formats render on read.
export const reports: Migration = {
  version: 7,
  name: 'reports',
  up(db) {
    db.exec(`
      CREATE TABLE reports (
        id           INTEGER PRIMARY KEY,
        name         TEXT NOT NULL,
        kind         TEXT NOT NULL CHECK (kind IN ('scheduled', 'ad-hoc')),
        period_start INTEGER NOT NULL,
        period_end   INTEGER NOT NULL,
        generated_at INTEGER NOT NULL,
        created_by   TEXT,
        availability REAL,
        sla_missed   INTEGER NOT NULL,
        incidents    INTEGER NOT NULL,
        body         TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX reports_once ON reports (name, period_start) WHERE kind = 'scheduled';
    `);
  },
};
