import type { Migration } from './index.js';

// The notification outbox ([N1]): one row per message to one receiver, written in the transaction of
// the incident change that causes it. The dispatcher claims due pending rows through the partial index;
// a group's newest row and a receiver's recent rows (rate limit) have their own indexes. `dedupe` is
// unique where set: an escalation step is written once however often it is found due.
export const outbox: Migration = {
  version: 3,
  name: 'outbox',
  up(db) {
    db.exec(`
      CREATE TABLE notifications (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        key             TEXT NOT NULL UNIQUE,
        receiver        TEXT NOT NULL,
        group_key       TEXT NOT NULL,
        dedupe          TEXT UNIQUE,
        incident_ids    TEXT NOT NULL,
        message         TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dead', 'suppressed')),
        created_at      INTEGER NOT NULL,
        due_at          INTEGER NOT NULL,
        age_from        INTEGER NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_attempt_at INTEGER,
        last_status     INTEGER,
        last_error      TEXT,
        delivered_at    INTEGER,
        claimed_until   INTEGER
      ) STRICT;
      CREATE INDEX notifications_due ON notifications (due_at, id) WHERE state = 'pending';
      CREATE INDEX notifications_by_group ON notifications (receiver, group_key, id);
      CREATE INDEX notifications_by_receiver ON notifications (receiver, created_at);
      CREATE INDEX notifications_by_created ON notifications (created_at);
    `);
  },
};
