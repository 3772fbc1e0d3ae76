// queue_depth on a plain Redis list (Sidekiq, RQ, Resque, hand-rolled LPUSH/BRPOP workers): LLEN, and
// with `timestamp_path` the enqueue time read from the jobs at both ends of the list, since producers
// push on either side (LPUSH + BRPOP keeps the oldest on the right, RPUSH + BLPOP on the left).
import { parseJsonBody, lookupJsonPath } from '../json-path.js';
import { earliest, epochMsOf, type QueueBackend } from './backend.js';
import { withRedis } from './redis-client.js';

/** The enqueue time of one list item at `path`, or null when it is not JSON or has no time there. */
export function itemEnqueuedAt(item: string | null, path: string): number | null {
  if (item === null) return null;
  const parsed = parseJsonBody(item);
  if (!parsed.ok) return null;
  const found = lookupJsonPath(parsed.value, path);
  return found.found ? epochMsOf(found.value) : null;
}

export const redisListBackend: QueueBackend = {
  key: 'redis',
  required: ['queue'],
  optional: ['timestamp_path'],
  schemes: ['redis', 'rediss'],
  defaultPort: 6379,
  read(url, target, signal, ctx) {
    const queue = target.queue!;
    return withRedis(url, `list "${queue}"`, signal, ctx, async (client) => {
      const [type, depth, first, last] = (await client
        .multi()
        .type(queue)
        .llen(queue)
        .lindex(queue, 0)
        .lindex(queue, -1)
        .exec()
        .then((replies) => (replies ?? []).map(([error, value]) => (error ? null : value)))) as [string, number | null, string | null, string | null];
      if (type !== 'list' && type !== 'none') return { ok: false, error: `key "${queue}" holds a ${type}, not a list` };
      const waiting = depth ?? 0;
      let oldestReadyAt: number | null = null;
      let ageUnknownReason: string | undefined;
      if (target.timestamp_path && waiting > 0) {
        oldestReadyAt = earliest([itemEnqueuedAt(first, target.timestamp_path), itemEnqueuedAt(last, target.timestamp_path)]);
        if (oldestReadyAt === null) ageUnknownReason = `the jobs at the ends of the list have no time at ${target.timestamp_path}`;
      }
      // Redis deletes an empty list, so a missing key is an empty queue, not an error.
      return { ok: true, reading: { queue, states: { waiting }, depth: waiting, oldestReadyAt, ageUnknownReason } };
    });
  },
};
