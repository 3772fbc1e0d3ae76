import type { PostgresMigration } from './index.js';

// The notification outbox ([N1]), as on SQLite (see store/sqlite/migrations/0003-outbox.ts). Dispatchers
// of several Vigils claim rows with FOR UPDATE SKIP LOCKED, so two never send the same claim.
export const outbox: PostgresMigration = {
  version: 3,
  name: 'outbox',
  async up(client) {
    await client.query(`
      CREATE TABLE notifications (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key             text NOT NULL UNIQUE,
        receiver        text COLLATE "C" NOT NULL,
        group_key       text COLLATE "C" NOT NULL,
        dedupe          text UNIQUE,
        incident_ids    text NOT NULL,
        message         text NOT NULL,
        state           text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dead', 'suppressed')),
        created_at      bigint NOT NULL,
        due_at          bigint NOT NULL,
        age_from        bigint NOT NULL,
        attempts        integer NOT NULL DEFAULT 0,
        last_attempt_at bigint,
        last_status     integer,
        last_error      text,
        delivered_at    bigint,
        claimed_until   bigint
      );
      CREATE INDEX notifications_due ON notifications (due_at, id) WHERE state = 'pending';
      CREATE INDEX notifications_by_group ON notifications (receiver, group_key, id);
      CREATE INDEX notifications_by_receiver ON notifications (receiver, created_at);
      CREATE INDEX notifications_by_created ON notifications (created_at);
    `);
  },
};
