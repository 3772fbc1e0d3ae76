import type { Migration } from './index.js';

// Heartbeat checks ([P1]): one row per check, holding its beat URL's token (unique: a beat finds its
// check by it) and the last beat. The token is kept as is, since `vigil check` and the API show it.
export const heartbeats: Migration = {
  version: 4,
  name: 'heartbeats',
  up(db) {
    db.exec(`
      CREATE TABLE heartbeats (
        check_id     TEXT PRIMARY KEY,
        token        TEXT NOT NULL UNIQUE,
        created_at   INTEGER NOT NULL,
        last_beat_at INTEGER,
        last_status  TEXT CHECK (last_status IN ('ok', 'fail')),
        last_message TEXT
      ) STRICT;
    `);
  },
};
