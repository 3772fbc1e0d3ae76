// queue_depth on a Redis Streams consumer group: XINFO GROUPS gives the group's `lag` (entries not yet
// delivered to it; Redis 7+, null when Redis cannot tell after deletions), `pending` (delivered, not
// acknowledged) and `entries-read`. The oldest unacknowledged entry is the smallest pending id, else the
// first entry after the group's last-delivered id; a stream id starts with its epoch ms.
import type { Redis } from 'ioredis';
import type { QueueBackend } from './backend.js';
import { withRedis } from './redis-client.js';

/** The epoch ms at the start of a stream id (`1700000000000-0`). */
export function streamIdMs(id: string | null | undefined): number | null {
  const ms = Number(id?.split('-')[0]);
  return id && Number.isFinite(ms) ? ms : null;
}

/** XINFO GROUPS' flat [key, value, key, value, …] replies as objects. */
function groupsOf(reply: unknown): Record<string, unknown>[] {
  return (reply as unknown[][]).map((flat) => {
    const group: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) group[String(flat[i])] = flat[i + 1];
    return group;
  });
}

async function oldestUnacknowledged(client: Redis, stream: string, group: string, pending: number, lastDeliveredId: string): Promise<number | null> {
  if (pending > 0) {
    const summary = (await client.xpending(stream, group)) as [number, string | null, string | null, unknown];
    const smallest = streamIdMs(summary[1]);
    if (smallest !== null) return smallest;
  }
  const next = (await client.xrange(stream, `(${lastDeliveredId}`, '+', 'COUNT', 1)) as [string, string[]][];
  return streamIdMs(next[0]?.[0]);
}

export const redisStreamBackend: QueueBackend = {
  key: 'redis_stream',
  required: ['stream', 'group'],
  optional: [],
  schemes: ['redis', 'rediss'],
  defaultPort: 6379,
  read(url, target, signal, ctx) {
    const stream = target.stream!;
    const groupName = target.group!;
    const queue = `${stream}/${groupName}`;
    return withRedis(url, `stream "${stream}"`, signal, ctx, async (client) => {
      let reply: unknown;
      try {
        reply = await client.call('XINFO', 'GROUPS', stream);
      } catch (error) {
        if (/no such key/i.test((error as Error).message)) return { ok: false, error: `no stream "${stream}"` };
        throw error;
      }
      const group = groupsOf(reply).find((g) => String(g.name) === groupName);
      if (!group) return { ok: false, error: `stream "${stream}" has no consumer group "${groupName}"` };
      const pending = Number(group.pending ?? 0);
      const lag = group.lag === null || group.lag === undefined ? null : Number(group.lag);
      const entriesRead = group['entries-read'] === null || group['entries-read'] === undefined ? null : Number(group['entries-read']);
      const lastDeliveredId = String(group['last-delivered-id'] ?? '0-0');
      const oldestReadyAt = pending > 0 || lag !== 0 ? await oldestUnacknowledged(client, stream, groupName, pending, lastDeliveredId) : null;
      const states: Record<string, number> = { pending };
      if (lag !== null) states.lag = lag;
      return {
        ok: true,
        reading: {
          queue,
          states,
          depth: lag ?? 0,
          oldestReadyAt,
          samples: entriesRead === null ? [] : [{ name: 'queue_entries_read_total', labels: { queue }, value: entriesRead }],
        },
      };
    });
  },
};
