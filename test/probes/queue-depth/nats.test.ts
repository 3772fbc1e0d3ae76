// queue_depth's NATS backend against the real nats-server with JetStream at 127.0.0.1:4222: messages
// published with nats.js, fetched and acknowledged by a pull consumer; streams unique to this run,
// deleted after.
import { AckPolicy, connect, StorageType, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, probeContextPerTest } from '../../helpers/servers.js';
import { depths, runQueueDepth, sampleValue } from './helpers.js';

const NATS = 'nats://127.0.0.1:4222';
let nc: NatsConnection;
let jsm: JetStreamManager;
const streams: string[] = [];
const contexts = probeContextPerTest();

beforeAll(async () => {
  nc = await connect({ servers: '127.0.0.1:4222' });
  jsm = await nc.jetstreamManager();
});

afterAll(async () => {
  for (const stream of streams) await jsm.streams.delete(stream);
  await nc.close();
});

async function streamWithConsumer(): Promise<string> {
  const stream = `VIGIL_TEST_${process.pid}_${Date.now().toString(36).toUpperCase()}_${streams.length}`;
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], storage: StorageType.Memory });
  streams.push(stream);
  await jsm.consumers.add(stream, { durable_name: 'billing', ack_policy: AckPolicy.Explicit, filter_subject: `${stream}.orders.>` });
  return stream;
}

describe('queue_depth on NATS JetStream', () => {
  it('reports pending and ack-pending, the oldest unacknowledged message, and the drop as the consumer acks', async () => {
    const stream = await streamWithConsumer();
    const js = nc.jetstream();
    // A message on another subject is outside the consumer's filter: it counts nowhere.
    await js.publish(`${stream}.audit.x`, new TextEncoder().encode('{}'));
    for (let i = 0; i < 6; i++) await js.publish(`${stream}.orders.created`, new TextEncoder().encode(JSON.stringify({ order: i })));
    const times = await Promise.all([2, 3, 4].map(async (seq) => (await jsm.streams.getMessage(stream, { seq })).time.getTime()));
    const now = times[0] + 90_000;
    const ctx = contexts.create({ clock: fixedClock(now) });
    const fields = { nats: NATS, stream, consumer: 'billing' };

    const before = await runQueueDepth({ ...fields, expect: { oldest_under: '1m' } }, ctx);
    expect(depths(before)).toEqual({ pending: 6, ack_pending: 0, redelivered: 0 });
    expect(sampleValue(before, 'queue_oldest_age_seconds')).toBe(90);
    expect(before).toMatchObject({ success: false, error: `oldest job in ${stream}/billing has waited 1m30s, 30s over oldest_under 1m` });

    const consumer = await js.consumers.get(stream, 'billing');
    const fetched = await consumer.fetch({ max_messages: 3, expires: 2000 });
    let n = 0;
    for await (const message of fetched) {
      if (n++ < 2) await message.ackAck();
      if (n === 3) break;
    }
    const after = await runQueueDepth(fields, ctx);
    expect(depths(after)).toEqual({ pending: 3, ack_pending: 1, redelivered: 0 });
    expect(sampleValue(after, 'queue_oldest_age_seconds')).toBe((now - times[2]) / 1000);
    expect(after).toMatchObject({ success: true, error: null });
  });

  it('names a missing stream and a missing consumer', async () => {
    const stream = await streamWithConsumer();
    const ctx = contexts.current();
    const noStream = await runQueueDepth({ nats: NATS, stream: 'VIGIL_NO_SUCH_STREAM', consumer: 'billing' }, ctx);
    expect(noStream).toMatchObject({ success: false, error: 'no JetStream stream "VIGIL_NO_SUCH_STREAM" on 127.0.0.1:4222' });
    const noConsumer = await runQueueDepth({ nats: NATS, stream, consumer: 'shipping' }, ctx);
    expect(noConsumer).toMatchObject({ success: false, error: `JetStream stream "${stream}" has no consumer "shipping" on 127.0.0.1:4222` });
    const fine = await runQueueDepth({ nats: NATS, stream, consumer: 'billing' }, ctx);
    expect(fine).toMatchObject({ success: true });
    expect(depths(fine)).toEqual({ pending: 0, ack_pending: 0, redelivered: 0 });
    expect(sampleValue(fine, 'queue_oldest_age_seconds')).toBeUndefined();
  });
});
