// Appending samples on PostgreSQL: one binary COPY per batch, falling back to an upsert when the
// batch replaces samples already stored.
//
// Measured here (bench/store-postgres.mjs, appendMethodsRowsPerSec: batches of 10,000 rows into the
// samples table shape, each in a transaction, median of 3 rounds, with the store's replace semantics):
// multi-row VALUES … ON CONFLICT DO UPDATE ~73k rows/s, INSERT … SELECT FROM unnest(arrays) … ON
// CONFLICT ~100k, COPY FROM STDIN inside a savepoint ~200k, COPY into a staging table then one upsert
// ~100k. So a batch is COPYed straight into `samples` inside a savepoint, and only when that hits a
// sample already stored (a unique violation) is it redone as staging + upsert. Binary COPY rather than
// text: no number printed in JS or parsed by PostgreSQL, ~20 % more appends per second (and a double
// goes over exactly, with no text form in between).
import { ROLLUP_LOCK, type PoolClient } from './connection.js';
import { copyIn } from './copy-in.js';
import { isLate, PROGRESS_SQL, parseProgress, type RollupState } from './progress.js';
import type { LabelTrie } from '../label-trie.js';
import type { PendingIds, SeriesCatalog } from './series.js';
import { alignDown, MINUTE_MS } from '../step-aggregate.js';
import type { Labels, Sample } from '../types.js';

const UNIQUE_VIOLATION = '23505';
const BIGINT_LIMIT = 2 ** 63;

/** What one transaction's appends share: the series ids it created, and the progress it read under the lock. */
export interface AppendContext {
  readonly pending: PendingIds;
  progress: RollupState | null;
}

export function newAppendContext(): AppendContext {
  return { pending: new Map(), progress: null };
}

const LOCK_AND_PROGRESS_SQL = `SELECT pg_advisory_xact_lock_shared(${ROLLUP_LOCK}); ${PROGRESS_SQL}`;

/**
 * Takes the rollup lock in shared mode for the rest of the transaction and reads the rollup progress
 * after it (its own statement, so its own snapshot in READ COMMITTED: the progress a rollup step
 * committed before the lock was granted). With `begin`, opens the transaction in the same round trip.
 */
export async function lockRollupsShared(client: PoolClient, context: AppendContext, begin: boolean): Promise<void> {
  if (context.progress !== null) return;
  const results = (await client.query(begin ? `BEGIN; ${LOCK_AND_PROGRESS_SQL}` : LOCK_AND_PROGRESS_SQL)) as unknown as Array<{ rows: Array<{ key: string; value: number }> }>;
  context.progress = parseProgress(results[results.length - 1]!.rows);
}

const COPY_SQL = 'SAVEPOINT vigil_append; COPY samples (series_id, ts, value) FROM STDIN (FORMAT binary)';
const STAGE_SQL = `
CREATE TEMP TABLE IF NOT EXISTS vigil_append_stage (ord integer, series_id integer, ts bigint, value double precision) ON COMMIT DELETE ROWS;
TRUNCATE vigil_append_stage`;
// The last of several samples for one (series, ts) in a batch wins, as if appended one by one.
const UPSERT_FROM_STAGE_SQL = `
INSERT INTO samples (series_id, ts, value)
SELECT DISTINCT ON (series_id, ts) series_id, ts, value FROM vigil_append_stage ORDER BY series_id, ts, ord DESC
ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value`;
const MARK_DIRTY_SQL = `
INSERT INTO rollup_dirty (series_id, bucket) SELECT * FROM unnest($1::int[], $2::bigint[]) ON CONFLICT DO NOTHING`;

/**
 * Appends `samples` on `client` inside its open transaction (after lockRollupsShared): resolves
 * series ids, writes the rows, and marks the minutes of late samples dirty for the next rollUp.
 * Samples with a non-finite value or time are skipped; times are floored to whole ms.
 */
export async function appendSamples(client: PoolClient, catalog: SeriesCatalog, samples: readonly Sample[], context: AppendContext): Promise<void> {
  const progress = context.progress;
  if (progress === null) throw new Error('appendSamples: take the rollup lock first (lockRollupsShared)');
  const ids: number[] = [];
  const times: number[] = [];
  const values: number[] = [];
  // Rows whose series id is not known yet: index in the arrays → trie node, resolved in one round trip.
  const unresolved: Array<[index: number, node: LabelTrie]> = [];
  const misses = new Map<LabelTrie, { metric: string; labels: Labels }>();
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    const value = sample.value;
    let ts = sample.ts;
    if (!Number.isFinite(value)) continue;
    if (!Number.isSafeInteger(ts)) {
      if (!Number.isFinite(ts)) continue;
      ts = Math.floor(ts);
      // Fails the batch, as SQLite does ("cannot store REAL value in INTEGER column").
      if (ts < -BIGINT_LIMIT || ts >= BIGINT_LIMIT) throw new RangeError(`samples.ts: ${sample.ts} is outside the range of a stored time (64-bit ms)`);
    }
    const node = catalog.node(sample.name, sample.labels);
    const id = node.id ?? context.pending.get(node);
    if (id === undefined) {
      unresolved.push([ids.length, node]);
      if (!misses.has(node)) misses.set(node, { metric: sample.name, labels: sample.labels });
    }
    ids.push(id ?? 0);
    times.push(ts);
    // -0 is stored as 0, as SQLite does (it keeps a whole REAL as an integer), so the engines agree.
    values.push(value === 0 ? 0 : value);
  }
  if (ids.length === 0) return;
  if (misses.size > 0) {
    await catalog.resolve(client, misses, context.pending);
    for (const [index, node] of unresolved) ids[index] = context.pending.get(node)!;
  }

  let lateIds: number[] | null = null;
  let lateMinutes: number[] | null = null;
  for (let i = 0; i < ids.length; i++) {
    if (isLate(progress, ids[i]!, times[i]!)) {
      (lateIds ??= []).push(ids[i]!);
      (lateMinutes ??= []).push(alignDown(times[i]!, MINUTE_MS));
    }
  }
  try {
    await copyIn(client, COPY_SQL, binaryRows(ids, times, values, false));
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    await client.query('ROLLBACK TO SAVEPOINT vigil_append');
    await upsertViaStage(client, ids, times, values);
  }
  await client.query('RELEASE SAVEPOINT vigil_append');
  if (lateIds !== null) await client.query(MARK_DIRTY_SQL, [lateIds, lateMinutes]);
}

async function upsertViaStage(client: PoolClient, ids: readonly number[], times: readonly number[], values: readonly number[]): Promise<void> {
  await client.query(STAGE_SQL);
  await copyIn(client, 'COPY vigil_append_stage (ord, series_id, ts, value) FROM STDIN (FORMAT binary)', binaryRows(ids, times, values, true));
  await client.query(UPSERT_FROM_STAGE_SQL);
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const TWO_32 = 2 ** 32;

/**
 * COPY's binary format of (series_id int4, ts int8, value float8) rows, each preceded by its index as
 * an int4 `ord` column when `withOrdinal`: no number is printed or parsed on either side.
 */
export function binaryRows(ids: readonly number[], times: readonly number[], values: readonly number[], withOrdinal: boolean): Buffer {
  const rowBytes = 2 + 8 + 12 + 12 + (withOrdinal ? 8 : 0);
  const buffer = Buffer.allocUnsafe(SIGNATURE.length + 8 + ids.length * rowBytes + 2);
  SIGNATURE.copy(buffer, 0);
  buffer.writeInt32BE(0, 11); // flags
  buffer.writeInt32BE(0, 15); // header extension length
  let at = 19;
  for (let i = 0; i < ids.length; i++) {
    const ts = times[i]!;
    const high = Math.floor(ts / TWO_32);
    buffer.writeInt16BE(withOrdinal ? 4 : 3, at);
    at += 2;
    if (withOrdinal) {
      buffer.writeInt32BE(4, at);
      buffer.writeInt32BE(i, at + 4);
      at += 8;
    }
    buffer.writeInt32BE(4, at);
    buffer.writeInt32BE(ids[i]!, at + 4);
    buffer.writeInt32BE(8, at + 8);
    buffer.writeInt32BE(high, at + 12);
    buffer.writeUInt32BE(ts - high * TWO_32, at + 16);
    buffer.writeInt32BE(8, at + 20);
    buffer.writeDoubleBE(values[i]!, at + 24);
    at += 32;
  }
  buffer.writeInt16BE(-1, at);
  return buffer;
}
