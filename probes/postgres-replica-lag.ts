import { z } from 'zod';
import { duration, formatDuration } from '../lib/duration.js';
import type { Probe, ProbeOutcome, ProbeSample } from './probe.js';
import { dsnEndpoint, dsnSchema, dsnScrubber } from './db/dsn.js';
import { pgFailureMessage, pgPool, pgQuery, type PgClient } from './db/postgres.js';
import { abortMessage } from './outcome-text.js';
import { startRunTimer } from './run-timer.js';

export const postgresReplicaLagSchema = z.strictObject({
  /** A primary (lag of each standby it streams to) or a standby (its own lag). */
  dsn: dsnSchema(['postgres'], 'postgres://vigil:secret@db.example.com:5432/postgres'),
  expect: z
    .strictObject({
      /** Fail when the server is not this: a standby promoted by a failover is a primary. */
      role: z.enum(['primary', 'standby']).optional().meta({ description: 'Fail when the server is not a primary (or not a standby)' }),
      /** Standbys a primary must be streaming to, by application_name or client address. */
      standbys: z
        .array(z.string().min(1))
        .optional()
        .meta({ description: 'Standbys the primary must stream to, by application_name or client address' }),
      /** Fail when a standby's replay lag (or this standby's own) is this or more. */
      lag_under: duration().optional(),
    })
    .default({}),
});

export type PostgresReplicaLagTarget = z.output<typeof postgresReplicaLagSchema>;
type Expect = PostgresReplicaLagTarget['expect'];

/** A row of pg_stat_replication as the probe reads it. */
export interface ReplicationRow {
  readonly application_name: string | null;
  readonly client_addr: string | null;
  readonly client_port: number | null;
  readonly state: string | null;
  readonly sync_state: string | null;
  /** replay_lag in seconds; null when the standby has caught up on an idle primary, or has not reported yet. */
  readonly replay_lag_seconds: number | null;
  /** Bytes of WAL written on the primary and not yet replayed on the standby; null before its first report. */
  readonly replay_lag_bytes: number | null;
}

/** A replication slot and the WAL it keeps on the primary. */
export interface SlotRow {
  readonly slot_name: string;
  readonly retained_bytes: number | null;
}

/** What a standby says about its own replay. */
export interface StandbyState {
  readonly receive_lsn: string | null;
  readonly replay_lsn: string | null;
  readonly unreplayed_bytes: number | null;
  /** Epoch ms of the last replayed commit (pg_last_xact_replay_timestamp()), or null before any. */
  readonly last_replay_ms: number | null;
  /** The standby's own clock when it answered, in epoch ms. */
  readonly server_now_ms: number;
  readonly paused: boolean;
  /** A WAL receiver process exists (streaming from a primary, not only restoring from an archive). */
  readonly receiving: boolean;
}

/** The walreceiver's default application_name: shared by every standby without cluster_name, so it names none. */
const DEFAULT_APPLICATION_NAME = 'walreceiver';

/** The `replica` label: application_name, or the client address when that is empty or the default. */
export function replicaName(row: Pick<ReplicationRow, 'application_name' | 'client_addr'>): string {
  const name = row.application_name ?? '';
  if (name !== '' && name !== DEFAULT_APPLICATION_NAME) return name;
  return row.client_addr ?? (name || 'local');
}

/** Seconds of replay lag of a pg_stat_replication row: replay_lag, 0 when caught up (no lag and no bytes behind). */
export function primarySideLagSeconds(row: ReplicationRow): number | null {
  if (row.replay_lag_seconds !== null) return row.replay_lag_seconds;
  return row.replay_lag_bytes === 0 ? 0 : null;
}

/**
 * A standby's replay lag in seconds. Everything received has been replayed while a WAL receiver
 * streams: the standby is current however old its last replayed commit is (an idle primary writes no
 * commits), so the lag is 0. Otherwise it is the time since the last replayed commit on the standby's
 * clock; null before any commit was replayed.
 */
export function standbyLagSeconds(state: StandbyState): number | null {
  if (state.receiving && state.receive_lsn !== null && state.receive_lsn === state.replay_lsn) return 0;
  if (state.last_replay_ms === null) return null;
  return Math.max(0, (state.server_now_ms - state.last_replay_ms) / 1000);
}

function lagProblem(who: string, seconds: number | null, lagUnderMs: number | undefined): string | null {
  if (lagUnderMs === undefined || seconds === null || seconds * 1000 < lagUnderMs) return null;
  return `${who} lags ${formatLag(seconds)}, expected under ${formatDuration(lagUnderMs)}`;
}

function formatLag(seconds: number): string {
  return seconds < 10 ? `${Number(seconds.toFixed(1))}s` : formatDuration(Math.round(seconds) * 1000);
}

/** Samples and problems of a primary: one series per standby, one per slot, and each missing standby. */
export function primaryReport(rows: readonly ReplicationRow[], slots: readonly SlotRow[], expect: Expect): { samples: ProbeSample[]; problems: string[] } {
  const samples: ProbeSample[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const names: string[] = [];
  for (const row of rows) {
    if (row.state === 'backup') continue;
    let replica = replicaName(row);
    // Two standbys sharing a name (both "walreceiver" on one host) must not overwrite each other's series.
    if (seen.has(replica)) replica = `${replica}@${row.client_addr ?? 'local'}:${row.client_port ?? 0}`;
    seen.add(replica);
    names.push(replica);
    const labels = { replica, state: row.state ?? 'unknown', sync_state: row.sync_state ?? 'unknown' };
    const seconds = primarySideLagSeconds(row);
    if (seconds !== null) samples.push({ name: 'replica_lag_seconds', labels, value: seconds });
    if (row.replay_lag_bytes !== null) samples.push({ name: 'replica_lag_bytes', labels, value: row.replay_lag_bytes });
    const problem = lagProblem(`standby ${replica}`, seconds, expect.lag_under);
    if (problem) problems.push(problem);
  }
  for (const slot of slots) {
    if (slot.retained_bytes !== null) samples.push({ name: 'replication_slot_retained_bytes', labels: { slot: slot.slot_name }, value: slot.retained_bytes });
  }
  const connected = new Set(rows.filter((row) => row.state !== 'backup').flatMap((row) => [row.application_name, row.client_addr, replicaName(row)]));
  const missing = (expect.standbys ?? []).filter((name) => !connected.has(name));
  if (missing.length) {
    const streaming = names.length ? `streaming to ${names.join(', ')}` : 'streaming to no standby';
    const which = missing.length === 1 ? `standby ${missing[0]} is` : `standbys ${missing.join(', ')} are`;
    problems.unshift(`${which} not connected (the primary is ${streaming})`);
  }
  return { samples, problems };
}

/** Samples, problems and detail of a standby: its lag in seconds and bytes, and a paused replay. */
export function standbyReport(state: StandbyState, expect: Expect): { samples: ProbeSample[]; problems: string[]; detail: string | null } {
  const samples: ProbeSample[] = [];
  const problems: string[] = [];
  const seconds = standbyLagSeconds(state);
  if (seconds !== null) samples.push({ name: 'replica_lag_seconds', value: seconds });
  if (state.unreplayed_bytes !== null) samples.push({ name: 'replica_lag_bytes', value: state.unreplayed_bytes });
  samples.push({ name: 'replica_replay_paused', value: state.paused ? 1 : 0 });
  const notes: string[] = [];
  if (state.paused) notes.push('WAL replay is paused (pg_wal_replay_resume() resumes it)');
  if (!state.receiving) notes.push('no WAL receiver: not streaming from a primary');
  if (expect.standbys?.length) problems.push(`expect.standbys is for a primary, but this server is a standby`);
  const problem = lagProblem('this standby', seconds, expect.lag_under);
  if (problem) problems.push(state.paused ? `${problem} (WAL replay is paused)` : problem);
  return { samples, problems, detail: notes.length ? notes.join('; ') : null };
}

const PRIMARY_SQL = `SELECT application_name, client_addr::text AS client_addr, client_port, state, sync_state,
  EXTRACT(EPOCH FROM replay_lag)::float8 AS replay_lag_seconds,
  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS replay_lag_bytes
FROM pg_stat_replication ORDER BY application_name, client_addr, client_port`;

const SLOTS_SQL = `SELECT slot_name, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 AS retained_bytes
FROM pg_replication_slots ORDER BY slot_name`;

const STANDBY_SQL = `SELECT pg_last_wal_receive_lsn()::text AS receive_lsn, pg_last_wal_replay_lsn()::text AS replay_lsn,
  pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS unreplayed_bytes,
  (EXTRACT(EPOCH FROM pg_last_xact_replay_timestamp()) * 1000)::float8 AS last_replay_ms,
  (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::float8 AS server_now_ms,
  pg_is_wal_replay_paused() AS paused,
  EXISTS (SELECT 1 FROM pg_stat_wal_receiver) AS receiving`;

type Observation =
  | { readonly role: 'primary'; readonly rows: ReplicationRow[]; readonly slots: SlotRow[] }
  | { readonly role: 'standby'; readonly state: StandbyState };

async function observe(held: PgClient): Promise<Observation> {
  const recovery = await pgQuery<{ standby: boolean }>(held, 'SELECT pg_is_in_recovery() AS standby');
  if (recovery.rows[0]?.standby) {
    const state = await pgQuery<StandbyState & Record<string, unknown>>(held, STANDBY_SQL);
    return { role: 'standby', state: state.rows[0] };
  }
  const rows = await pgQuery<ReplicationRow & Record<string, unknown>>(held, PRIMARY_SQL);
  const slots = await pgQuery<SlotRow & Record<string, unknown>>(held, SLOTS_SQL);
  return { role: 'primary', rows: rows.rows, slots: slots.rows };
}

/**
 * Replication lag of PostgreSQL. On a primary: `replica_lag_seconds` and `replica_lag_bytes` per standby
 * ({replica, state, sync_state}), `replication_slot_retained_bytes{slot}`, and a failure naming each
 * expected standby that is not connected. On a standby: its own lag (0 while everything received is
 * replayed, so an idle primary shows no false lag), received-but-unreplayed bytes and a paused replay.
 */
export const postgresReplicaLagProbe: Probe<PostgresReplicaLagTarget> = {
  kind: 'postgres_replica_lag',
  schema: postgresReplicaLagSchema,
  async run(target, signal, ctx): Promise<ProbeOutcome> {
    const { startedAt, seconds: elapsed } = startRunTimer();
    const endpoint = dsnEndpoint(target.dsn);
    const scrub = dsnScrubber(target.dsn, ctx);
    if (signal.aborted) {
      return { success: false, error: abortMessage(signal, `before connecting to ${endpoint.where}`, startedAt), durationSeconds: 0, samples: [] };
    }
    let observation: Observation;
    try {
      observation = await pgPool(ctx, target.dsn).use(signal, observe);
    } catch (error) {
      return { success: false, error: scrub(pgFailureMessage(error, endpoint, signal, startedAt)), durationSeconds: elapsed(), samples: [] };
    }
    const durationSeconds = elapsed();
    const expectedRole = target.expect.role;
    if (expectedRole && expectedRole !== observation.role) {
      const why = observation.role === 'primary' ? 'pg_is_in_recovery() is false' : 'pg_is_in_recovery() is true';
      return { success: false, error: `expected a ${expectedRole}, but ${endpoint.where} is a ${observation.role} (${why})`, durationSeconds, samples: [] };
    }
    if (observation.role === 'primary') {
      const { samples, problems } = primaryReport(observation.rows, observation.slots, target.expect);
      return { success: problems.length === 0, error: problems.length ? scrub(problems.join('; ')) : null, durationSeconds, samples };
    }
    const { samples, problems, detail } = standbyReport(observation.state, target.expect);
    return {
      success: problems.length === 0,
      error: problems.length ? problems.join('; ') : null,
      durationSeconds,
      samples,
      degraded: problems.length === 0 && observation.state.paused,
      detail,
    };
  },
};
