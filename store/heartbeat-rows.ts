// The heartbeats table's row as both engines read it, and its mapping to the record.
import type { BeatStatus, HeartbeatRecord } from './types.js';

export interface HeartbeatRow {
  check_id: string;
  token: string;
  created_at: number;
  last_beat_at: number | null;
  last_status: string | null;
  last_message: string | null;
}

export const HEARTBEAT_COLUMNS = 'check_id, token, created_at, last_beat_at, last_status, last_message';

export function heartbeatFromRow(row: HeartbeatRow): HeartbeatRecord {
  return {
    checkId: row.check_id,
    token: row.token,
    createdAt: Number(row.created_at),
    lastBeatAt: row.last_beat_at === null ? null : Number(row.last_beat_at),
    lastStatus: row.last_status as BeatStatus | null,
    lastMessage: row.last_message,
  };
}
