// A reader thread: its own connection to the store's file, answering series queries in one read
// transaction each, so that a query sees one consistent snapshot (rollup progress and rows alike). Between
// queries it also checkpoints the WAL (copies committed pages back into the database file), which the
// writer's connection would otherwise do itself inside a commit, on the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { lowerThisThreadsPriority } from '../../lib/background-thread.js';
import { runSeriesQuery } from '../query.js';
import { encodeSeriesResult } from '../series-json.js';
import { SqliteReader } from './core.js';
import type { ReaderRequest, ReaderResponse } from './reader-pool.js';
import type { SeriesQueryResult } from '../types.js';

const { file } = workerData as { file: string };
// A query is background work: on a busy machine the scheduler's thread and the probe workers go first.
lowerThisThreadsPriority();
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// This connection only reads: a bug that tried to write here would fail, not take the write lock.
db.pragma('query_only = ON');
db.pragma('cache_size = -32768');
const reader = new SqliteReader(db);

/**
 * How often an idle reader thread checkpoints. The writer's connection checkpoints inside the commit
 * that takes the WAL past 10,000 pages (store/sqlite/db.ts): up to 40 MB copied and an fsync, ~50 ms
 * that held the main thread's event loop (bench/loop.mjs at 40,000 checks). Checkpointing here first
 * leaves that commit little or nothing to copy. PASSIVE never waits for the writer or for readers: it
 * copies what it can now and leaves the rest for the next time.
 */
const CHECKPOINT_EVERY_MS = 1_000;
let querying = 0;
setInterval(() => {
  if (querying > 0) return; // this connection's open read transaction would hold the checkpoint back
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // SQLITE_BUSY (another connection is checkpointing) or a closing store: the next interval retries,
    // and the writer's own checkpoint remains the backstop.
  }
}, CHECKPOINT_EVERY_MS).unref();

parentPort!.on('message', async (request: ReaderRequest) => {
  let response: ReaderResponse;
  let transfer: ArrayBuffer[] = [];
  querying++;
  try {
    const result = await readSnapshot(request);
    // Serialized after the read transaction ends: it holds back WAL checkpoints while open.
    const answer = request.json ? await encodeSeriesResult(result) : result;
    if ('seriesJson' in answer) transfer = [answer.seriesJson.buffer as ArrayBuffer];
    response = { id: request.id, ok: true, result: answer };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    response = { id: request.id, ok: false, error: { name: err.name, message: err.message } };
  } finally {
    querying--;
  }
  parentPort!.postMessage(response, transfer);
});

async function readSnapshot(request: ReaderRequest): Promise<SeriesQueryResult> {
  db.exec('BEGIN');
  try {
    return await runSeriesQuery(reader.snapshot(), request.query, request.limits);
  } finally {
    db.exec('COMMIT');
  }
}
parentPort!.postMessage({ ready: true });
