// The queue_depth probe kind: how many jobs wait in a queue and how long the oldest has waited, for
// the job systems teams run (Redis lists, BullMQ, Celery on Redis, RabbitMQ, Redis Streams consumer
// groups, NATS JetStream consumers). One backend key selects the system and holds its URL; each
// backend is one file behind the QueueBackend interface.
import { z } from 'zod';
import { duration, formatDuration } from '../../lib/duration.js';
import type { Probe, ProbeOutcome, ProbeSample } from '../probe.js';
import { abortMessage } from '../outcome-text.js';
import { jsonPathProblem } from '../json-path.js';
import { hostPort, type QueueBackend, type QueueReading, type QueueTarget } from './backend.js';
import { redisListBackend } from './redis.js';
import { bullmqBackend } from './bullmq.js';
import { celeryBackend } from './celery.js';
import { rabbitmqBackend } from './rabbitmq.js';
import { redisStreamBackend } from './redis-stream.js';
import { natsBackend } from './nats.js';
import { startRunTimer } from '../run-timer.js';

const BACKENDS: readonly QueueBackend[] = [redisListBackend, bullmqBackend, celeryBackend, rabbitmqBackend, redisStreamBackend, natsBackend];
const BY_KEY = new Map(BACKENDS.map((backend) => [backend.key, backend]));
const BACKEND_KEYS = BACKENDS.map((backend) => backend.key);
/** Fields that belong to some backends only; each backend lists the ones it takes. */
const NAME_FIELDS = ['queue', 'stream', 'group', 'consumer', 'prefix', 'timestamp_path'] as const;

const url = (what: string) => z.string().min(1).meta({ description: `${what} URL (with its password from a \${VAR})` });
const name = (what: string) => z.string().min(1).meta({ description: what });

export const queueDepthSchema = z
  .strictObject({
    redis: url('Redis list: a redis:// or rediss://').optional(),
    bullmq: url('BullMQ on Redis: a redis:// or rediss://').optional(),
    celery: url('Celery on Redis: a redis:// or rediss://').optional(),
    rabbitmq: url('RabbitMQ: an amqp:// or amqps://').optional(),
    redis_stream: url('Redis Streams: a redis:// or rediss://').optional(),
    nats: url('NATS JetStream: a nats://').optional(),
    queue: name('The queue (redis, bullmq, celery, rabbitmq): the list key, BullMQ queue name, Celery queue, AMQP queue').optional(),
    stream: name('The stream (redis_stream, nats)').optional(),
    group: name('The consumer group (redis_stream)').optional(),
    consumer: name('The durable consumer (nats)').optional(),
    prefix: name('The BullMQ key prefix (bullmq; default "bull")').optional(),
    timestamp_path: z
      .string()
      .regex(/^\$/, 'expected a JSON path starting with $, like $.enqueued_at')
      .superRefine((path, ctx) => {
        const problem = path.startsWith('$') ? jsonPathProblem(path) : null;
        if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; expected a path like $.enqueued_at` });
      })
      .meta({ description: 'Where a job (a JSON list item) holds its enqueue time, epoch seconds or ms or ISO 8601 (redis)' })
      .optional(),
    expect: z
      .strictObject({
        /** Fails when this many jobs or more wait. */
        depth_under: z.number().int().min(1).optional(),
        /** Fails when the oldest waiting job has waited this long or longer. */
        oldest_under: duration().optional(),
      })
      .optional(),
  })
  .superRefine((target, ctx) => {
    const chosen = BACKEND_KEYS.filter((key) => target[key as keyof typeof target] !== undefined);
    if (chosen.length !== 1) {
      const got = chosen.length === 0 ? 'none' : chosen.join(' and ');
      ctx.addIssue({ code: 'custom', message: `expected exactly one backend of ${BACKEND_KEYS.join(', ')}, got ${got}`, path: chosen.length ? [chosen[1]] : [] });
      return;
    }
    const backend = BY_KEY.get(chosen[0])!;
    const value = target[backend.key as keyof typeof target] as string;
    const scheme = URL.canParse(value) ? new URL(value).protocol.replace(/:$/, '') : null;
    if (scheme === null || !backend.schemes.includes(scheme)) {
      ctx.addIssue({ code: 'custom', path: [backend.key], message: `expected a URL starting with ${backend.schemes.map((s) => `${s}://`).join(' or ')}` });
    }
    for (const field of backend.required) {
      if (target[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${backend.key} needs ${field}` });
    }
    for (const field of NAME_FIELDS) {
      if (target[field] !== undefined && !backend.required.includes(field) && !backend.optional.includes(field)) {
        ctx.addIssue({ code: 'custom', path: [field], message: `${field} does not apply to ${backend.key} (it takes ${[...backend.required, ...backend.optional].join(', ')})` });
      }
    }
    if (backend.key === 'redis' && target.expect?.oldest_under !== undefined && target.timestamp_path === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['expect', 'oldest_under'],
        message: 'a Redis list holds no enqueue time: set timestamp_path to where each job keeps it (like $.enqueued_at)',
      });
    }
  });

export type QueueDepthTarget = z.output<typeof queueDepthSchema>;

/** The backend a validated target selects. */
function backendOf(target: QueueTarget): QueueBackend {
  const backend = BACKENDS.find((b) => target[b.key as keyof QueueTarget] !== undefined);
  if (!backend) throw new Error('queue_depth target without a backend (the schema should have refused it)');
  return backend;
}

/** What the expectations say of a reading: one problem per broken one, saying by how much. */
export function expectationProblems(reading: QueueReading, expect: QueueTarget['expect'], now: number): string[] {
  const problems: string[] = [];
  if (expect?.depth_under !== undefined && reading.depth >= expect.depth_under) {
    const over = reading.depth - expect.depth_under;
    problems.push(`depth of ${reading.queue} is ${reading.depth}, ${over === 0 ? 'at' : `${over} over`} depth_under ${expect.depth_under}`);
  }
  if (expect?.oldest_under !== undefined) {
    if (reading.oldestReadyAt !== null) {
      const ageMs = Math.max(0, now - reading.oldestReadyAt);
      if (ageMs >= expect.oldest_under) {
        const overMs = ageMs - expect.oldest_under;
        problems.push(
          `oldest job in ${reading.queue} has waited ${formatDuration(Math.round(ageMs / 1000) * 1000)}, ${overMs < 1000 ? 'at' : `${formatDuration(Math.round(overMs / 1000) * 1000)} over`} oldest_under ${formatDuration(expect.oldest_under)}`,
        );
      }
    } else if (reading.ageUnknownReason) {
      problems.push(`cannot check oldest_under for ${reading.queue}: ${reading.ageUnknownReason}`);
    }
  }
  return problems;
}

/** The series of a reading: `queue_depth{queue,state}` per state, `queue_oldest_age_seconds{queue}` when known. */
export function readingSamples(reading: QueueReading, now: number): ProbeSample[] {
  const samples: ProbeSample[] = Object.entries(reading.states).map(([state, value]) => ({ name: 'queue_depth', labels: { queue: reading.queue, state }, value }));
  if (reading.oldestReadyAt !== null) {
    samples.push({ name: 'queue_oldest_age_seconds', labels: { queue: reading.queue }, value: Math.max(0, (now - reading.oldestReadyAt) / 1000) });
  }
  return [...samples, ...(reading.samples ?? [])];
}

/**
 * Reads a queue's depth per state and its oldest job's age (wherever the system knows it). A queue,
 * stream or consumer that does not exist fails with its own message; so do `depth_under` and
 * `oldest_under`. Connections are kept per URL in the context; errors never quote the URL.
 */
export const queueDepthProbe: Probe<QueueDepthTarget> = {
  kind: 'queue_depth',
  schema: queueDepthSchema,
  async run(target, signal, ctx): Promise<ProbeOutcome> {
    const { startedAt, seconds: elapsed } = startRunTimer();
    const backend = backendOf(target);
    const url = new URL(target[backend.key as keyof QueueTarget] as string);
    if (signal.aborted) {
      const { where } = hostPort(url, backend.defaultPort);
      return { success: false, error: abortMessage(signal, `before connecting to ${where}`, startedAt), durationSeconds: 0, samples: [] };
    }
    // An IP literal is refused here for every backend; a name is checked where each backend connects.
    const refused = ctx.outbound.checkHost(hostPort(url, backend.defaultPort).host);
    if (refused) return { success: false, error: refused.message, durationSeconds: 0, samples: [] };
    const result = await backend.read(url, target, signal, ctx);
    const durationSeconds = elapsed();
    if (!result.ok) return { success: false, error: ctx.secrets.scrub(result.error), durationSeconds, samples: [] };
    const now = ctx.clock.now();
    const problems = expectationProblems(result.reading, target.expect, now);
    return {
      success: problems.length === 0,
      error: problems.length ? ctx.secrets.scrub(problems.join('; ')) : null,
      durationSeconds,
      samples: readingSamples(result.reading, now),
    };
  },
};
