// A real MariaDB source and replica for replica-lag tests: two `mariadbd`s on free loopback ports, each
// in its own temp data directory (made once by mariadb-install-db and copied), the source with a binary
// log. The machine's own MariaDB runs without a binary log, so it cannot be replicated from. `stop()`
// kills both servers and removes the directory, also when the setup failed half-way.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { closedPort } from './servers.js';

const run = promisify(execFile);

/** The user the probe connects as (created on the source, replicated), with the privilege to read the status. */
export const MONITOR_USER = 'vigil_monitor';
export const MONITOR_PASSWORD = 'Sup3r-s3cret-pw';
/** A user without REPLICATION CLIENT / SLAVE MONITOR. */
export const PLAIN_USER = 'vigil_plain';
export const PLAIN_PASSWORD = 'plain-pw-123';

export interface MariaDbServer {
  readonly port: number;
  /** A root connection (no password, over TCP on 127.0.0.1). */
  sql(statement: string): Promise<unknown>;
}

export interface MariaDbReplication {
  readonly source: MariaDbServer;
  readonly replica: MariaDbServer;
  /** Waits until the replica has applied everything the source wrote (both threads running). */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const SERVER_BINARY = 'mariadbd';

/** Starts a source and a replica replicating from it; the caller must `stop()` it (afterAll). */
export async function startMariaDbReplication(): Promise<MariaDbReplication> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-mariadb-'));
  const children: ChildProcess[] = [];
  const pools: mysql.Pool[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(pools.map((pool) => pool.end()));
    await Promise.all(children.map(killAndWait));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const template = path.join(dir, 'template');
    await run('mariadb-install-db', ['--no-defaults', `--datadir=${template}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], {
      timeout: 60_000,
    });
    await cp(template, path.join(dir, 'source'), { recursive: true });
    await cp(template, path.join(dir, 'replica'), { recursive: true });
    const start = async (name: string, serverId: number, extra: string[]): Promise<MariaDbServer> => {
      const port = await closedPort();
      const child = spawn(
        SERVER_BINARY,
        [
          '--no-defaults',
          `--datadir=${path.join(dir, name)}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--socket=${path.join(dir, `${name}.sock`)}`,
          `--pid-file=${path.join(dir, `${name}.pid`)}`,
          '--user=root',
          `--server-id=${serverId}`,
          '--skip-name-resolve',
          '--innodb-buffer-pool-size=16M',
          '--innodb-log-file-size=8M',
          '--performance-schema=OFF',
          ...extra,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      const pool = mysql.createPool({ host: '127.0.0.1', port, user: 'root', connectionLimit: 2 });
      pools.push(pool);
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          await pool.query('SELECT 1');
          break;
        } catch (error) {
          if (child.exitCode !== null || Date.now() > deadline) {
            throw new Error(`mariadbd ${name} did not start on port ${port}: ${(error as Error).message}\n${stderr}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      return { port, sql: async (statement) => (await pool.query(statement))[0] };
    };
    const [source, replica] = await Promise.all([
      start('source', 1, [`--log-bin=${path.join(dir, 'source', 'binlog')}`]),
      start('replica', 2, []),
    ]);
    // Users are made on the source before replication starts: they reach the replica as replicated events.
    for (const statement of [
      "CREATE USER repl@'%' IDENTIFIED BY 'repl-pw'",
      "GRANT REPLICATION SLAVE ON *.* TO repl@'%'",
      `CREATE USER ${MONITOR_USER}@'%' IDENTIFIED BY '${MONITOR_PASSWORD}'`,
      `GRANT SLAVE MONITOR ON *.* TO ${MONITOR_USER}@'%'`,
      `CREATE USER ${PLAIN_USER}@'%' IDENTIFIED BY '${PLAIN_PASSWORD}'`,
      'CREATE DATABASE shop',
      'CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(100))',
    ]) {
      await source.sql(statement);
    }
    await replica.sql(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${source.port}, MASTER_USER='repl', MASTER_PASSWORD='repl-pw', ` +
        'MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1',
    );
    await replica.sql('START REPLICA');
    const caughtUp = async (timeoutMs = 20_000): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [sourcePos] = (await source.sql('SELECT @@gtid_binlog_pos AS pos')) as Array<{ pos: string }>;
        const [status] = (await replica.sql('SHOW REPLICA STATUS')) as Array<Record<string, unknown>>;
        const [replicaPos] = (await replica.sql('SELECT @@gtid_slave_pos AS pos')) as Array<{ pos: string }>;
        if (status?.Slave_IO_Running === 'Yes' && status.Slave_SQL_Running === 'Yes' && replicaPos!.pos === sourcePos!.pos) return;
        if (Date.now() > deadline) throw new Error(`the replica did not catch up: ${JSON.stringify({ sourcePos, replicaPos, status })}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await caughtUp();
    return { source, replica, caughtUp, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** SIGTERM (a clean shutdown), then SIGKILL if it has not exited within 10 s. */
async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
