// The rollup progress saved in `meta`, as appends, rollups and queries read it. Same keys and meaning
// as the SQLite engine: every minute before `foldedTo` is folded; a pass in progress has folded the
// minutes up to `passTo` for series ids up to `passAfter`.
import type { PoolClient } from './connection.js';

export const FOLDED_TO_KEY = 'rollup_folded_to';
export const PASS_TO_KEY = 'rollup_pass_to';
export const PASS_AFTER_KEY = 'rollup_pass_after';

/** Reads the saved progress (in the caller's snapshot). */
export const PROGRESS_SQL = `SELECT key, value FROM meta WHERE key IN ('${FOLDED_TO_KEY}', '${PASS_TO_KEY}', '${PASS_AFTER_KEY}')`;

export interface RollupState {
  readonly foldedTo: number | null;
  readonly passTo: number | null;
  readonly passAfter: number;
}

/** The state from the rows of PROGRESS_SQL. */
export function parseProgress(rows: ReadonlyArray<{ key: string; value: number }>): RollupState {
  const meta = new Map(rows.map((row) => [row.key, row.value]));
  return { foldedTo: meta.get(FOLDED_TO_KEY) ?? null, passTo: meta.get(PASS_TO_KEY) ?? null, passAfter: meta.get(PASS_AFTER_KEY) ?? 0 };
}

export async function readProgress(client: PoolClient): Promise<RollupState> {
  return parseProgress((await client.query<{ key: string; value: number }>(PROGRESS_SQL)).rows);
}

/** Rollups of the series hold every sample before this time; its raw samples after it are not folded yet. */
export function foldedThrough(state: RollupState, seriesId: number): number {
  if (state.passTo !== null && seriesId <= state.passAfter) return state.passTo;
  return state.foldedTo ?? -Infinity;
}

/** True when a sample at `ts` of series `seriesId` lands in a minute a rollup has already folded. */
export function isLate(state: RollupState, seriesId: number, ts: number): boolean {
  return ts < foldedThrough(state, seriesId);
}

const SAVE_PROGRESS_SQL = `
WITH cleared AS (DELETE FROM meta WHERE key = ANY($3::text[]))
INSERT INTO meta (key, value) SELECT * FROM unnest($1::text[], $2::bigint[])
ON CONFLICT (key) DO UPDATE SET value = excluded.value`;

/** Saves `state` (inside the rollup step's transaction): the watermark, and the pass cursor while a pass runs. */
export async function saveProgress(client: PoolClient, state: RollupState & { readonly foldedTo: number }): Promise<void> {
  const [keys, values, cleared] =
    state.passTo === null
      ? [[FOLDED_TO_KEY], [state.foldedTo], [PASS_TO_KEY, PASS_AFTER_KEY]]
      : [[FOLDED_TO_KEY, PASS_TO_KEY, PASS_AFTER_KEY], [state.foldedTo, state.passTo, state.passAfter], []];
  await client.query(SAVE_PROGRESS_SQL, [keys, values, cleared]);
}
