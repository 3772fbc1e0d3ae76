// A reader thread: its own connection to the store's file, answering series queries in one read
// transaction each, so that a query sees one consistent snapshot (rollup progress and rows alike).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { runSeriesQuery } from '../query.js';
import { SqliteReader } from './core.js';
import type { ReaderRequest, ReaderResponse } from './reader-pool.js';

const { file } = workerData as { file: string };
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// This connection only reads: a bug that tried to write here would fail, not take the write lock.
db.pragma('query_only = ON');
db.pragma('cache_size = -32768');
const reader = new SqliteReader(db);

parentPort!.on('message', async (request: ReaderRequest) => {
  let response: ReaderResponse;
  db.exec('BEGIN');
  try {
    const result = await runSeriesQuery(reader.snapshot(), request.query, request.limits);
    response = { id: request.id, ok: true, result };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    response = { id: request.id, ok: false, error: { name: err.name, message: err.message } };
  } finally {
    db.exec('COMMIT');
  }
  parentPort!.postMessage(response);
});
parentPort!.postMessage({ ready: true });
