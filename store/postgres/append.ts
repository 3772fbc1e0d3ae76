// Appending samples on PostgreSQL: one COPY per batch, falling back to an upsert when the batch
// replaces samples already stored.
//
// Measured here (bench/store-postgres.mjs --methods, 10,000-row batches of (series_id, ts, value) into
// the samples table shape, median of 5 rounds): multi-row VALUES of 1,000 rows ~98k rows/s plain and
// ~64k with ON CONFLICT DO UPDATE; INSERT … SELECT FROM unnest(arrays) ~117k plain and ~70k as an
// upsert; COPY FROM STDIN ~150–250k (also inside a savepoint); COPY into a staging table then an
// upsert from it ~120k. So a batch is COPYed straight into `samples` inside a savepoint, and only
// when that hits a sample already stored (a unique violation) is it redone as staging + upsert.
import { ROLLUP_LOCK, type PoolClient } from './connection.js';
import { copyIn } from './copy-in.js';
import { isLate, PROGRESS_SQL, parseProgress, type RollupState } from './progress.js';
import type { LabelTrie, PendingIds, SeriesCatalog } from './series.js';
import { alignDown, MINUTE_MS } from '../step-aggregate.js';
import type { Labels, Sample } from '../types.js';

const UNIQUE_VIOLATION = '23505';

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

const COPY_SQL = 'SAVEPOINT vigil_append; COPY samples (series_id, ts, value) FROM STDIN';
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
    }
    const node = catalog.node(sample.name, sample.labels);
    const id = node.id ?? context.pending.get(node);
    if (id === undefined) {
      unresolved.push([ids.length, node]);
      if (!misses.has(node)) misses.set(node, { metric: sample.name, labels: sample.labels });
    }
    ids.push(id ?? 0);
    times.push(ts);
    values.push(value);
  }
  if (ids.length === 0) return;
  if (misses.size > 0) {
    await catalog.resolve(client, misses, context.pending);
    for (const [index, node] of unresolved) ids[index] = context.pending.get(node)!;
  }

  let text = '';
  let lateIds: number[] | null = null;
  let lateMinutes: number[] | null = null;
  for (let i = 0; i < ids.length; i++) {
    text += `${ids[i]}\t${times[i]}\t${values[i]}\n`;
    if (isLate(progress, ids[i]!, times[i]!)) {
      (lateIds ??= []).push(ids[i]!);
      (lateMinutes ??= []).push(alignDown(times[i]!, MINUTE_MS));
    }
  }
  const payload = Buffer.from(text);
  try {
    await copyIn(client, COPY_SQL, payload);
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    await client.query('ROLLBACK TO SAVEPOINT vigil_append');
    await upsertViaStage(client, ids, times, values);
  }
  await client.query('RELEASE SAVEPOINT vigil_append');
  if (lateIds !== null) await client.query(MARK_DIRTY_SQL, [lateIds, lateMinutes]);
}

async function upsertViaStage(client: PoolClient, ids: readonly number[], times: readonly number[], values: readonly number[]): Promise<void> {
  let text = '';
  for (let i = 0; i < ids.length; i++) text += `${i}\t${ids[i]}\t${times[i]}\t${values[i]}\n`;
  await client.query(STAGE_SQL);
  await copyIn(client, 'COPY vigil_append_stage (ord, series_id, ts, value) FROM STDIN', Buffer.from(text));
  await client.query(UPSERT_FROM_STAGE_SQL);
}
