// Push checks: a cron job, a backup or a batch export calls `POST /api/v1/heartbeat/{token}` when it
// has run (`…/fail` when it failed), and the check fails when no beat came within `every + grace`.
// The probe reads the last beat from the context's HeartbeatBook (the store, wired in cli/serve.ts).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { duration, formatDuration } from '../lib/duration.js';
import type { CheckSpec, Probe, ProbeOutcome } from './probe.js';
import { abortMessage } from './outcome-text.js';
import { startRunTimer } from './run-timer.js';

/** How often a heartbeat check is looked at, at most: a job that beats daily is still seen late within this. */
export const HEARTBEAT_POLL_MS = 15_000;

/** Random bytes in a token: 32 (256 bits), as base64url 43 characters. */
const TOKEN_BYTES = 32;

/** A fresh, unguessable token for a heartbeat URL. */
export function newHeartbeatToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The path a job calls to beat; `/fail` appended reports a failure. */
export function heartbeatPath(token: string): string {
  return `/api/v1/heartbeat/${token}`;
}

export const heartbeatSchema = z.strictObject({
  /** How late a beat may be past `every` before the check fails (a job's run time varies). */
  grace: duration().prefault('1m'),
});

/** The fields as written: `every` (the common field) is how often the job beats. */
export type HeartbeatFields = z.output<typeof heartbeatSchema>;

/** What a run reads: the fields, plus what the scheduler's copy of the check adds (see `scheduled`). */
export interface HeartbeatTarget extends HeartbeatFields {
  readonly checkId: string;
  /** How often the job beats: the check's `every` as written. */
  readonly everyMs: number;
}

function ago(ms: number): string {
  return formatDuration(Math.max(0, Math.round(ms / 1000)) * 1000);
}

/** Fails when no beat came within `every + grace`, or the last beat reported a failure; series `heartbeat_age_seconds`. */
export const heartbeatProbe: Probe<HeartbeatTarget> = {
  kind: 'heartbeat',
  schema: heartbeatSchema,
  scheduled(check: CheckSpec): CheckSpec {
    return {
      ...check,
      everyMs: Math.min(check.everyMs, HEARTBEAT_POLL_MS),
      target: { ...check.target, checkId: check.id, everyMs: check.everyMs },
    };
  },
  async run(target, signal, ctx): Promise<ProbeOutcome> {
    const { startedAt, seconds: elapsed } = startRunTimer();
    if (signal.aborted) return { success: false, error: abortMessage(signal, 'before reading the last beat', startedAt), durationSeconds: 0, samples: [] };
    let onAbort = (): void => {};
    const aborted = new Promise<null>((resolve) => {
      onAbort = () => resolve(null);
    });
    signal.addEventListener('abort', onAbort, { once: true });
    let state;
    try {
      state = await Promise.race([ctx.heartbeats.read(target.checkId), aborted]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { success: false, error: `cannot read the last beat: ${reason}`, durationSeconds: elapsed(), samples: [] };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (signal.aborted) return { success: false, error: abortMessage(signal, 'while reading the last beat', startedAt), durationSeconds: elapsed(), samples: [] };
    const durationSeconds = elapsed();
    if (!state) return { success: false, error: 'this check has no heartbeat token yet (Vigil makes one when it starts)', durationSeconds, samples: [] };

    const now = ctx.clock.now();
    const allowedMs = target.everyMs + target.grace;
    const expected = `expected every ${formatDuration(target.everyMs)} + ${formatDuration(target.grace)} grace`;
    if (state.lastBeatAt === null) {
      const waitedMs = now - state.createdAt;
      if (waitedMs <= allowedMs) return { success: true, error: null, durationSeconds, samples: [], detail: 'waiting for the first beat' };
      return { success: false, error: `no beat since the check was set up ${ago(waitedMs)} ago (${expected})`, durationSeconds, samples: [] };
    }
    const ageMs = Math.max(0, now - state.lastBeatAt);
    const samples = [{ name: 'heartbeat_age_seconds', value: ageMs / 1000 }];
    const said = state.lastMessage ? `: ${state.lastMessage}` : '';
    if (state.lastStatus === 'fail') return { success: false, error: `the job reported a failure ${ago(ageMs)} ago${said}`, durationSeconds, samples };
    if (ageMs > allowedMs) return { success: false, error: `no beat for ${ago(ageMs)} (${expected})`, durationSeconds, samples };
    return { success: true, error: null, durationSeconds, samples, detail: `last beat ${ago(ageMs)} ago${said}` };
  },
};
