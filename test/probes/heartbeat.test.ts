// The heartbeat probe, reading the last beat from a book the test fills, at a fixed "now": on time,
// late, a reported failure, never beaten (within and past the first period), and how it is scheduled.
import { describe, expect, it } from 'vitest';
import type { HeartbeatState } from '../../probes/context.js';
import { HEARTBEAT_POLL_MS, heartbeatProbe, heartbeatSchema, newHeartbeatToken, type HeartbeatTarget } from '../../probes/heartbeat.js';
import type { CheckSpec } from '../../probes/probe.js';
import { fixedClock, probeContextPerTest } from '../helpers/servers.js';
import { createProbeContext } from '../../probes/context.js';

const NOW = Date.UTC(2026, 0, 5, 4, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const contexts = probeContextPerTest();

const daily: HeartbeatTarget = { ...heartbeatSchema.parse({ grace: '1h' }), checkId: 'prod/db/backup', everyMs: DAY };

async function runWith(state: HeartbeatState | null, target = daily) {
  const ctx = createProbeContext({ clock: fixedClock(NOW), heartbeats: { read: async (id) => (id === target.checkId ? state : null) } });
  try {
    return await heartbeatProbe.run(target, AbortSignal.timeout(2000), ctx);
  } finally {
    await ctx.close();
  }
}

const beat = (agoMs: number, status: 'ok' | 'fail' = 'ok', message: string | null = null): HeartbeatState => ({
  createdAt: NOW - 30 * DAY,
  lastBeatAt: NOW - agoMs,
  lastStatus: status,
  lastMessage: message,
});

describe('the heartbeat probe', () => {
  it('passes while the last beat is within every + grace, with heartbeat_age_seconds', async () => {
    const outcome = await runWith(beat(DAY + 59 * MINUTE, 'ok', 'dumped 2.1 GB'));
    expect(outcome).toMatchObject({
      success: true,
      error: null,
      samples: [{ name: 'heartbeat_age_seconds', value: (DAY + 59 * MINUTE) / 1000 }],
      detail: 'last beat 1d59m ago: dumped 2.1 GB',
    });
  });

  it('fails once no beat came within every + grace, saying how long it has been', async () => {
    const outcome = await runWith(beat(DAY + HOUR + 1000));
    expect(outcome).toMatchObject({
      success: false,
      error: 'no beat for 1d1h1s (expected every 1d + 1h grace)',
      samples: [{ name: 'heartbeat_age_seconds', value: (DAY + HOUR + 1000) / 1000 }],
    });
  });

  it('fails at once on a beat that reported a failure, with the job\'s message', async () => {
    const outcome = await runWith(beat(5 * MINUTE, 'fail', 'pg_dump: connection refused'));
    expect(outcome).toMatchObject({ success: false, error: 'the job reported a failure 5m ago: pg_dump: connection refused' });
  });

  it('waits for the first beat for one period and grace after the check was set up, then fails', async () => {
    const fresh: HeartbeatState = { createdAt: NOW - 2 * HOUR, lastBeatAt: null, lastStatus: null, lastMessage: null };
    expect(await runWith(fresh)).toMatchObject({ success: true, samples: [], detail: 'waiting for the first beat' });
    const old: HeartbeatState = { ...fresh, createdAt: NOW - 2 * DAY };
    expect(await runWith(old)).toMatchObject({ success: false, error: 'no beat since the check was set up 2d ago (expected every 1d + 1h grace)' });
  });

  it('fails for a check that has no token (never set up by serve)', async () => {
    expect((await runWith(null)).error).toBe('this check has no heartbeat token yet (Vigil makes one when it starts)');
  });

  it('is polled every 15s at most, and told its check id and the period as written', () => {
    const check: CheckSpec = {
      id: 'prod/db/backup', env: 'prod', service: 'db', name: 'backup', kind: 'heartbeat',
      everyMs: DAY, timeoutMs: 10_000, target: { grace: HOUR }, runbook: null,
    };
    expect(heartbeatProbe.scheduled!(check)).toEqual({ ...check, everyMs: HEARTBEAT_POLL_MS, target: { grace: HOUR, checkId: 'prod/db/backup', everyMs: DAY } });
    expect(heartbeatProbe.scheduled!({ ...check, everyMs: 5000 }).everyMs).toBe(5000);
  });

  it('makes tokens of 32 random bytes, base64url', () => {
    const tokens = new Set(Array.from({ length: 100 }, newHeartbeatToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('reports a book that fails as data', async () => {
    const ctx = contexts.create();
    const failing = createProbeContext({ clock: ctx.clock, heartbeats: { read: () => Promise.reject(new Error('the store is closed')) } });
    const outcome = await heartbeatProbe.run(daily, AbortSignal.timeout(1000), failing);
    await failing.close();
    expect(outcome).toMatchObject({ success: false, error: 'cannot read the last beat: the store is closed' });
  });
});
