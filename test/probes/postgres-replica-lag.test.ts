// postgres_replica_lag against the PostgreSQL server on this machine and a real streaming standby of
// it: lag near 0 after writes, growing while replay is paused, back after resuming, no false lag on an
// idle primary, and the primary-side check naming a standby that stopped.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretValues } from '../../lib/secret.js';
import type { ProbeContext } from '../../probes/context.js';
import type { ProbeOutcome, ProbeSample } from '../../probes/probe.js';
import {
  postgresReplicaLagProbe,
  postgresReplicaLagSchema,
  primaryReport,
  standbyLagSeconds,
  type ReplicationRow,
  type StandbyState,
} from '../../probes/postgres-replica-lag.js';
import { closeAfterEach, closedPort, deadline, probeContextPerTest, startSilentServer, startTcpServer, type TestServer } from '../helpers/servers.js';
import { startStandby, type Standby } from '../helpers/pg-standby.js';
import { TEST_POSTGRES_URL } from '../helpers/stores.js';

const contexts = probeContextPerTest();
const use = closeAfterEach();
const probe = (config: Record<string, unknown>, ctx: ProbeContext = contexts.current(), timeoutMs = 5000): Promise<ProbeOutcome> =>
  postgresReplicaLagProbe.run(postgresReplicaLagSchema.parse(config), deadline(timeoutMs), ctx);

const sample = (outcome: ProbeOutcome, name: string, labels: Record<string, string> = {}): ProbeSample | undefined =>
  outcome.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('replica lag as pure functions', () => {
  const state = (over: Partial<StandbyState>): StandbyState => ({
    receive_lsn: '0/3000060', replay_lsn: '0/3000060', unreplayed_bytes: 0, last_replay_ms: 1_000_000,
    server_now_ms: 1_600_000, paused: false, receiving: true, ...over,
  });

  it.each([
    { name: 'caught up on an idle primary: 0, however old the last commit', over: {}, lag: 0 },
    { name: 'behind: time since the last replayed commit', over: { receive_lsn: '0/3000100' }, lag: 600 },
    { name: 'not streaming: time since the last replayed commit', over: { receiving: false }, lag: 600 },
    { name: 'no commit replayed yet and behind: unknown', over: { receive_lsn: '0/3000100', last_replay_ms: null }, lag: null },
  ])('standby lag: $name', ({ over, lag }) => {
    expect(standbyLagSeconds(state(over))).toBe(lag);
  });

  const row = (over: Partial<ReplicationRow>): ReplicationRow => ({
    application_name: 'replica-a', client_addr: '10.0.0.5', client_port: 40000, state: 'streaming', sync_state: 'async',
    replay_lag_seconds: 0.2, replay_lag_bytes: 0, ...over,
  });

  it('names standbys by client address when they keep the default application_name, apart when two share it', () => {
    const { samples } = primaryReport(
      [row({ application_name: 'walreceiver', client_addr: '10.0.0.7' }), row({ application_name: 'walreceiver', client_addr: '10.0.0.7', client_port: 40001 })],
      [],
      {},
    );
    expect(samples.filter((s) => s.name === 'replica_lag_seconds').map((s) => s.labels?.replica)).toEqual(['10.0.0.7', '10.0.0.7@10.0.0.7:40001']);
  });

  it('reads a null replay_lag with nothing behind as 0 (a caught-up standby of an idle primary), skips base backups', () => {
    const { samples } = primaryReport([row({ replay_lag_seconds: null }), row({ application_name: 'pg_basebackup', state: 'backup' })], [], {});
    expect(samples).toEqual([
      { name: 'replica_lag_seconds', labels: { replica: 'replica-a', state: 'streaming', sync_state: 'async' }, value: 0 },
      { name: 'replica_lag_bytes', labels: { replica: 'replica-a', state: 'streaming', sync_state: 'async' }, value: 0 },
    ]);
  });

  it('names every missing standby and every lagging one', () => {
    const { problems } = primaryReport([row({ replay_lag_seconds: 42 })], [], { standbys: ['replica-a', 'replica-b', 'replica-c'], lag_under: 30_000 });
    expect(problems).toEqual([
      'standbys replica-b, replica-c are not connected (the primary is streaming to replica-a)',
      'standby replica-a lags 42s, expected under 30s',
    ]);
  });
});

describe('postgres_replica_lag against a real primary and streaming standby', () => {
  let standby: Standby;
  const table = `vigil_lag_${randomBytes(4).toString('hex')}`;
  let primary: pg.Client;
  let onStandby: pg.Client;

  beforeAll(async () => {
    standby = await startStandby();
    primary = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await primary.connect();
    await primary.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, at timestamptz DEFAULT now())`);
    onStandby = new pg.Client({ connectionString: standby.url });
    // Stopping the standby ends this connection; that is expected, not an uncaught error.
    onStandby.on('error', () => {});
    await onStandby.connect();
  }, 90_000);

  afterAll(async () => {
    await onStandby?.end().catch(() => {});
    await primary?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await primary?.end().catch(() => {});
    await standby?.remove();
  }, 60_000);

  const write = () => primary.query(`INSERT INTO ${table} DEFAULT VALUES`);
  const onPrimaryCheck = () => ({ dsn: TEST_POSTGRES_URL, expect: { standbys: [standby.name], lag_under: '30s' } });
  const onStandbyCheck = () => ({ dsn: standby.url, expect: { lag_under: '30s' } });

  it('reports each standby from the primary with lag near 0 after writes, its state, and the slot retaining WAL', async () => {
    await write();
    const labels = { replica: standby.name };
    let outcome!: ProbeOutcome;
    await expect
      .poll(async () => {
        outcome = await probe(onPrimaryCheck());
        return sample(outcome, 'replica_lag_bytes', labels)?.value;
      }, { timeout: 10_000, interval: 200 })
      .toBeLessThan(1_000_000);
    expect(outcome).toMatchObject({ success: true, error: null });
    expect(sample(outcome, 'replica_lag_seconds', labels)?.labels).toEqual({ replica: standby.name, state: 'streaming', sync_state: 'async' });
    expect(sample(outcome, 'replica_lag_seconds', labels)!.value).toBeLessThan(2);
    expect(sample(outcome, 'replication_slot_retained_bytes', { slot: standby.slot })!.value).toBeGreaterThanOrEqual(0);
  });

  it('reports the standby\'s own lag near 0 after writes, and 0 on an idle primary however old the last commit', async () => {
    await write();
    await expect.poll(async () => sample(await probe(onStandbyCheck()), 'replica_lag_seconds')?.value, { timeout: 10_000, interval: 200 }).toBeLessThan(1);
    // Nothing of ours commits now; the last replayed commit ages while the standby stays current.
    await sleep(2500);
    const { rows } = await onStandby.query(`SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 AS naive,
      pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AS caught_up`);
    const outcome = await probe(onStandbyCheck());
    expect(outcome).toMatchObject({ success: true, error: null, degraded: false, detail: null });
    const lag = sample(outcome, 'replica_lag_seconds')!.value;
    expect(lag).toBeLessThan(1);
    // When no other client of the shared server committed meanwhile, the naive reading is the idle time.
    if (rows[0].caught_up && rows[0].naive >= 2) expect(lag).toBe(0);
    expect(sample(outcome, 'replica_replay_paused')!.value).toBe(0);
  });

  it('sees lag grow in seconds and bytes while replay is paused, reports the pause, and sees it return on resume', async () => {
    await onStandby.query('SELECT pg_wal_replay_pause()');
    try {
      await expect.poll(async () => (await onStandby.query('SELECT pg_get_wal_replay_pause_state() AS s')).rows[0].s, { timeout: 5000 }).toBe('paused');
      await write();
      await sleep(1200);
      const first = await probe({ dsn: standby.url, expect: { lag_under: '1s' } });
      expect(first.success).toBe(false);
      expect(first.error).toMatch(/^this standby lags [\d.]+s, expected under 1s \(WAL replay is paused\)$/);
      expect(first.detail).toContain('WAL replay is paused');
      expect(sample(first, 'replica_replay_paused')!.value).toBe(1);
      expect(sample(first, 'replica_lag_bytes')!.value).toBeGreaterThan(0);
      const paused = await probe(onStandbyCheck());
      expect(paused).toMatchObject({ success: true, degraded: true });
      await write();
      await sleep(1000);
      const later = await probe(onStandbyCheck());
      expect(sample(later, 'replica_lag_seconds')!.value).toBeGreaterThan(sample(first, 'replica_lag_seconds')!.value + 0.5);
      expect(sample(later, 'replica_lag_bytes')!.value).toBeGreaterThan(sample(first, 'replica_lag_bytes')!.value);
      // The primary sees the replay position stand still too: bytes behind, and a replay_lag PostgreSQL
      // extrapolates while the standby's replay is stuck.
      await expect.poll(async () => sample(await probe(onPrimaryCheck()), 'replica_lag_bytes', { replica: standby.name })?.value, { timeout: 5000 }).toBeGreaterThan(0);
      await expect
        .poll(async () => sample(await probe(onPrimaryCheck()), 'replica_lag_seconds', { replica: standby.name })?.value, { timeout: 5000, interval: 250 })
        .toBeGreaterThan(1);
    } finally {
      await onStandby.query('SELECT pg_wal_replay_resume()');
    }
    await expect.poll(async () => sample(await probe(onStandbyCheck()), 'replica_lag_seconds')?.value, { timeout: 10_000, interval: 200 }).toBeLessThan(1);
    const resumed = await probe(onStandbyCheck());
    expect(resumed).toMatchObject({ success: true, degraded: false });
    expect(sample(resumed, 'replica_replay_paused')!.value).toBe(0);
  });

  it('says which role it found when the server is not the one expected', async () => {
    expect((await probe({ dsn: standby.url, expect: { role: 'primary' } })).error).toBe(
      `expected a primary, but 127.0.0.1:${standby.port} is a standby (pg_is_in_recovery() is true)`,
    );
    expect((await probe({ dsn: TEST_POSTGRES_URL, expect: { role: 'standby' } })).error).toBe(
      'expected a standby, but 127.0.0.1:5432 is a primary (pg_is_in_recovery() is false)',
    );
    expect((await probe({ dsn: standby.url, expect: { standbys: ['x'] } })).error).toBe('expect.standbys is for a primary, but this server is a standby');
  });

  it('fails on the primary naming the standby once it stops', async () => {
    await standby.stop();
    await expect.poll(async () => (await probe(onPrimaryCheck())).error, { timeout: 10_000, interval: 200 }).toMatch(
      new RegExp(`^standby ${standby.name} is not connected \\(the primary is streaming to `),
    );
  });
});

/** A server that answers the startup message with a PostgreSQL ErrorResponse, as a password check does. */
function startRejectingPostgres(code: string, message: string): Promise<TestServer> {
  const field = (type: string, value: string) => Buffer.concat([Buffer.from(type), Buffer.from(value), Buffer.from([0])]);
  const body = Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', message), Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(body.length + 4, 1);
  return startTcpServer((socket) => socket.once('data', () => socket.end(Buffer.concat([header, body]))));
}

describe('postgres_replica_lag errors', () => {
  const password = 'Sup3r-Secret-pw';
  const withPassword = (port: number, database = 'postgres', user = 'root') => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;

  it.each([
    { name: 'a missing database', dsn: () => withPassword(5432, 'vigil_no_such_db'), error: 'database missing at 127.0.0.1:5432: database "vigil_no_such_db" does not exist (3D000)' },
    { name: 'an unknown role', dsn: () => withPassword(5432, 'postgres', 'vigil_no_such_role'), error: 'authentication failed at 127.0.0.1:5432: role "vigil_no_such_role" does not exist (28000)' },
  ])('says so for $name, without the password', async ({ dsn, error }) => {
    const outcome = await probe({ dsn: dsn() });
    expect(outcome).toMatchObject({ success: false, error });
  });

  it('reports a rejected password as an authentication failure, never quoting the DSN or its password', async () => {
    const server = await use(startRejectingPostgres('28P01', `password authentication failed for user "root" (tried ${password})`));
    const ctx = contexts.create({ secrets: new SecretValues([withPassword(server.port)]) });
    const outcome = await probe({ dsn: withPassword(server.port) }, ctx);
    expect(outcome.error).toBe(`authentication failed at 127.0.0.1:${server.port}: password authentication failed for user "root" (tried ***) (28P01)`);
  });

  it('reports a refused connection and a timeout distinctly', async () => {
    const port = await closedPort();
    expect((await probe({ dsn: withPassword(port) })).error).toBe(`connection refused to 127.0.0.1:${port}`);
    const silent = await use(startSilentServer());
    expect((await probe({ dsn: withPassword(silent.port) }, contexts.current(), 300)).error).toBe(
      `timed out after 300ms while connecting to 127.0.0.1:${silent.port}`,
    );
  });

  it('refuses a DSN of another scheme when the config loads, without quoting it', () => {
    const parsed = postgresReplicaLagSchema.safeParse({ dsn: `mysql://root:${password}@127.0.0.1/x` });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).not.toContain(password);
  });

  it('keeps one connection per DSN across runs and closes it with the context', async () => {
    const ctx = contexts.create();
    const name = `vigil_pool_${randomBytes(4).toString('hex')}`;
    const dsn = `${TEST_POSTGRES_URL}?application_name=${name}`;
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    try {
      const connections = async () => (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [name])).rows[0].n;
      for (let i = 0; i < 3; i++) expect((await probe({ dsn }, ctx)).success).toBe(true);
      expect(await connections()).toBe(1);
      await ctx.close();
      await expect.poll(connections, { timeout: 2000 }).toBe(0);
    } finally {
      await admin.end();
    }
  });

  it('replaces a pooled connection the server ended (a restart, an idle timeout) without failing the run', async () => {
    const ctx = contexts.create();
    const name = `vigil_pool_${randomBytes(4).toString('hex')}`;
    const dsn = `${TEST_POSTGRES_URL}?application_name=${name}`;
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    try {
      expect((await probe({ dsn }, ctx)).success).toBe(true);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
      expect(await probe({ dsn }, ctx)).toMatchObject({ success: true, error: null });
    } finally {
      await admin.end();
    }
  });
});
