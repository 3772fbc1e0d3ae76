// queue_depth's RabbitMQ backend against the real RabbitMQ at 127.0.0.1:5672 (guest/guest): messages
// published with amqplib, taken with basic.get and by a consumer; queues unique to this run, deleted after.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretValues } from '../../../lib/secret.js';
import { probeContextPerTest } from '../../helpers/servers.js';
import { depths, runQueueDepth, sampleValue, uniqueName } from './helpers.js';

const AMQP = 'amqp://guest:guest@127.0.0.1:5672';
let connection: amqp.ChannelModel;
let channel: amqp.ConfirmChannel;
const created: string[] = [];
const contexts = probeContextPerTest();

beforeAll(async () => {
  connection = await amqp.connect(AMQP);
  channel = await connection.createConfirmChannel();
});

afterAll(async () => {
  for (const queue of created) await channel.deleteQueue(queue);
  await connection.close();
});

async function queueWith(messages: number): Promise<string> {
  const queue = uniqueName('jobs');
  await channel.assertQueue(queue, { durable: false });
  created.push(queue);
  for (let i = 0; i < messages; i++) channel.sendToQueue(queue, Buffer.from(JSON.stringify({ job: i })), { timestamp: Math.floor(Date.now() / 1000) });
  await channel.waitForConfirms();
  return queue;
}

describe('queue_depth on RabbitMQ', () => {
  it('reports the ready messages and consumers, and the drop as messages are taken', async () => {
    const queue = await queueWith(7);
    const ctx = contexts.current();
    const before = await runQueueDepth({ rabbitmq: AMQP, queue, expect: { depth_under: 10 } }, ctx);
    expect(before).toMatchObject({ success: true, error: null });
    expect(depths(before)).toEqual({ ready: 7 });
    expect(sampleValue(before, 'queue_consumers')).toBe(0);
    expect(sampleValue(before, 'queue_oldest_age_seconds')).toBeUndefined();

    for (let i = 0; i < 2; i++) expect(await channel.get(queue, { noAck: true })).not.toBe(false);
    // A consumer with a prefetch of one holds one message unacknowledged: it leaves the ready count.
    const worker = await connection.createChannel();
    await worker.prefetch(1);
    const delivered = new Promise<amqp.ConsumeMessage>((resolve) => void worker.consume(queue, (msg) => msg && resolve(msg)));
    await delivered;
    const after = await runQueueDepth({ rabbitmq: AMQP, queue, expect: { depth_under: 3 } }, ctx);
    expect(depths(after)).toEqual({ ready: 4 });
    expect(sampleValue(after, 'queue_consumers')).toBe(1);
    expect(after).toMatchObject({ success: false, error: `depth of ${queue} is 4, 1 over depth_under 3` });
    await worker.close();
  });

  it('names a missing queue, and the kept connection still serves the next check', async () => {
    const ctx = contexts.current();
    const missing = await runQueueDepth({ rabbitmq: AMQP, queue: 'vigil-no-such-queue' }, ctx);
    expect(missing).toMatchObject({ success: false, error: 'no RabbitMQ queue "vigil-no-such-queue" in vhost "/" on 127.0.0.1:5672' });
    const queue = await queueWith(2);
    const next = await runQueueDepth({ rabbitmq: AMQP, queue }, ctx);
    expect(next).toMatchObject({ success: true });
    expect(depths(next)).toEqual({ ready: 2 });
  });

  it('reports a wrong password without the password or the URL', async () => {
    const password = 'not-the-guest-password';
    const outcome = await runQueueDepth(
      { rabbitmq: `amqp://guest:${password}@127.0.0.1:5672`, queue: 'jobs' },
      contexts.create({ secrets: new SecretValues([password]) }),
      5000,
    );
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^authentication failed on RabbitMQ at 127\.0\.0\.1:5672: .*ACCESS.REFUSED/);
    expect(outcome.error).not.toContain(password);
    expect(outcome.error).not.toContain('amqp://');
  });

  it('names a vhost that does not exist', async () => {
    const outcome = await runQueueDepth({ rabbitmq: `${AMQP}/no-such-vhost`, queue: 'jobs' }, contexts.current(), 5000);
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^RabbitMQ at 127\.0\.0\.1:5672 refused vhost "no-such-vhost"/);
  });
});
