// The WAL checkpointer: a thread at background priority with its own connection that copies committed
// pages from the WAL back into the database file every CHECKPOINT_EVERY_MS. Otherwise the writer's
// connection does it on the main thread, inside the commit that takes the WAL past its threshold
// (store/sqlite/db.ts): 40 MB copied and an fsync, 60–72 ms of one rollup or append call in
// bench/store.mjs. The reader threads did it between queries, which is never while a reader polls
// back to back (a 7-day query holds its thread ~1–2 s). PASSIVE never waits for the writer or for
// readers: it copies what it can now (up to the oldest open read's snapshot) and leaves the rest.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { lowerThisThreadsPriority } from '../../lib/background-thread.js';

const CHECKPOINT_EVERY_MS = 250;

const { file } = workerData as { file: string };
lowerThisThreadsPriority();
const db = new Database(file, { fileMustExist: true });
// Never wait for a lock: a busy database is checkpointed at the next interval.
db.pragma('busy_timeout = 0');
setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // SQLITE_BUSY (another connection is checkpointing) or a closing store: the next interval retries,
    // and the writer's own checkpoint remains the backstop.
  }
}, CHECKPOINT_EVERY_MS);
parentPort!.postMessage({ ready: true });
