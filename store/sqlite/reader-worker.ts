// A reader thread: its own connection to the store's file, answering series queries in one read
// transaction each, so that a query sees one consistent snapshot (rollup progress and rows alike). The WAL
// is checkpointed by a thread of its own (checkpoint-worker.ts).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { lowerThisThreadsPriority } from '../../lib/background-thread.js';
import { runSeriesQuery } from '../query.js';
import { answerAsJson } from '../series-json.js';
import { SqliteReader } from './core.js';
import type { ReaderRequest, ReaderResponse } from './reader-pool.js';
import type { EncodedSeriesQueryResult, SeriesQueryResult, SeriesResult } from '../types.js';

const { file } = workerData as { file: string };
// A query is background work: on a busy machine the scheduler's thread and the probe workers go first.
lowerThisThreadsPriority();
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// This connection only reads: a bug that tried to write here would fail, not take the write lock.
db.pragma('query_only = ON');
db.pragma('cache_size = -32768');
const reader = new SqliteReader(db);

parentPort!.on('message', async (request: ReaderRequest) => {
  let response: ReaderResponse;
  let transfer: ArrayBuffer[] = [];
  try {
    let answer: SeriesQueryResult | EncodedSeriesQueryResult;
    if (request.json) {
      // Each series is JSON as soon as it is read (a few ms of the read transaction each, which holds back
      // WAL checkpoints while open): the whole answer's points are never alive at once.
      answer = await answerAsJson((onSeries) => readSnapshot(request, onSeries));
      transfer = [answer.seriesJson.buffer as ArrayBuffer];
    } else answer = await readSnapshot(request);
    response = { id: request.id, ok: true, result: answer };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    response = { id: request.id, ok: false, error: { name: err.name, message: err.message } };
  }
  parentPort!.postMessage(response, transfer);
});

async function readSnapshot(request: ReaderRequest, onSeries?: (series: SeriesResult) => void): Promise<SeriesQueryResult> {
  db.exec('BEGIN');
  try {
    return await runSeriesQuery(reader.snapshot(), request.query, request.limits, onSeries);
  } finally {
    db.exec('COMMIT');
  }
}
parentPort!.postMessage({ ready: true });
