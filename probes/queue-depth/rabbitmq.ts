// queue_depth on a RabbitMQ queue over AMQP 0-9-1 (amqplib): a passive queue.declare (`checkQueue`)
// answers the ready messages and the consumers. AMQP says nothing of the oldest message's age (the
// management API's `head_message_timestamp` needs a plugin and HTTP), so no age series here. A failed
// passive declare closes its channel, so each run opens a channel of its own on the kept connection.
import amqp from 'amqplib';
import type { ProbeContext } from '../context.js';
import type { OutboundGuard } from '../../lib/outbound-guard.js';
import { hostPort, KeptConnections, raceAbort, RunAborted, socketErrorText, errorText, type BackendResult, type QueueBackend } from './backend.js';

interface Kept {
  readonly model: amqp.ChannelModel;
  /** Destroys the socket at once: a graceful close waits for a server that may never answer. */
  readonly kill: () => void;
  broken: boolean;
}

/** The AMQP connections of one probe context, by URL. */
export function amqpConnections(): KeptConnections<Kept> {
  return new KeptConnections<Kept>({ broken: (kept) => kept.broken, kill: (kept) => kept.kill(), close: (kept) => kept.model.close() });
}

/** Connects with the socket tied to a controller of its own, so the connection can be killed at any time. */
async function open(url: URL, signal: AbortSignal, phase: string, startedAt: number, guard: OutboundGuard): Promise<Kept> {
  const controller = new AbortController();
  const kill = (): void => controller.abort();
  // Node's net.Socket takes `signal` and destroys itself when it aborts; amqplib hands its options to
  // net.connect, `lookup` included, so the address connected to is the one the guard checked.
  const connecting = amqp.connect(url.href, { signal: controller.signal, noDelay: true, lookup: guard.lookup } as object);
  const model = await raceAbort(connecting, signal, phase, startedAt, kill);
  const kept: Kept = { model, kill, broken: false };
  model.on('error', () => {
    kept.broken = true;
  });
  model.on('close', () => {
    kept.broken = true;
  });
  return kept;
}

/** AMQP reply codes as the server names them in its close frame: `404 (NOT-FOUND)`. */
function replyCode(error: unknown): number | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return code;
  const match = /\b(\d{3}) \([A-Z-]+\)/.exec(errorText(error));
  return match ? Number(match[1]) : null;
}

function amqpErrorText(error: unknown, url: URL, queue: string, phase: string): string {
  const { host, port, where } = hostPort(url, url.protocol === 'amqps:' ? 5671 : 5672);
  const socket = socketErrorText(error, host, port, phase);
  if (socket) return socket;
  const vhost = decodeURIComponent(url.pathname.slice(1)) || '/';
  const code = replyCode(error);
  const message = errorText(error);
  if (code === 404 && /QueueDeclare|no queue/i.test(message)) return `no RabbitMQ queue "${queue}" in vhost "${vhost}" on ${where}`;
  if (code === 403 || /ACCESS.REFUSED/.test(message)) return `authentication failed on RabbitMQ at ${where}: ${message}`;
  if (code === 530 || /NOT.ALLOWED.*vhost/i.test(message)) return `RabbitMQ at ${where} refused vhost "${vhost}": ${message}`;
  // The server closes the connection in answer to connection.open; amqplib's error keeps no reply text.
  if (/Expected ConnectionOpenOk; got <ConnectionClose/.test(message)) {
    return `RabbitMQ at ${where} refused vhost "${vhost}" (it does not exist, or the user may not use it)`;
  }
  if (/ETIMEDOUT/.test(message)) return `timed out connecting to ${where}`;
  return `RabbitMQ at ${where} answered an error ${phase}: ${message}`;
}

async function check(kept: Kept, queue: string): Promise<amqp.Replies.AssertQueue> {
  const channel = await kept.model.createChannel();
  // The server closes the channel of a failed passive declare; the error arrives as the rejection too.
  channel.on('error', () => {});
  try {
    return await channel.checkQueue(queue);
  } finally {
    await channel.close().catch(() => {});
  }
}

export const rabbitmqBackend: QueueBackend = {
  key: 'rabbitmq',
  required: ['queue'],
  optional: [],
  schemes: ['amqp', 'amqps'],
  defaultPort: 5672,
  async read(url, target, signal, ctx: ProbeContext): Promise<BackendResult> {
    const startedAt = performance.now();
    const queue = target.queue!;
    const { where } = hostPort(url, url.protocol === 'amqps:' ? 5671 : 5672);
    const connections = ctx.resource('queue_depth:rabbitmq', amqpConnections);
    let phase = `while connecting to ${where}`;
    let kept = connections.get(url.href);
    let ownConnection = false;
    try {
      if (!kept) {
        kept = await open(url, signal, phase, startedAt, ctx.outbound);
        ownConnection = !connections.keep(url.href, kept);
      }
      phase = `while checking queue "${queue}" on ${where}`;
      const current = kept;
      const reply = await raceAbort(check(current, queue), signal, phase, startedAt, () => (ownConnection ? current.kill() : connections.drop(url.href)));
      return {
        ok: true,
        reading: {
          queue,
          states: { ready: reply.messageCount },
          depth: reply.messageCount,
          oldestReadyAt: null,
          samples: [{ name: 'queue_consumers', labels: { queue }, value: reply.consumerCount }],
        },
      };
    } catch (error) {
      if (error instanceof RunAborted) return { ok: false, error: error.text };
      const text = amqpErrorText(error, url, queue, phase);
      if (kept && replyCode(error) !== 404) {
        if (ownConnection) kept.kill();
        else connections.drop(url.href);
      }
      return { ok: false, error: text };
    } finally {
      if (ownConnection && kept) await kept.model.close().catch(() => kept?.kill());
    }
  },
};
