// Sessions, wall links, the ingest role and the audit's last-of-an-action ([X1]), on both engines; and
// migration 0006 on a database that already has tokens.
import { expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { NotFoundError } from '../../lib/errors.js';
import { migrate as migrateSqlite } from '../../store/sqlite/db.js';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../store/sqlite/migrations/index.js';
import { createPool, redactUrl } from '../../store/postgres/connection.js';
import { MIGRATIONS as POSTGRES_MIGRATIONS } from '../../store/postgres/migrations/index.js';
import { migrate as migratePostgres } from '../../store/postgres/schema.js';
import { describeEachEngine } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);
const HOUR = 3_600_000;
const hash = (c: string) => c.repeat(64);

describeEachEngine('the sessions', (engine) => {
  it('keeps a session by its hash, bound to its token, until it ends or expires', async () => {
    const location = await engine.location();
    const store = await engine.open(location);
    const made = await store.sessions.create({ hash: hash('a'), tokenId: 'tok1', createdAt: T0, expiresAt: T0 + 12 * HOUR });
    expect(made).toEqual({ hash: hash('a'), tokenId: 'tok1', createdAt: T0, expiresAt: T0 + 12 * HOUR, endedAt: null });
    await store.sessions.create({ hash: hash('b'), tokenId: 'tok1', createdAt: T0, expiresAt: T0 + HOUR });
    await store.sessions.create({ hash: hash('c'), tokenId: 'tok2', createdAt: T0, expiresAt: T0 + HOUR });
    expect(await store.sessions.activeCounts(T0 + 1)).toEqual(new Map([['tok1', 2], ['tok2', 1]]));
    // Past b's and c's expiry, a alone is active.
    expect(await store.sessions.activeCounts(T0 + 2 * HOUR)).toEqual(new Map([['tok1', 1]]));
    expect(await store.sessions.end(hash('a'), T0 + 5)).toBe(true);
    expect(await store.sessions.end(hash('a'), T0 + 9)).toBe(true);
    expect(await store.sessions.end(hash('d'), T0 + 9)).toBe(false);
    await store.close();
    const reopened = await engine.open(location);
    expect(await reopened.sessions.byHash(hash('a'))).toMatchObject({ endedAt: T0 + 5 });
    expect(await reopened.sessions.byHash(hash('d'))).toBeNull();
    expect(await reopened.sessions.activeCounts(T0 + 1)).toEqual(new Map([['tok1', 1], ['tok2', 1]]));
  });

  it('refuses a second session with the same hash', async () => {
    const store = await engine.open();
    await store.sessions.create({ hash: hash('a'), tokenId: 'tok1', createdAt: T0, expiresAt: T0 + HOUR });
    await expect(store.sessions.create({ hash: hash('a'), tokenId: 'tok2', createdAt: T0, expiresAt: T0 + HOUR })).rejects.toThrow();
  });
});

describeEachEngine('the wall links', (engine) => {
  it('keeps a link by its hash, lists it, revokes it once and touches it at most once a minute', async () => {
    const location = await engine.location();
    const store = await engine.open(location);
    const made = await store.wallLinks.create({ id: 'w1', name: 'lobby TV', hash: hash('a'), createdBy: 'admin', createdAt: T0, expiresAt: null });
    expect(made).toEqual({ id: 'w1', name: 'lobby TV', createdBy: 'admin', createdAt: T0, expiresAt: null, lastUsedAt: null, revokedAt: null });
    await store.wallLinks.create({ id: 'w2', name: 'ops', hash: hash('b'), createdBy: 'admin', createdAt: T0 + 1, expiresAt: T0 + HOUR });
    expect(await store.wallLinks.touch('w1', T0 + 10)).toBe(true);
    expect(await store.wallLinks.touch('w1', T0 + 30_000)).toBe(false);
    expect(await store.wallLinks.touch('w1', T0 + 70_000)).toBe(true);
    expect((await store.wallLinks.revoke('w2', T0 + 100)).revokedAt).toBe(T0 + 100);
    expect((await store.wallLinks.revoke('w2', T0 + 200)).revokedAt).toBe(T0 + 100);
    await expect(store.wallLinks.revoke('nope', T0)).rejects.toThrow(NotFoundError);
    await expect(store.wallLinks.create({ id: 'w3', name: 'x', hash: hash('a'), createdBy: 'admin', createdAt: T0, expiresAt: null })).rejects.toThrow();
    await store.close();
    const reopened = await engine.open(location);
    expect(await reopened.wallLinks.byHash(hash('a'))).toMatchObject({ id: 'w1', lastUsedAt: T0 + 70_000 });
    expect(await reopened.wallLinks.byHash(hash('c'))).toBeNull();
    expect((await reopened.wallLinks.list()).map((link) => [link.id, link.revokedAt])).toEqual([
      ['w1', null],
      ['w2', T0 + 100],
    ]);
  });
});

describeEachEngine('the ingest role and the last audit row of an action', (engine) => {
  it('keeps an ingest token', async () => {
    const store = await engine.open();
    const token = await store.tokens.create({ id: 'i1', name: 'otel', role: 'ingest', hash: hash('a'), createdBy: 'cli', createdAt: T0, expiresAt: null });
    expect(token.role).toBe('ingest');
  });

  it('finds the newest row of exactly one action', async () => {
    const store = await engine.open();
    expect(await store.audit.lastOf('config.load')).toBeNull();
    await store.audit.append({ at: T0, actor: 'vigil serve', action: 'config.load', target: '/a.yaml', detail: { sha256: 'one' } });
    await store.audit.append({ at: T0 + 1, actor: 'vigil serve', action: 'config.load', target: '/a.yaml', detail: { sha256: 'two' } });
    await store.audit.append({ at: T0 + 2, actor: 'x', action: 'config.loaded-elsewhere', target: '', detail: {} });
    expect(await store.audit.lastOf('config.load')).toMatchObject({ seq: 2, detail: '{"sha256":"two"}' });
  });
});

describeEachEngine('migration 0006 on a database with tokens', (engine) => {
  it('keeps every token and lets a new one be an ingest token', async () => {
    const location = await engine.location();
    if (engine.name === 'sqlite') {
      const db = new Database(location);
      migrateSqlite(db, SQLITE_MIGRATIONS.slice(0, 5));
      db.prepare("INSERT INTO api_tokens (id, name, role, hash, created_by, created_at, expires_at, last_used_at) VALUES ('t1', 'old', 'admin', ?, 'cli', ?, NULL, ?)").run(hash('a'), T0, T0 + 5);
      db.close();
    } else {
      const pool = createPool(location, { maxConnections: 1, onIdleError: () => {} });
      await migratePostgres(pool, redactUrl(location), POSTGRES_MIGRATIONS.slice(0, 5));
      await pool.query("INSERT INTO api_tokens (id, name, role, hash, created_by, created_at, expires_at, last_used_at) VALUES ('t1', 'old', 'admin', $1, 'cli', $2, NULL, $3)", [hash('a'), T0, T0 + 5]);
      await pool.end();
    }
    const store = await engine.open(location);
    expect(await store.tokens.byHash(hash('a'))).toEqual({ id: 't1', name: 'old', role: 'admin', createdBy: 'cli', createdAt: T0, expiresAt: null, lastUsedAt: T0 + 5, revokedAt: null });
    await store.tokens.create({ id: 't2', name: 'otel', role: 'ingest', hash: hash('b'), createdBy: 'cli', createdAt: T0, expiresAt: null });
    await expect(store.tokens.create({ id: 't3', name: 'x', role: 'root' as 'admin', hash: hash('c'), createdBy: 'cli', createdAt: T0, expiresAt: null })).rejects.toThrow();
  });
});

