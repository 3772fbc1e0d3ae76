// queue_depth on a Celery queue with the Redis broker (kombu's Redis transport): each priority has its
// own list, the queue's name for priority 0 and `<queue>\x06\x16<n>` for 3, 6 and 9 (kombu's default
// `priority_steps`, separator `\x06\x16`). kombu LPUSHes and BRPOPs, so the oldest message of a list
// is on its right; both ends are read in case a producer pushed the other way. A message is kombu's
// JSON envelope `{ body, headers, properties, content-type, … }`; Celery stamps no send time, so the
// age comes from `properties.timestamp` or `headers.timestamp` when the producer sets one (and an
// `eta` later than that, for a task scheduled ahead, counts from the eta).
import { parseJsonBody } from '../json-path.js';
import { earliest, epochMsOf, type QueueBackend } from './backend.js';
import { withRedis } from './redis-client.js';

/** kombu's separator between a queue's name and its priority. */
export const KOMBU_SEPARATOR = '\x06\x16';
/** kombu's default priority steps: 0 is the bare queue name. */
export const PRIORITY_STEPS = [0, 3, 6, 9] as const;

/** The Redis list holding a queue's messages of one priority step. */
export function priorityList(queue: string, priority: number): string {
  return priority === 0 ? queue : `${queue}${KOMBU_SEPARATOR}${priority}`;
}

/** When a kombu message became ready: its timestamp, or its eta when later; null when it carries neither. */
export function messageReadyAt(raw: string | null): number | null {
  if (raw === null) return null;
  const parsed = parseJsonBody(raw);
  if (!parsed.ok || parsed.value === null || typeof parsed.value !== 'object') return null;
  const message = parsed.value as { headers?: Record<string, unknown>; properties?: Record<string, unknown> };
  const sent = epochMsOf(message.properties?.timestamp) ?? epochMsOf(message.headers?.timestamp);
  if (sent === null) return null;
  const eta = epochMsOf(message.headers?.eta);
  return eta !== null && eta > sent ? eta : sent;
}

export const celeryBackend: QueueBackend = {
  key: 'celery',
  required: ['queue'],
  optional: [],
  schemes: ['redis', 'rediss'],
  defaultPort: 6379,
  read(url, target, signal, ctx) {
    const queue = target.queue!;
    return withRedis(url, `Celery queue "${queue}"`, signal, ctx, async (client) => {
      const batch = client.multi();
      for (const priority of PRIORITY_STEPS) {
        const list = priorityList(queue, priority);
        batch.llen(list).lindex(list, 0).lindex(list, -1);
      }
      // kombu records a declared queue in `_kombu.binding.<exchange>`, as `<routing key>SEP<pattern>SEP<queue>`.
      batch.smembers(`_kombu.binding.${queue}`);
      const replies = ((await batch.exec()) ?? []).map(([error, value]) => (error ? null : value));
      let waiting = 0;
      const ends: (string | null)[] = [];
      PRIORITY_STEPS.forEach((_, i) => {
        waiting += (replies[i * 3] as number | null) ?? 0;
        ends.push(replies[i * 3 + 1] as string | null, replies[i * 3 + 2] as string | null);
      });
      const bindings = (replies[PRIORITY_STEPS.length * 3] as string[] | null) ?? [];
      if (waiting === 0 && !bindings.some((binding) => binding.endsWith(`${KOMBU_SEPARATOR}${queue}`))) {
        return { ok: false, error: `no Celery queue "${queue}": it is empty and no worker or producer declared it (no binding in _kombu.binding.${queue})` };
      }
      const oldestReadyAt = earliest(ends.map(messageReadyAt));
      return {
        ok: true,
        reading: {
          queue,
          states: { waiting },
          depth: waiting,
          oldestReadyAt,
          ageUnknownReason: waiting > 0 && oldestReadyAt === null ? 'its messages carry no timestamp (Celery sets none; add one in before_task_publish)' : undefined,
        },
      };
    });
  },
};
