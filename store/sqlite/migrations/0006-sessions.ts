import type { Migration } from './index.js';

// Dashboard sessions, wall links and the ingest role ([X1]). SQLite cannot change a CHECK constraint,
// so api_tokens is rebuilt to let its role be `ingest` (nothing references it by foreign key). A
// session and a wall link are kept as the SHA-256 of their secret, like a token.
export const sessions: Migration = {
  version: 6,
  name: 'sessions',
  up(db) {
    db.exec(`
      CREATE TABLE api_tokens_new (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        role         TEXT NOT NULL CHECK (role IN ('viewer', 'responder', 'admin', 'ingest')),
        hash         TEXT NOT NULL UNIQUE,
        created_by   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER,
        last_used_at INTEGER,
        revoked_at   INTEGER
      ) STRICT;
      INSERT INTO api_tokens_new SELECT id, name, role, hash, created_by, created_at, expires_at, last_used_at, revoked_at FROM api_tokens;
      DROP TABLE api_tokens;
      ALTER TABLE api_tokens_new RENAME TO api_tokens;
      CREATE TABLE sessions (
        hash       TEXT PRIMARY KEY,
        token_id   TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        ended_at   INTEGER
      ) STRICT;
      CREATE INDEX sessions_token ON sessions (token_id);
      CREATE TABLE wall_links (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        hash         TEXT NOT NULL UNIQUE,
        created_by   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER,
        last_used_at INTEGER,
        revoked_at   INTEGER
      ) STRICT;
    `);
  },
};
