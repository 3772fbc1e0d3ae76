// `vigil backup` / `vigil restore` ([X1] "Backup and restore"): a backup taken while a store writes
// samples every few milliseconds (as vigil serve does), restored into a new file that opens with every
// sample appended before the backup started and an unbroken audit chain; the refusals a user relies on.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { issueToken } from '../../auth/tokens.js';
import { BackupError, backupLines, postgresBackupLines, restoreLines } from '../../cli/backup.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { tempDbPath } from '../helpers/temp-db.js';

const BASE = Date.now() - 60_000;

/** A store written to like vigil serve writes it: a batch of samples every 2 ms until stopped. */
async function storeUnderLoad(file: string) {
  const store = await openSqliteStore(file, { readers: 0 });
  await issueToken(store, { name: 'ops', role: 'admin', createdBy: 'test' }, Date.now());
  let batches = 0;
  let stopped = false;
  const writing = (async () => {
    while (!stopped) {
      const batch = batches;
      await store.samples.append(Array.from({ length: 50 }, (_, i) => ({ name: 'load', labels: { env: 'prod', service: 'shop' }, ts: BASE + batch * 50 + i, value: batch })));
      batches++;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  return {
    store,
    batches: () => batches,
    async stop() {
      stopped = true;
      await writing;
      await store.close();
    },
  };
}

async function storedBatches(file: string): Promise<Set<number>> {
  const store = await openSqliteStore(file, { readers: 0 });
  try {
    const result = await store.samples.query(
      { metric: 'load', matchers: [], from: BASE, to: BASE + 1_000_000, stepMs: 1, aggregate: 'last' },
      { maxSeries: 10, maxPoints: 10_000_000, maxRowsScanned: 10_000_000 },
    );
    return new Set((result.series[0]?.points ?? []).map((point) => point[1]));
  } finally {
    await store.close();
  }
}

describe('vigil backup and restore (SQLite)', () => {
  it('backs up a database while it is written, and the restore holds everything written before the backup began', async () => {
    const live = tempDbPath();
    const dir = path.dirname(live);
    const load = await storeUnderLoad(live);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = load.batches();
    const backup = path.join(dir, 'backup', 'vigil-backup.db');
    const lines = await backupLines(live, backup);
    const after = load.batches();
    expect(after).toBeGreaterThan(before);
    expect(lines[0]).toMatch(new RegExp(`^backed up ${live} to ${backup}: \\d+ pages, \\d+ bytes, schema version \\d+$`));
    expect(lines.slice(1)).toEqual(['integrity_check ok', 'audit log ok: 1 rows, the hash chain unbroken']);

    const restored = path.join(dir, 'restored.db');
    const restoreOut = await restoreLines(backup, restored, { force: false, exists: false });
    expect(restoreOut).toEqual([expect.stringMatching(/^restored .* to .*restored\.db: \d+ pages, schema version \d+$/), 'integrity_check ok', 'audit log ok: 1 rows, the hash chain unbroken']);
    await load.stop();

    const kept = await storedBatches(restored);
    for (let batch = 0; batch < before; batch++) expect(kept.has(batch), `batch ${batch}`).toBe(true);
    // One consistent snapshot: the batches it holds are a prefix of those written.
    expect(Math.max(...kept)).toBe(kept.size - 1);
    const store = await openSqliteStore(restored, { readers: 0 });
    expect((await store.tokens.list()).map((token) => token.name)).toEqual(['ops']);
    await store.close();
  });

  it('never overwrites a file with a backup', async () => {
    const live = tempDbPath();
    (await openSqliteStore(live, { readers: 0 })).close();
    const taken = path.join(path.dirname(live), 'taken.db');
    fs.writeFileSync(taken, 'keep me');
    await expect(backupLines(live, taken)).rejects.toThrow(/taken\.db exists: a backup never overwrites a file/);
    expect(fs.readFileSync(taken, 'utf8')).toBe('keep me');
  });

  it('refuses to restore over a database a running Vigil holds, even with --force', async () => {
    const live = tempDbPath();
    const load = await storeUnderLoad(live);
    const backup = path.join(path.dirname(live), 'b.db');
    await backupLines(live, backup);
    await expect(restoreLines(backup, live, { force: false, exists: true })).rejects.toThrow(/exists: stop vigil serve and pass --force/);
    await expect(restoreLines(backup, live, { force: true, exists: true })).rejects.toThrow(/is open in another process \(a running vigil serve\?\)/);
    const written = load.batches();
    await load.stop();
    // Refused means untouched: the live database still has what was written to it.
    expect((await storedBatches(live)).size).toBeGreaterThanOrEqual(written);
    // Once it is stopped, --force replaces it.
    await expect(restoreLines(backup, live, { force: true, exists: true })).resolves.toContain('integrity_check ok');
  });

  it('refuses a backup from a newer Vigil, and a file that is not a Vigil database', async () => {
    const live = tempDbPath();
    (await openSqliteStore(live, { readers: 0 })).close();
    const dir = path.dirname(live);
    const newer = path.join(dir, 'newer.db');
    await backupLines(live, newer);
    const raw = new Database(newer);
    raw.pragma('user_version = 999');
    raw.close();
    const target = path.join(dir, 'target.db');
    await expect(restoreLines(newer, target, { force: false, exists: false })).rejects.toThrow(/schema version 999 is newer than this Vigil supports/);
    expect(fs.existsSync(target)).toBe(false);

    const other = path.join(dir, 'other.db');
    new Database(other).close();
    await expect(restoreLines(other, target, { force: false, exists: false })).rejects.toThrow(BackupError);
    await expect(restoreLines(other, target, { force: false, exists: false })).rejects.toThrow(/not a Vigil database/);
  });
});

describe('vigil backup (PostgreSQL)', () => {
  it('prints pg_dump and pg_restore commands for the database, without its password', () => {
    const lines = postgresBackupLines('postgres://vigil:s3cret@db.example.com:5432/vigil?sslmode=require', '/backups/vigil.dump');
    const text = lines.join('\n');
    expect(text).not.toContain('s3cret');
    expect(text).toContain("pg_dump --format=custom --file=/backups/vigil.dump 'postgres://vigil@db.example.com:5432/vigil?sslmode=require'");
    expect(text).toContain("pg_restore --clean --if-exists --no-owner --exit-on-error --dbname='postgres://vigil@db.example.com:5432/vigil?sslmode=require' /backups/vigil.dump");
    expect(text).toContain('PGPASSWORD');
  });
});
