// `vigil token create|list|revoke` and `vigil audit verify` as a user runs them (the built CLI on a
// SQLite file), and the audit chain checked after the file was edited behind Vigil's back.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { auditHash } from '../../audit/chain.js';
import { hashToken } from '../../auth/tokens.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { tempDbPath } from '../helpers/temp-db.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'vigil.js');

function vigil(args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH! }, timeout: 15_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('vigil token', () => {
  it('makes a token shown once, lists it without its secret, and revokes it', async () => {
    const db = tempDbPath();
    const made = vigil(['token', 'create', '--name', 'ops-admin', '--role', 'admin', '--expires', '90d', '--db', db]);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    const secret = /\b(vgl_[A-Za-z0-9_-]{43})\b/.exec(made.stdout)![1]!;
    const id = /made token ([0-9a-f]{12}) "ops-admin" \(admin, expires \d{4}-/.exec(made.stdout)![1]!;
    expect(made.stdout).toContain('This is the only time it is shown');

    const listed = vigil(['token', 'list', '--db', db]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+ops-admin\\s+admin\\s+cli\\s+\\d{4}-\\S+\\s+\\d{4}-\\S+\\s+-\\s+active$`, 'm'));
    expect(listed.stdout).not.toContain(secret);

    const store = await openSqliteStore(db, { readers: 0 });
    expect(await store.tokens.byHash(hashToken(secret))).toMatchObject({ id, name: 'ops-admin' });
    await store.close();

    expect(vigil(['token', 'revoke', id, '--db', db]).stdout).toMatch(new RegExp(`^revoked token ${id} "ops-admin" at \\d{4}-`));
    expect(vigil(['token', 'list', '--db', db]).stdout).toMatch(/\srevoked$/m);
    expect(vigil(['audit', 'verify', '--db', db]).stdout).toBe('audit log ok: 2 rows, the hash chain unbroken\n');
  });

  it('prints the access review with the tokens a reviewer should look at', () => {
    const db = tempDbPath();
    vigil(['token', 'create', '--name', 'forever', '--role', 'admin', '--db', db]);
    vigil(['token', 'create', '--name', 'ci', '--role', 'responder', '--expires', '30d', '--db', db]);
    const review = vigil(['access-review', '--db', db]);
    expect(review.code).toBe(0);
    expect(review.stdout).toMatch(/^access review at \S+: 2 tokens, 0 wall links, 1 flagged\n/);
    expect(review.stdout).toMatch(/\nflagged:\n {2}[0-9a-f]{12} "forever" \(admin\): never expires\n$/);
  });

  it('makes, lists and revokes wall links, and lists them in the access review', () => {
    const db = tempDbPath();
    const made = vigil(['wall-link', 'create', '--name', 'lobby TV', '--db', db]);
    expect(made.code).toBe(0);
    const url = /^ {2}(http:\/\/localhost:8080\/#\/wall\?key=vglw_[A-Za-z0-9_-]{43})$/m.exec(made.stdout)![1]!;
    const id = /made wall link ([0-9a-f]{12}) "lobby TV" \(never expires\)/.exec(made.stdout)![1]!;
    const listed = vigil(['wall-link', 'list', '--db', db]);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+lobby TV\\s+cli\\s.*active$`, 'm'));
    expect(listed.stdout).not.toContain(url.split('key=')[1]);
    const review = vigil(['access-review', '--db', db]);
    expect(review.stdout).toMatch(/^access review at \S+: 0 tokens, 1 wall link, 1 flagged\n/);
    expect(review.stdout).toMatch(new RegExp(`\\n {2}${id} "lobby TV" \\(wall link\\): never expires\\n$`));
    expect(vigil(['wall-link', 'revoke', id, '--db', db]).stdout).toMatch(new RegExp(`^revoked wall link ${id} "lobby TV" at \\d{4}-`));
    expect(vigil(['wall-link', 'list', '--db', db]).stdout).toMatch(/\srevoked$/m);
    expect(vigil(['audit', 'verify', '--db', db]).stdout).toBe('audit log ok: 2 rows, the hash chain unbroken\n');
  }, 60_000);

  it.each([
    ['an unknown role', ['token', 'create', '--name', 'x', '--role', 'root'], 'role: expected one of viewer, responder, admin, ingest, got "root"'],
    ['a bad expiry', ['token', 'create', '--name', 'x', '--role', 'viewer', '--expires', 'soon'], 'expires: expected a duration like "90d" or "24h", got "soon"'],
    ['no name', ['token', 'create', '--role', 'viewer'], 'token create needs --name and --role'],
    ['an unknown id', ['token', 'revoke', 'nope'], 'no token nope'],
  ])('refuses %s with a message', async (_name, args, message) => {
    const db = tempDbPath();
    (await openSqliteStore(db, { readers: 0 })).close();
    const run = vigil([...args, '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
  });
});

describe('vigil audit verify', () => {
  async function logOfFive(): Promise<string> {
    const db = tempDbPath();
    const store = await openSqliteStore(db, { readers: 0 });
    for (let i = 1; i <= 5; i++) await store.audit.append({ at: 1_000 * i, actor: 'alice', action: 'POST /api/v1/silences', target: `/api/v1/silences`, detail: { i } });
    await store.close();
    return db;
  }
  const tamper = (db: string, sql: string) => {
    const raw = new Database(db);
    raw.exec(sql);
    raw.close();
  };

  it.each([
    ['an edited row', 'UPDATE audit_log SET actor = \'mallory\' WHERE seq = 3', ['row 3 was edited: its hash does not match its content']],
    ['an edited detail', "UPDATE audit_log SET detail = '{\"i\":9}' WHERE seq = 2", ['row 2 was edited: its hash does not match its content']],
    ['a deleted row', 'DELETE FROM audit_log WHERE seq = 3', ['row 4 follows row 2: row 3 was deleted']],
    ['two rows swapped', 'UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = -1;', ['row 2 does not follow row 1', 'row 2 was edited', 'row 3 does not follow row 2', 'row 3 was edited']],
  ])('names the row of %s', async (_name, sql, messages) => {
    const db = await logOfFive();
    expect(vigil(['audit', 'verify', '--db', db]).stdout).toBe('audit log ok: 5 rows, the hash chain unbroken\n');
    tamper(db, sql);
    const run = vigil(['audit', 'verify', '--db', db]);
    expect(run.code).toBe(1);
    for (const message of messages) expect(run.stderr).toContain(message);
    expect(run.stderr).toMatch(/error: audit log broken: \d+ problems? in \d rows/);
  });

  it('catches an edit whose hash was recomputed by the editor at the next row', async () => {
    const db = await logOfFive();
    const raw = new Database(db);
    const row = raw.prepare<[], { seq: number; at: number; actor: string; action: string; target: string; detail: string; prev_hash: string }>('SELECT * FROM audit_log WHERE seq = 2').get()!;
    const edited = { seq: row.seq, at: row.at, actor: 'mallory', action: row.action, target: row.target, detail: row.detail };
    raw.prepare('UPDATE audit_log SET actor = ?, hash = ? WHERE seq = 2').run('mallory', auditHash(row.prev_hash, edited));
    raw.close();
    const run = vigil(['audit', 'verify', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('row 3 does not follow row 2 in the chain: rows were reordered, replaced or deleted\nerror: audit log broken: 1 problem in 5 rows\n');
  });

  it('says so when there is no store', () => {
    const run = vigil(['audit', 'verify', '--db', tempDbPath()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no store at .*vigil\.db/);
  });
});
