// queue_depth's BullMQ backend reads the key layout itself; these tests drive the real `bullmq`
// library against the real Redis and check every state it reports against `queue.getJobCounts()`.
import { Queue, Worker, type Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { fixedClock, probeContextPerTest } from '../../helpers/servers.js';
import { depths, runQueueDepth, sampleValue, uniqueName } from './helpers.js';

const REDIS = 'redis://127.0.0.1:6379';
const connection = { host: '127.0.0.1', port: 6379 };
const prefix = uniqueName('bull');
const queues: Queue[] = [];
const contexts = probeContextPerTest();

afterAll(async () => {
  for (const queue of queues) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

function openQueue(name: string): Queue {
  const queue = new Queue(name, { connection, prefix });
  queues.push(queue);
  return queue;
}

/** The probe's states in getJobCounts()'s terms (the probe also reports the legacy `paused` list). */
function withoutPaused(states: Record<string, number>): Record<string, number> {
  const { paused: _paused, ...rest } = states;
  return rest;
}

describe('queue_depth on a BullMQ queue', () => {
  it('matches getJobCounts() for waiting, active, delayed, prioritized, failed and completed jobs as they move', async () => {
    const name = `emails-${randomUUID().slice(0, 8)}`;
    const queue = openQueue(name);
    const fields = { bullmq: REDIS, queue: name, prefix };

    // Two jobs a Worker fails: its processor throws, with no retries left.
    await queue.addBulk([{ name: 'boom', data: {} }, { name: 'boom', data: {} }]);
    const failing = new Worker(name, async () => { throw new Error('smtp down'); }, { connection, prefix, autorun: false });
    const failed = new Promise<void>((resolve) => { let n = 0; failing.on('failed', () => { if (++n === 2) resolve(); }); });
    void failing.run();
    await failed;
    await failing.close();

    const added: Job[] = [];
    for (let i = 0; i < 5; i++) added.push(await queue.add('send', { to: `user${i}@example.com` }));
    await queue.add('digest', {}, { delay: 3_600_000 });
    await queue.add('vip', {}, { priority: 1 });
    await queue.add('vip', {}, { priority: 5 });

    const now = Date.now();
    const ctx = contexts.create({ clock: fixedClock(now) });
    const first = await runQueueDepth(fields, ctx);
    expect(first).toMatchObject({ success: true, error: null });
    expect(withoutPaused(depths(first))).toEqual(await queue.getJobCounts());
    expect(depths(first)).toMatchObject({ waiting: 5, delayed: 1, prioritized: 2, failed: 2, active: 0, completed: 0, paused: 0 });
    expect(sampleValue(first, 'queue_oldest_age_seconds')).toBeCloseTo((now - added[0].timestamp) / 1000, 3);
    expect(sampleValue(first, 'queue_paused')).toBe(0);

    // A worker takes three jobs (from wait first, as BullMQ does), completes two and holds one.
    const worker = new Worker(name, null, { connection, prefix });
    const token = randomUUID();
    const taken: Job[] = [];
    for (let i = 0; i < 3; i++) taken.push((await worker.getNextJob(token, { block: false }))!);
    await taken[0].moveToCompleted('sent', token, false);
    await taken[1].moveToCompleted('sent', token, false);
    const second = await runQueueDepth({ ...fields, expect: { depth_under: 5 } }, ctx);
    expect(withoutPaused(depths(second))).toEqual(await queue.getJobCounts());
    expect(depths(second)).toMatchObject({ waiting: 2, prioritized: 2, active: 1, completed: 2 });
    // The oldest waiting job is now the fourth one added.
    expect(sampleValue(second, 'queue_oldest_age_seconds')).toBeCloseTo((now - added[3].timestamp) / 1000, 3);
    expect(second.success).toBe(true);
    await taken[2].moveToCompleted('sent', token, false);
    await worker.close();

    await queue.pause();
    const paused = await runQueueDepth(fields, ctx);
    expect(sampleValue(paused, 'queue_paused')).toBe(1);
    expect(withoutPaused(depths(paused))).toEqual(await queue.getJobCounts());
  });

  it('names a queue that does not exist under the prefix', async () => {
    const outcome = await runQueueDepth({ bullmq: REDIS, queue: 'no-such-queue', prefix }, contexts.current());
    expect(outcome).toMatchObject({ success: false, error: `no BullMQ queue "no-such-queue" (no key ${prefix}:no-such-queue:meta; check queue and prefix)` });
  });
});
