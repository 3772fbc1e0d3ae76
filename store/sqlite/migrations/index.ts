import type { Database } from 'better-sqlite3';
import { initial } from './0001-initial.js';
import { alerting } from './0002-alerting.js';
import { outbox } from './0003-outbox.js';
import { heartbeats } from './0004-heartbeats.js';
import { auth } from './0005-auth.js';
import { sessions } from './0006-sessions.js';
import { reports } from './0007-reports.js';

/** One schema change: `up` runs inside a transaction that then sets `user_version` to `version`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}

/** Every migration, in order; append only — never edit or reorder a shipped one. */
export const MIGRATIONS: readonly Migration[] = [initial, alerting, outbox, heartbeats, auth, sessions, reports];
