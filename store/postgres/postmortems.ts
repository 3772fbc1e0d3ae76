// Postmortems on PostgreSQL: one per incident (the UNIQUE column turns a second into a ConflictError).
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import {
  changedPostmortemValues,
  newPostmortemValues,
  POSTMORTEM_COLUMNS,
  POSTMORTEM_VALUE_KEYS,
  postmortemFromRow,
  type PostmortemRow,
} from '../alerting-rows.js';
import { checkPageLimit, cursorOf, inOrder, pageOf, placeholders } from '../paging.js';
import type { NewPostmortem, Postmortem, PostmortemChanges, PostmortemStatus } from '../types.js';
import type { PoolClient } from './connection.js';

const UNIQUE_VIOLATION = '23505';
const CHANGED_KEYS = ['title', 'status', 'markdown', 'action_items', 'updated_at', 'published_at'] as const;

/** ConflictError when the incident already has a postmortem. */
export async function createPostmortem(client: PoolClient, postmortem: NewPostmortem): Promise<Postmortem> {
  try {
    const result = await client.query<PostmortemRow>({
      name: 'vigil_postmortem_insert',
      text: `INSERT INTO postmortems (${POSTMORTEM_VALUE_KEYS.join(', ')}) VALUES (${placeholders(POSTMORTEM_VALUE_KEYS.length)})
        RETURNING ${POSTMORTEM_COLUMNS}`,
      values: inOrder(newPostmortemValues(postmortem), POSTMORTEM_VALUE_KEYS),
    });
    return postmortemFromRow(result.rows[0]!);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === UNIQUE_VIOLATION) {
      throw new ConflictError(`incident ${postmortem.incidentId} already has a postmortem`);
    }
    throw error;
  }
}

export async function getPostmortem(client: PoolClient, id: number): Promise<Postmortem | null> {
  const result = await client.query<PostmortemRow>({
    name: 'vigil_postmortem_get',
    text: `SELECT ${POSTMORTEM_COLUMNS} FROM postmortems WHERE id = $1`,
    values: [id],
  });
  return result.rows.length === 0 ? null : postmortemFromRow(result.rows[0]!);
}

export async function postmortemByIncident(client: PoolClient, incidentId: number): Promise<Postmortem | null> {
  const result = await client.query<PostmortemRow>({
    name: 'vigil_postmortem_by_incident',
    text: `SELECT ${POSTMORTEM_COLUMNS} FROM postmortems WHERE incident_id = $1`,
    values: [incidentId],
  });
  return result.rows.length === 0 ? null : postmortemFromRow(result.rows[0]!);
}

/** NotFoundError for an unknown id; locks the row until commit so concurrent edits apply one after the other. */
export async function updatePostmortem(client: PoolClient, id: number, changes: PostmortemChanges, at: number): Promise<Postmortem> {
  const locked = await client.query<PostmortemRow>({
    name: 'vigil_postmortem_lock',
    text: `SELECT ${POSTMORTEM_COLUMNS} FROM postmortems WHERE id = $1 FOR UPDATE`,
    values: [id],
  });
  if (locked.rows.length === 0) throw new NotFoundError(`there is no postmortem ${id}`);
  const values = changedPostmortemValues(postmortemFromRow(locked.rows[0]!), changes, at);
  const result = await client.query<PostmortemRow>({
    name: 'vigil_postmortem_update',
    text: `UPDATE postmortems SET ${CHANGED_KEYS.map((key, i) => `${key} = $${i + 2}`).join(', ')} WHERE id = $1 RETURNING ${POSTMORTEM_COLUMNS}`,
    values: [id, ...inOrder(values, CHANGED_KEYS)],
  });
  return postmortemFromRow(result.rows[0]!);
}

/** Newest first, `limit` at most, from `before` on. */
export async function listPostmortems(
  client: PoolClient,
  filter: { readonly status?: PostmortemStatus; readonly before?: number; readonly limit: number },
): Promise<{ postmortems: Postmortem[]; nextCursor: number | null }> {
  checkPageLimit(filter.limit);
  const before = cursorOf(filter.before);
  const result =
    filter.status === undefined
      ? await client.query<PostmortemRow>({
          name: 'vigil_postmortem_list',
          text: `SELECT ${POSTMORTEM_COLUMNS} FROM postmortems WHERE id < $1 ORDER BY id DESC LIMIT $2`,
          values: [before, filter.limit + 1],
        })
      : await client.query<PostmortemRow>({
          name: 'vigil_postmortem_list_by_status',
          text: `SELECT ${POSTMORTEM_COLUMNS} FROM postmortems WHERE status = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
          values: [filter.status, before, filter.limit + 1],
        });
  const { items, nextCursor } = pageOf(result.rows, filter.limit);
  return { postmortems: items.map(postmortemFromRow), nextCursor };
}
