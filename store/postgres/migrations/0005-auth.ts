import type { PostgresMigration } from './index.js';

// API tokens and the audit log ([X1]), as on SQLite (see store/sqlite/migrations/0005-auth.ts). The
// detail is text, not jsonb: the hash covers its exact canonical text.
export const auth: PostgresMigration = {
  version: 5,
  name: 'auth',
  async up(client) {
    await client.query(`
      CREATE TABLE api_tokens (
        id           text COLLATE "C" PRIMARY KEY,
        name         text NOT NULL,
        role         text NOT NULL CHECK (role IN ('viewer', 'responder', 'admin')),
        hash         text COLLATE "C" NOT NULL UNIQUE,
        created_by   text NOT NULL,
        created_at   bigint NOT NULL,
        expires_at   bigint,
        last_used_at bigint,
        revoked_at   bigint
      );
      CREATE TABLE audit_log (
        seq       bigint PRIMARY KEY,
        at        bigint NOT NULL,
        actor     text NOT NULL,
        action    text COLLATE "C" NOT NULL,
        target    text NOT NULL,
        detail    text NOT NULL,
        prev_hash text NOT NULL,
        hash      text NOT NULL
      );
      CREATE INDEX audit_log_at ON audit_log (at);
    `);
  },
};
