// The queue_depth schema (exactly one backend, the names each backend needs) and the pure parts:
// expectations, enqueue times, kombu messages, stream ids.
import { describe, expect, it } from 'vitest';
import { expectationProblems, queueDepthSchema } from '../../../probes/queue-depth/index.js';
import { epochMsOf } from '../../../probes/queue-depth/backend.js';
import { messageReadyAt } from '../../../probes/queue-depth/celery.js';
import { streamIdMs } from '../../../probes/queue-depth/redis-stream.js';
import { natsOptions } from '../../../probes/queue-depth/nats.js';

const problems = (fields: Record<string, unknown>) => {
  const parsed = queueDepthSchema.safeParse(fields);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('queue_depth schema', () => {
  it.each([
    { name: 'a Redis list', fields: { redis: 'redis://cache:6379/0', queue: 'exports', expect: { depth_under: 1000 } } },
    { name: 'BullMQ with a prefix', fields: { bullmq: 'rediss://cache:6380', queue: 'emails', prefix: 'app' } },
    { name: 'Celery', fields: { celery: 'redis://cache', queue: 'celery' } },
    { name: 'RabbitMQ', fields: { rabbitmq: 'amqp://u:p@mq/vhost', queue: 'jobs', expect: { depth_under: 10 } } },
    { name: 'a stream group', fields: { redis_stream: 'redis://cache', stream: 'events', group: 'workers', expect: { oldest_under: '5m' } } },
    { name: 'NATS', fields: { nats: 'nats://nats:4222', stream: 'ORDERS', consumer: 'billing' } },
    { name: 'a list with timestamp_path and oldest_under', fields: { redis: 'redis://c', queue: 'q', timestamp_path: '$.enqueued_at', expect: { oldest_under: '5m' } } },
  ])('accepts $name', ({ fields }) => {
    expect(problems(fields)).toEqual([]);
  });

  it.each([
    { name: 'no backend', fields: { queue: 'jobs' }, expected: [': expected exactly one backend of redis, bullmq, celery, rabbitmq, redis_stream, nats, got none'] },
    { name: 'two backends', fields: { redis: 'redis://c', bullmq: 'redis://c', queue: 'q' }, expected: ['bullmq: expected exactly one backend of redis, bullmq, celery, rabbitmq, redis_stream, nats, got redis and bullmq'] },
    { name: 'a missing name', fields: { redis_stream: 'redis://c', stream: 'events' }, expected: ['group: redis_stream needs group'] },
    { name: 'a field of another backend', fields: { rabbitmq: 'amqp://mq', queue: 'jobs', group: 'g' }, expected: ['group: group does not apply to rabbitmq (it takes queue)'] },
    { name: 'a wrong scheme', fields: { rabbitmq: 'redis://mq', queue: 'jobs' }, expected: ['rabbitmq: expected a URL starting with amqp:// or amqps://'] },
    { name: 'oldest_under on a list without timestamps', fields: { redis: 'redis://c', queue: 'q', expect: { oldest_under: '5m' } }, expected: ['expect.oldest_under: a Redis list holds no enqueue time: set timestamp_path to where each job keeps it (like $.enqueued_at)'] },
  ])('refuses $name', ({ fields, expected }) => {
    expect(problems(fields)).toEqual(expected);
  });
});

describe('queue_depth expectations', () => {
  const reading = { queue: 'exports', states: { waiting: 1500 }, depth: 1500, oldestReadyAt: 0 };
  it.each([
    { name: 'under both', expect: { depth_under: 2000, oldest_under: 600_000 }, now: 60_000, expected: [] },
    { name: 'depth over', expect: { depth_under: 1000 }, now: 0, expected: ['depth of exports is 1500, 500 over depth_under 1000'] },
    { name: 'depth at the limit', expect: { depth_under: 1500 }, now: 0, expected: ['depth of exports is 1500, at depth_under 1500'] },
    { name: 'oldest over', expect: { oldest_under: 300_000 }, now: 432_000, expected: ['oldest job in exports has waited 7m12s, 2m12s over oldest_under 5m'] },
  ])('$name', ({ expect: expectation, now, expected }) => {
    expect(expectationProblems(reading, expectation, now)).toEqual(expected);
  });
});

describe('queue_depth times', () => {
  it.each([
    { value: 1_700_000_000.5, ms: 1_700_000_000_500 },
    { value: 1_700_000_000_500, ms: 1_700_000_000_500 },
    { value: '1700000000', ms: 1_700_000_000_000 },
    { value: '2023-11-14T22:13:20.000Z', ms: 1_700_000_000_000 },
    { value: 'yesterday', ms: null },
    { value: null, ms: null },
  ])('reads $value as $ms', ({ value, ms }) => {
    expect(epochMsOf(value)).toBe(ms);
  });

  it('reads a kombu message time from properties or headers, and a later eta', () => {
    expect(messageReadyAt(JSON.stringify({ properties: { timestamp: 1_700_000_000 }, headers: {} }))).toBe(1_700_000_000_000);
    expect(messageReadyAt(JSON.stringify({ properties: {}, headers: { timestamp: 1_700_000_000, eta: '2023-11-14T22:23:20Z' } }))).toBe(1_700_000_600_000);
    expect(messageReadyAt(JSON.stringify({ properties: {}, headers: { eta: null } }))).toBeNull();
    expect(messageReadyAt('not json')).toBeNull();
  });

  it('reads a stream id as its epoch ms', () => {
    expect(streamIdMs('1700000000123-7')).toBe(1_700_000_000_123);
    expect(streamIdMs(null)).toBeNull();
  });

  it('passes NATS credentials as options, never in the server address', () => {
    expect(natsOptions(new URL('nats://svc:s3cret@nats.internal:4333'))).toMatchObject({ servers: 'nats.internal:4333', user: 'svc', pass: 's3cret' });
    expect(natsOptions(new URL('nats://tok3n@nats.internal'))).toMatchObject({ servers: 'nats.internal:4222', token: 'tok3n' });
  });
});
