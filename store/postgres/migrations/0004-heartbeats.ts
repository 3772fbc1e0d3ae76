import type { PostgresMigration } from './index.js';

// Heartbeat checks ([P1]), as on SQLite (see store/sqlite/migrations/0004-heartbeats.ts).
export const heartbeats: PostgresMigration = {
  version: 4,
  name: 'heartbeats',
  async up(client) {
    await client.query(`
      CREATE TABLE heartbeats (
        check_id     text COLLATE "C" PRIMARY KEY,
        token        text COLLATE "C" NOT NULL UNIQUE,
        created_at   bigint NOT NULL,
        last_beat_at bigint,
        last_status  text CHECK (last_status IN ('ok', 'fail')),
        last_message text
      );
    `);
  },
};
