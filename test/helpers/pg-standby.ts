// A real streaming standby of the PostgreSQL server on this machine, for the replica-lag tests:
// pg_basebackup -R into a temp dir (with a replication slot), started by pg_ctl on a free port as the
// postgres user (PostgreSQL refuses to run as root), removed with its slot afterwards.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { closedPort } from './servers.js';
import { TEST_POSTGRES_URL } from './stores.js';

const run = promisify(execFile);

/** The PostgreSQL binaries of the server's major version (Debian keeps pg_ctl off the PATH). */
async function binDir(): Promise<string> {
  const { rows } = await primaryQuery("SELECT current_setting('server_version_num')::int / 10000 AS major");
  return `/usr/lib/postgresql/${rows[0].major}/bin`;
}

/** Gives a path to the postgres user when this process is root (pg_ctl runs as postgres). */
async function giveToPostgres(where: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  await chown(where, Number(uid.trim()), Number(gid.trim()));
}

/** Runs a command as the postgres user when this process is root, else as ourselves. */
function asPostgres(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  if (process.getuid?.() === 0) return run('runuser', ['-u', 'postgres', '--', command, ...args], { timeout: 60_000 });
  return run(command, args, { timeout: 60_000 });
}

/** A running standby. */
export interface Standby {
  /** Its application_name on the primary (`pg_stat_replication`). */
  readonly name: string;
  /** Its replication slot on the primary. */
  readonly slot: string;
  readonly port: number;
  /** postgres://root@127.0.0.1:<port>/postgres */
  readonly url: string;
  /** Stops the server (fast shutdown); the data dir and slot stay until remove(). */
  stop(): Promise<void>;
  /** Stops it if running, removes its directory and drops its slot on the primary. */
  remove(): Promise<void>;
}

async function primaryQuery(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

/** Drops a slot once its walsender is gone (an active slot cannot be dropped). */
async function dropSlot(slot: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { rows } = await primaryQuery('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    if (rows.length === 0) return;
    if (!rows[0].active) {
      await primaryQuery('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {});
    } else {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`replication slot ${slot} is still active`);
}

/** Makes and starts a standby, waiting until it streams; on any failure it removes what it made. */
export async function startStandby(): Promise<Standby> {
  const suffix = randomBytes(4).toString('hex');
  const name = `vigil_test_standby_${suffix}`;
  const slot = `vigil_test_slot_${suffix}`;
  const bin = await binDir();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-standby-'));
  const data = path.join(dir, 'data');
  const port = await closedPort();
  let started = false;
  const stop = async (): Promise<void> => {
    if (!started) return;
    started = false;
    await asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']).catch(() =>
      asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {}),
    );
  };
  const remove = async (): Promise<void> => {
    await stop();
    await rm(dir, { recursive: true, force: true });
    await dropSlot(slot);
  };
  try {
    await giveToPostgres(dir);
    const primary = new URL(TEST_POSTGRES_URL);
    // A fast checkpoint: the default spread one waits on the shared server's checkpoint pacing.
    await asPostgres(path.join(bin, 'pg_basebackup'), [
      '-h', primary.hostname, '-p', primary.port || '5432', '-U', decodeURIComponent(primary.username) || 'root',
      '-D', data, '-R', '-X', 'stream', '-c', 'fast', '-C', '-S', slot, '-d', `application_name=${name}`,
      ...(await tablespaceMappings(dir)),
    ]);
    // Debian keeps postgresql.conf and pg_hba.conf outside the data directory, so the copy has none.
    const conf = [
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      'shared_buffers = 16MB',
      'hot_standby = on',
      // Report replay positions every second, so the primary's view follows within the test's polls.
      'wal_receiver_status_interval = 1s',
      'logging_collector = off',
    ].join('\n');
    const files: Array<[string, string]> = [
      ['postgresql.conf', `${conf}\n`],
      ['pg_hba.conf', 'local all all trust\nhost all all 127.0.0.1/32 trust\n'],
      ['pg_ident.conf', ''],
    ];
    for (const [file, text] of files) {
      const where = path.join(data, file);
      await writeFile(where, text, { mode: 0o600 });
      await giveToPostgres(where);
    }
    started = true;
    await asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start']);
    const url = `postgres://root@127.0.0.1:${port}/postgres`;
    await waitUntilStreaming(url);
    return { name, slot, port, url, stop, remove };
  } catch (error) {
    await remove().catch(() => {});
    throw error;
  }
}

/**
 * The primary's tablespaces (CI keeps the store tests' databases in one on tmpfs) go into the standby's
 * own directory: unmapped, pg_basebackup would write them where the primary has them.
 */
async function tablespaceMappings(dir: string): Promise<string[]> {
  const { rows } = await primaryQuery("SELECT spcname, pg_tablespace_location(oid) AS location FROM pg_tablespace WHERE pg_tablespace_location(oid) <> ''");
  return rows.flatMap((row: { spcname: string; location: string }) => ['-T', `${row.location}=${path.join(dir, 'tablespaces', row.spcname)}`]);
}

async function waitUntilStreaming(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      const { rows } = await client.query('SELECT status FROM pg_stat_wal_receiver');
      if (rows[0]?.status === 'streaming') return;
    } catch {
      // Still starting.
    } finally {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) throw new Error('the standby did not start streaming within 30s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
