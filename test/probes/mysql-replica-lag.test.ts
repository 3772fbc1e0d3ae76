// The mysql_replica_lag probe against a real MariaDB replica the test creates (a source with a binary log
// and a replica on free ports, see test/helpers/mariadb-replication.ts): a running replica, stopped
// threads, a replication error, the source itself (not a replica), a wrong password, a missing grant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelProblem, mysqlReplicaLagProbe, mysqlReplicaLagSchema, readReplicaChannel, type MysqlReplicaLagTarget } from '../../probes/mysql-replica-lag.js';
import type { ProbeOutcome } from '../../probes/probe.js';
import {
  MONITOR_PASSWORD,
  MONITOR_USER,
  PLAIN_PASSWORD,
  PLAIN_USER,
  startMariaDbReplication,
  type MariaDbReplication,
} from '../helpers/mariadb-replication.js';
import { probeContextPerTest } from '../helpers/servers.js';
import { describeConfig } from '../../config/describe.js';
import { loadConfigText } from '../../config/load.js';
import { publicConfig } from '../../config/public.js';
import { builtinProbes } from '../../probes/index.js';

let mariadb: MariaDbReplication;
beforeAll(async () => {
  mariadb = await startMariaDbReplication();
}, 90_000);
afterAll(async () => {
  await mariadb?.stop();
}, 30_000);

const contexts = probeContextPerTest();

function target(port: number, user = MONITOR_USER, password = MONITOR_PASSWORD, expect: Record<string, unknown> = {}): MysqlReplicaLagTarget {
  return mysqlReplicaLagSchema.parse({ dsn: `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/`, expect });
}

function sample(outcome: ProbeOutcome, name: string): number | undefined {
  return outcome.samples.find((s) => s.name === name)?.value;
}

function runOn(port: number, user?: string, password?: string): Promise<ProbeOutcome> {
  return mysqlReplicaLagProbe.run(target(port, user, password, { lag_under: '30s' }), AbortSignal.timeout(5000), contexts.current());
}

describe('the mysql_replica_lag probe on a real MariaDB replica', () => {
  it('reports a running replica with lag near 0 and both threads running, reusing one connection', async () => {
    await mariadb.source.sql("INSERT INTO shop.orders VALUES (100, 'first')");
    await mariadb.caughtUp();
    const first = await runOn(mariadb.replica.port);
    expect(first).toMatchObject({ success: true, error: null });
    expect(sample(first, 'replica_lag_seconds')).toBeLessThanOrEqual(1);
    expect(sample(first, 'replica_io_running')).toBe(1);
    expect(sample(first, 'replica_sql_running')).toBe(1);
    expect(first.detail).toMatch(new RegExp(`source 127\\.0\\.0\\.1:${mariadb.source.port}, \\d+s behind`));
    await runOn(mariadb.replica.port);
    const sessions = (await mariadb.replica.sql(`SELECT count(*) AS n FROM information_schema.processlist WHERE user = '${MONITOR_USER}'`)) as Array<{ n: number }>;
    expect(Number(sessions[0]!.n)).toBe(1);
  });

  it('fails when the SQL thread is stopped, saying so, with replica_sql_running 0', async () => {
    await mariadb.replica.sql('STOP REPLICA SQL_THREAD');
    try {
      const outcome = await runOn(mariadb.replica.port);
      expect(outcome.success).toBe(false);
      expect(outcome.error).toBe('replication SQL thread is stopped (no error recorded: stopped by hand?)');
      expect(sample(outcome, 'replica_sql_running')).toBe(0);
      expect(sample(outcome, 'replica_io_running')).toBe(1);
      // The server does not know the lag while the SQL thread is stopped: no made-up value.
      expect(sample(outcome, 'replica_lag_seconds')).toBeUndefined();
    } finally {
      await mariadb.replica.sql('START REPLICA SQL_THREAD');
      await mariadb.caughtUp();
    }
  });

  it('fails with the last SQL error when replication broke on a conflicting row', async () => {
    await mariadb.replica.sql("INSERT INTO shop.orders VALUES (7, 'written on the replica by mistake')");
    await mariadb.source.sql("INSERT INTO shop.orders VALUES (7, 'from the source')");
    let outcome: ProbeOutcome;
    const deadline = Date.now() + 10_000;
    do outcome = await runOn(mariadb.replica.port);
    while (outcome.success && Date.now() < deadline);
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^replication SQL thread is stopped: .*Duplicate entry '7' for key 'PRIMARY'.*\(errno 1062\)$/);
    await mariadb.replica.sql('DELETE FROM shop.orders WHERE id = 7');
    await mariadb.replica.sql('START REPLICA SQL_THREAD');
    await mariadb.caughtUp();
    expect((await runOn(mariadb.replica.port)).success).toBe(true);
  });

  it('fails when the IO thread is stopped, naming the source', async () => {
    await mariadb.replica.sql('STOP REPLICA IO_THREAD');
    try {
      const outcome = await runOn(mariadb.replica.port);
      expect(outcome.error).toBe(`replication IO thread from 127.0.0.1:${mariadb.source.port} is stopped`);
      expect(sample(outcome, 'replica_io_running')).toBe(0);
    } finally {
      await mariadb.replica.sql('START REPLICA IO_THREAD');
      await mariadb.caughtUp();
    }
  });

  it('says a server that replicates from nothing is not a replica', async () => {
    const outcome = await runOn(mariadb.source.port);
    expect(outcome).toMatchObject({
      success: false,
      error: `127.0.0.1:${mariadb.source.port} is not a replica: SHOW REPLICA STATUS returned no rows`,
      samples: [],
    });
  });

  it('reports a wrong password as an authentication failure, never showing the password', async () => {
    const outcome = await runOn(mariadb.replica.port, MONITOR_USER, 'Wrong-password-42');
    expect(outcome.success).toBe(false);
    expect(outcome.error).toBe(`authentication failed for user "${MONITOR_USER}" at 127.0.0.1:${mariadb.replica.port} (ER_ACCESS_DENIED_ERROR)`);
    expect(outcome.error).not.toContain('Wrong-password-42');
  });

  it('names the missing grant when the user may not read the replication status', async () => {
    const outcome = await runOn(mariadb.replica.port, PLAIN_USER, PLAIN_PASSWORD);
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(new RegExp(`^user "${PLAIN_USER}" may not read the replication status at 127\\.0\\.0\\.1:\\d+: grant REPLICATION CLIENT`));
    expect(outcome.error).not.toContain(PLAIN_PASSWORD);
  });
});

describe('the mysql_replica_lag status rows and DSN', () => {
  it.each([
    {
      name: 'MySQL 8.0.22+ spelling',
      row: { Replica_IO_Running: 'Yes', Replica_SQL_Running: 'Yes', Seconds_Behind_Source: 42, Source_Host: 'db1', Source_Port: 3306, Channel_Name: 'eu' },
      channel: { channel: 'eu', ioRunning: true, sqlRunning: true, lagSeconds: 42, source: 'db1:3306' },
    },
    {
      name: 'MariaDB and older MySQL spelling',
      row: { Slave_IO_Running: 'Connecting', Slave_SQL_Running: 'Yes', Seconds_Behind_Master: null, Master_Host: 'db2', Master_Port: 3307, Last_IO_Errno: 2003, Last_IO_Error: "Can't connect" },
      channel: { channel: '', ioRunning: false, ioState: 'Connecting', sqlRunning: true, lagSeconds: null, source: 'db2:3307', lastIoError: "Can't connect (errno 2003)" },
    },
  ])('reads the $name', ({ row, channel }) => {
    expect(readReplicaChannel(row)).toMatchObject(channel);
  });

  it('fails a replica at or over lag_under, naming the channel and the source', () => {
    const channel = readReplicaChannel({ Replica_IO_Running: 'Yes', Replica_SQL_Running: 'Yes', Seconds_Behind_Source: 45, Source_Host: 'db1', Source_Port: 3306, Channel_Name: 'eu' });
    expect(channelProblem(channel, 30_000)).toBe('channel "eu": replica is 45s behind db1:3306, expected under 30s');
    expect(channelProblem({ ...channel, lagSeconds: 29 }, 30_000)).toBeNull();
    expect(channelProblem(channel, undefined)).toBeNull();
  });

  it('shows a DSN written in the config with its password as *** in the API and vigil check, literal or from ${VAR}', () => {
    const text = [
      'environments: [prod]',
      'services:',
      '  db:',
      '    checks:',
      '      - mysql_replica_lag: { name: from-env, dsn: "mysql://monitor:${MYSQL_PW}@replica.internal:3306/" }',
      '      - mysql_replica_lag: { name: literal, dsn: "mysql://monitor:Literal-pw-99@replica.internal/" }',
    ].join('\n');
    const config = loadConfigText(text, { file: 'vigil.yaml', env: { MYSQL_PW: 'From-env-pw-77' }, registry: builtinProbes() });
    const shown = JSON.stringify(publicConfig(config)) + describeConfig(config, { color: false });
    expect(shown).not.toContain('From-env-pw-77');
    expect(shown).not.toContain('Literal-pw-99');
    expect(publicConfig(config).checks[1]!.target).toEqual({ dsn: { host: 'replica.internal', port: 3306, user: 'monitor', password: '***', database: null }, expect: {} });
  });

  it('keeps the password of a DSN a secret that prints as ***', () => {
    const parsed = target(3306, 'monitor', 'p@ss:w/rd');
    expect(parsed.dsn.password.reveal()).toBe('p@ss:w/rd');
    expect(JSON.stringify(parsed)).not.toContain('p@ss');
    expect(() => mysqlReplicaLagProbe.schema.parse({ dsn: 'postgres://u:hunter22@h/' })).toThrow(/expected a DSN like mysql:\/\//);
    try {
      mysqlReplicaLagProbe.schema.parse({ dsn: 'postgres://u:hunter22@h/' });
    } catch (error) {
      expect(String(error)).not.toContain('hunter22');
    }
  });
});
