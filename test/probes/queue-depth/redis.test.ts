// queue_depth on the real Redis at 127.0.0.1:6379: plain lists, Celery (kombu envelopes written as
// kombu writes them) and stream consumer groups. Every key starts with a prefix unique to this run
// and is deleted afterwards.
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretValues } from '../../../lib/secret.js';
import { fixedClock, probeContextPerTest } from '../../helpers/servers.js';
import { depths, runQueueDepth, sampleValue, uniqueName } from './helpers.js';

const REDIS = 'redis://127.0.0.1:6379';
const prefix = `${uniqueName('redis')}:`;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
});

afterAll(async () => {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

const contexts = probeContextPerTest();

describe('queue_depth on a Redis list', () => {
  it('counts the jobs, reads the oldest enqueue time from either end, and sees the drop when workers pop', async () => {
    const queue = `${prefix}exports`;
    const now = Date.now();
    // Sidekiq style: LPUSH with enqueued_at in float seconds; BRPOP takes the oldest from the right.
    for (let i = 0; i < 5; i++) await redis.lpush(queue, JSON.stringify({ jid: i, enqueued_at: (now - (10 - i) * 60_000) / 1000 }));
    const ctx = contexts.create({ clock: fixedClock(now) });
    const before = await runQueueDepth({ redis: REDIS, queue, timestamp_path: '$.enqueued_at' }, ctx);
    expect(before).toMatchObject({ success: true, error: null });
    expect(depths(before)).toEqual({ waiting: 5 });
    expect(sampleValue(before, 'queue_oldest_age_seconds')).toBeCloseTo(600, 3);
    await redis.rpop(queue, 2);
    const after = await runQueueDepth({ redis: REDIS, queue, timestamp_path: '$.enqueued_at' }, ctx);
    expect(depths(after)).toEqual({ waiting: 3 });
    expect(sampleValue(after, 'queue_oldest_age_seconds')).toBeCloseTo(480, 3);
  });

  it('fails depth_under and oldest_under saying by how much', async () => {
    const queue = `${prefix}slow`;
    const now = Date.now();
    // RQ style: RPUSH, oldest on the left, ISO times.
    for (let i = 0; i < 12; i++) await redis.rpush(queue, JSON.stringify({ created_at: new Date(now - 7 * 60_000 + i * 1000).toISOString() }));
    const outcome = await runQueueDepth(
      { redis: REDIS, queue, timestamp_path: '$.created_at', expect: { depth_under: 10, oldest_under: '5m' } },
      contexts.create({ clock: fixedClock(now) }),
    );
    expect(outcome.success).toBe(false);
    expect(outcome.error).toBe(`depth of ${queue} is 12, 2 over depth_under 10; oldest job in ${queue} has waited 7m, 2m over oldest_under 5m`);
    expect(depths(outcome)).toEqual({ waiting: 12 });
  });

  it('reads a missing key as an empty queue (Redis deletes empty lists) and a key of another type as an error', async () => {
    const missing = await runQueueDepth({ redis: REDIS, queue: `${prefix}never-pushed` }, contexts.current());
    expect(missing).toMatchObject({ success: true });
    expect(depths(missing)).toEqual({ waiting: 0 });
    await redis.set(`${prefix}a-string`, 'x');
    const wrongType = await runQueueDepth({ redis: REDIS, queue: `${prefix}a-string` }, contexts.current());
    expect(wrongType).toMatchObject({ success: false, error: `key "${prefix}a-string" holds a string, not a list` });
  });

  it('reports a wrong password without the password or the URL, and reuses one client per URL', async () => {
    const user = uniqueName('user');
    const password = `pw-${randomUUID()}`;
    await redis.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '+@all');
    try {
      const ctx = contexts.create({ secrets: new SecretValues([`wrong-${password}`]) });
      const wrong = await runQueueDepth({ redis: `redis://${user}:wrong-${password}@127.0.0.1:6379`, queue: `${prefix}q` }, ctx);
      expect(wrong.success).toBe(false);
      expect(wrong.error).toMatch(/^authentication failed on Redis at 127\.0\.0\.1:6379: WRONGPASS/);
      expect(wrong.error).not.toContain(password);
      expect(wrong.error).not.toContain('redis://');
      const right = { redis: `redis://${user}:${password}@127.0.0.1:6379`, queue: `${prefix}q` };
      const clientsBefore = Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))![1]);
      for (let i = 0; i < 3; i++) expect((await runQueueDepth(right, ctx)).success).toBe(true);
      const clientsAfter = Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))![1]);
      expect(clientsAfter - clientsBefore).toBeLessThanOrEqual(1);
    } finally {
      await redis.call('ACL', 'DELUSER', user);
    }
  });
});

describe('queue_depth Redis connections', () => {
  it('keeps one connection per URL across runs and closes it with the probe context', async () => {
    // Database 13 only here, so the other test files' connections (database 0) are not counted.
    const url = `${REDIS}/13`;
    const ours = async () =>
      ((await redis.call('CLIENT', 'LIST')) as string).split('\n').filter((line) => line.includes('name=vigil-queue-depth ') && / db=13 /.test(line)).length;
    const ctx = contexts.create();
    for (let i = 0; i < 3; i++) {
      expect((await runQueueDepth({ redis: url, queue: `${prefix}a` }, ctx)).success).toBe(true);
      expect((await runQueueDepth({ bullmq: url, queue: `${prefix}b` }, ctx)).success).toBe(false);
    }
    expect(await ours()).toBe(1);
    await ctx.close();
    await expect.poll(ours, { timeout: 2000 }).toBe(0);
  });
});

const SEP = '\x06\x16';

/** A Celery protocol-2 task message in kombu's Redis envelope, as `apply_async` writes it. */
function celeryMessage(queue: string, task: string, opts: { priority?: number; timestamp?: number; eta?: string } = {}): string {
  const id = randomUUID();
  const body = Buffer.from(JSON.stringify([[2, 3], {}, { callbacks: null, errbacks: null, chain: null, chord: null }])).toString('base64');
  return JSON.stringify({
    body,
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: {
      lang: 'py', task, id, shadow: null, eta: opts.eta ?? null, expires: null, group: null, group_index: null,
      retries: 0, timelimit: [null, null], root_id: id, parent_id: null, argsrepr: '(2, 3)', kwargsrepr: '{}',
      origin: 'gen1234@worker-1', ignore_result: false,
      ...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }),
    },
    properties: {
      correlation_id: id, reply_to: randomUUID(), delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: queue }, priority: opts.priority ?? 0,
      body_encoding: 'base64', delivery_tag: randomUUID(),
    },
  });
}

/** kombu's list for a priority step: the bare name for 0, `<queue>\x06\x16<n>` otherwise. */
const celeryList = (queue: string, priority: number) => (priority === 0 ? queue : `${queue}${SEP}${priority}`);

describe('queue_depth on Celery with the Redis broker', () => {
  it('sums the priority sub-queues, ages the oldest stamped message, and sees consumed messages go', async () => {
    const queue = `${prefix}celery`;
    const now = Date.now();
    await redis.sadd(`_kombu.binding.${queue}`, `${queue}${SEP}${SEP}${queue}`);
    try {
      const sent = [
        { priority: 0, at: now - 90_000 },
        { priority: 0, at: now - 30_000 },
        { priority: 3, at: now - 240_000 },
        { priority: 6, at: now - 10_000 },
        { priority: 9, at: now - 5_000 },
      ];
      for (const m of sent) await redis.lpush(celeryList(queue, m.priority), celeryMessage(queue, 'tasks.add', { priority: m.priority, timestamp: m.at / 1000 }));
      const ctx = contexts.create({ clock: fixedClock(now) });
      const before = await runQueueDepth({ celery: REDIS, queue, expect: { depth_under: 100, oldest_under: '10m' } }, ctx);
      expect(before).toMatchObject({ success: true, error: null });
      expect(depths(before)).toEqual({ waiting: 5 });
      expect(sampleValue(before, 'queue_oldest_age_seconds')).toBeCloseTo(240, 3);
      // A worker BRPOPs the priority-3 list's only message and one of the default list's.
      await redis.rpop(celeryList(queue, 3));
      await redis.rpop(celeryList(queue, 0));
      const after = await runQueueDepth({ celery: REDIS, queue, expect: { oldest_under: '1m' } }, ctx);
      expect(depths(after)).toEqual({ waiting: 3 });
      expect(sampleValue(after, 'queue_oldest_age_seconds')).toBeCloseTo(30, 3);
      expect(after.success).toBe(true);
    } finally {
      await redis.del(`_kombu.binding.${queue}`);
    }
  });

  it('counts a task scheduled with an eta from its eta', async () => {
    const queue = `${prefix}celery-eta`;
    const now = Date.now();
    await redis.lpush(queue, celeryMessage(queue, 'tasks.later', { timestamp: (now - 3_600_000) / 1000, eta: new Date(now - 120_000).toISOString() }));
    const outcome = await runQueueDepth({ celery: REDIS, queue }, contexts.create({ clock: fixedClock(now) }));
    expect(sampleValue(outcome, 'queue_oldest_age_seconds')).toBeCloseTo(120, 3);
  });

  it('fails oldest_under when the messages carry no timestamp (Celery sets none by default)', async () => {
    const queue = `${prefix}celery-plain`;
    await redis.lpush(queue, celeryMessage(queue, 'tasks.add'));
    const outcome = await runQueueDepth({ celery: REDIS, queue, expect: { oldest_under: '5m' } }, contexts.current());
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^cannot check oldest_under for .*: its messages carry no timestamp/);
    expect(depths(outcome)).toEqual({ waiting: 1 });
    expect(sampleValue(outcome, 'queue_oldest_age_seconds')).toBeUndefined();
  });

  it('tells an empty declared queue from one nobody declared', async () => {
    const queue = `${prefix}celery-idle`;
    await redis.sadd(`_kombu.binding.${queue}`, `${queue}${SEP}${SEP}${queue}`);
    try {
      const idle = await runQueueDepth({ celery: REDIS, queue }, contexts.current());
      expect(idle).toMatchObject({ success: true });
      expect(depths(idle)).toEqual({ waiting: 0 });
    } finally {
      await redis.del(`_kombu.binding.${queue}`);
    }
    const missing = await runQueueDepth({ celery: REDIS, queue: `${prefix}celery-typo` }, contexts.current());
    expect(missing).toMatchObject({ success: false });
    expect(missing.error).toMatch(/^no Celery queue ".*celery-typo": it is empty and no worker or producer declared it/);
  });
});

describe('queue_depth on a Redis stream consumer group', () => {
  it('reports lag and pending, the oldest unacknowledged entry, and the drop as the group reads and acks', async () => {
    const stream = `${prefix}events`;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await redis.xadd(stream, '*', 'n', String(i)))!);
    await redis.xgroup('CREATE', stream, 'workers', '0');
    const ms = (id: string) => Number(id.split('-')[0]);
    const now = ms(ids[5]) + 60_000;
    const ctx = contexts.create({ clock: fixedClock(now) });
    const fields = { redis_stream: REDIS, stream, group: 'workers' };
    const fresh = await runQueueDepth(fields, ctx);
    expect(fresh).toMatchObject({ success: true, error: null });
    expect(depths(fresh)).toEqual({ lag: 6, pending: 0 });
    expect(sampleValue(fresh, 'queue_oldest_age_seconds')).toBe((now - ms(ids[0])) / 1000);
    expect(sampleValue(fresh, 'queue_entries_read_total')).toBeUndefined();

    await redis.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 3, 'STREAMS', stream, '>');
    await redis.xack(stream, 'workers', ids[0], ids[1]);
    const reading = await runQueueDepth({ ...fields, expect: { depth_under: 3 } }, ctx);
    expect(depths(reading)).toEqual({ lag: 3, pending: 1 });
    expect(sampleValue(reading, 'queue_oldest_age_seconds')).toBe((now - ms(ids[2])) / 1000);
    expect(sampleValue(reading, 'queue_entries_read_total')).toBe(3);
    expect(reading.error).toBe(`depth of ${stream}/workers is 3, at depth_under 3`);

    await redis.xack(stream, 'workers', ids[2]);
    const acked = await runQueueDepth(fields, ctx);
    expect(depths(acked)).toEqual({ lag: 3, pending: 0 });
    expect(sampleValue(acked, 'queue_oldest_age_seconds')).toBe((now - ms(ids[3])) / 1000);
  });

  it('names a missing stream and a missing group', async () => {
    const stream = `${prefix}orders`;
    const noStream = await runQueueDepth({ redis_stream: REDIS, stream, group: 'workers' }, contexts.current());
    expect(noStream).toMatchObject({ success: false, error: `no stream "${stream}"` });
    await redis.xadd(stream, '*', 'n', '1');
    const noGroup = await runQueueDepth({ redis_stream: REDIS, stream, group: 'billing' }, contexts.current());
    expect(noGroup).toMatchObject({ success: false, error: `stream "${stream}" has no consumer group "billing"` });
  });
});
