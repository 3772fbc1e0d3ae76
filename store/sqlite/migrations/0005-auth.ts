import type { Migration } from './index.js';

// API tokens and the audit log ([X1]). A token is kept only as its SHA-256 (it is shown once, when
// made). Audit rows are chained by hash (audit/chain.ts); `seq` is given by the appender, not
// AUTOINCREMENT, since it is part of what the hash covers.
export const auth: Migration = {
  version: 5,
  name: 'auth',
  up(db) {
    db.exec(`
      CREATE TABLE api_tokens (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        role         TEXT NOT NULL CHECK (role IN ('viewer', 'responder', 'admin')),
        hash         TEXT NOT NULL UNIQUE,
        created_by   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER,
        last_used_at INTEGER,
        revoked_at   INTEGER
      ) STRICT;
      CREATE TABLE audit_log (
        seq       INTEGER PRIMARY KEY,
        at        INTEGER NOT NULL,
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        target    TEXT NOT NULL,
        detail    TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_at ON audit_log (at);
    `);
  },
};
