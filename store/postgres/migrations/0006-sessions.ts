import type { PostgresMigration } from './index.js';

// Dashboard sessions, wall links and the ingest role ([X1]), as on SQLite (see
// store/sqlite/migrations/0006-sessions.ts).
export const sessions: PostgresMigration = {
  version: 6,
  name: 'sessions',
  async up(client) {
    await client.query(`
      ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
      ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check CHECK (role IN ('viewer', 'responder', 'admin', 'ingest'));
      CREATE TABLE sessions (
        hash       text COLLATE "C" PRIMARY KEY,
        token_id   text COLLATE "C" NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        ended_at   bigint
      );
      CREATE INDEX sessions_token ON sessions (token_id);
      CREATE TABLE wall_links (
        id           text COLLATE "C" PRIMARY KEY,
        name         text NOT NULL,
        hash         text COLLATE "C" NOT NULL UNIQUE,
        created_by   text NOT NULL,
        created_at   bigint NOT NULL,
        expires_at   bigint,
        last_used_at bigint,
        revoked_at   bigint
      );
    `);
  },
};
