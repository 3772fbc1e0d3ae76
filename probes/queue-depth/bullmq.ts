// queue_depth on a BullMQ queue, read from its key layout (bullmq 5–6) without the library, which is
// a dev dependency only: `<prefix>:<queue>:wait`, `:active`, `:paused` (the pre-v5 paused list) are
// lists; `:delayed`, `:prioritized`, `:waiting-children`, `:failed`, `:completed` are sorted sets; each
// job is the hash `<prefix>:<queue>:<id>` whose `timestamp` (ms) is when it was added and `delay` how
// long it was held back. `:meta` exists once a Queue was opened and has `paused` while paused.
import type { Redis } from 'ioredis';
import { earliest, type QueueBackend } from './backend.js';
import { withRedis } from './redis-client.js';

/** Prioritized jobs read for the oldest age: a set orders by priority first, so its ends say little. */
export const PRIORITIZED_AGE_SCAN = 1000;

const LISTS = ['wait', 'active', 'paused'] as const;
const SETS = ['delayed', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;

/** When a job became ready to run: added, plus its delay. */
async function jobsReadyAt(client: Redis, keyOf: (id: string) => string, ids: readonly string[]): Promise<number | null> {
  if (ids.length === 0) return null;
  const pipeline = client.pipeline();
  for (const id of ids) pipeline.hmget(keyOf(id), 'timestamp', 'delay');
  const replies = (await pipeline.exec()) ?? [];
  return earliest(
    replies.map(([error, value]) => {
      const [timestamp, delay] = (error ? [null, null] : value) as [string | null, string | null];
      const added = Number(timestamp);
      return timestamp !== null && Number.isFinite(added) && added > 0 ? added + (Number(delay) || 0) : null;
    }),
  );
}

export const bullmqBackend: QueueBackend = {
  key: 'bullmq',
  required: ['queue'],
  optional: ['prefix'],
  schemes: ['redis', 'rediss'],
  defaultPort: 6379,
  read(url, target, signal, ctx) {
    const queue = target.queue!;
    const prefix = target.prefix ?? 'bull';
    const key = (part: string): string => `${prefix}:${queue}:${part}`;
    return withRedis(url, `BullMQ queue "${queue}"`, signal, ctx, async (client) => {
      const batch = client.multi().exists(key('meta')).hget(key('meta'), 'paused');
      for (const list of LISTS) batch.llen(key(list));
      for (const set of SETS) batch.zcard(key(set));
      batch.lrange(key('wait'), 0, 0).lrange(key('wait'), -1, -1).zrange(key('prioritized'), '0', String(PRIORITIZED_AGE_SCAN - 1));
      const replies = ((await batch.exec()) ?? []).map(([error, value]) => (error ? null : value));
      const [metaExists, paused] = replies as [number, string | null];
      const counts = replies.slice(2, 2 + LISTS.length + SETS.length) as number[];
      const [head, tail, prioritized] = replies.slice(2 + LISTS.length + SETS.length) as [string[], string[], string[]];
      const total = counts.reduce((sum, n) => sum + (n ?? 0), 0);
      if (!metaExists && total === 0) return { ok: false, error: `no BullMQ queue "${queue}" (no key ${key('meta')}; check queue and prefix)` };
      const [wait, active, pausedList, delayed, prioritizedCount, waitingChildren, failed, completed] = counts.map((n) => n ?? 0);
      // bullmq 5+ may leave a "0:<ts>" marker at the tail of wait; getJobCounts does not count it.
      const markers = [...head, ...tail].filter((id) => id.startsWith('0:'));
      const waiting = wait - (tail[0]?.startsWith('0:') ? 1 : 0);
      const ids = [...new Set([...head, ...tail, ...prioritized])].filter((id) => !markers.includes(id));
      const oldestReadyAt = await jobsReadyAt(client, (id) => key(id), ids);
      return {
        ok: true,
        reading: {
          queue,
          states: {
            waiting,
            active,
            delayed,
            prioritized: prioritizedCount,
            'waiting-children': waitingChildren,
            failed,
            completed,
            paused: pausedList,
          },
          depth: waiting + prioritizedCount + pausedList,
          oldestReadyAt,
          samples: [{ name: 'queue_paused', labels: { queue }, value: paused === '1' || pausedList > 0 ? 1 : 0 }],
        },
      };
    });
  },
};
