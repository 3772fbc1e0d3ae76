// queue_depth on a NATS JetStream durable consumer (nats.js 2.x): consumer info gives `num_pending`
// (messages not yet delivered to it), `num_ack_pending` (delivered, not acknowledged) and
// `num_redelivered`. The oldest unacknowledged message is the first after the consumer's ack floor
// (else after its delivered position) on its filter subject, whose stored time the stream returns.
import { connect, type ConnectionOptions, type JetStreamManager, type MsgRequest, type NatsConnection } from 'nats';
import type { ProbeContext } from '../context.js';
import { hostPort, KeptConnections, raceAbort, RunAborted, socketErrorText, errorText, type BackendResult, type QueueBackend } from './backend.js';
import { trackSockets, type OpenedSockets } from './sockets.js';

/** Longer than any sensible check timeout: the run's signal is what ends a slow connect. */
const CONNECT_TIMEOUT_MS = 30_000;
/** JetStream API requests: the run's signal ends them sooner. */
const API_TIMEOUT_MS = 30_000;

interface Kept {
  readonly connection: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly sockets: OpenedSockets;
}

/** Ends a connection at once: nats.js's close() flushes first, which waits on a server that went silent. */
function kill(kept: Kept): void {
  kept.sockets.destroyAll();
  kept.connection.close().catch(() => {});
}

/** The NATS connections of one probe context, by URL. */
export function natsConnections(): KeptConnections<Kept> {
  return new KeptConnections<Kept>({
    broken: (kept) => kept.connection.isClosed(),
    kill,
    // Graceful at shutdown; the sockets are destroyed after it either way.
    close: (kept) => kept.connection.close(),
  });
}

/** Connection options from a nats:// URL; the credentials go as options, so no error can quote them. */
export function natsOptions(url: URL): ConnectionOptions {
  const { host, port } = hostPort(url, 4222);
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return {
    servers: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    ...(user && pass ? { user, pass } : user ? { token: user } : {}),
    ...(url.protocol === 'tls:' ? { tls: {} } : {}),
    name: 'vigil',
    timeout: CONNECT_TIMEOUT_MS,
    reconnect: false,
    maxReconnectAttempts: 0,
    waitOnFirstConnect: false,
  };
}

async function open(url: URL, signal: AbortSignal, phase: string, startedAt: number): Promise<Kept> {
  const { result: connecting, sockets } = trackSockets(() => connect(natsOptions(url)));
  const connection = await raceAbort(connecting, signal, phase, startedAt, () => {
    sockets.destroyAll();
    connecting.then((late) => late.close()).catch(() => {});
  });
  try {
    const jsm = await raceAbort(connection.jetstreamManager({ timeout: API_TIMEOUT_MS }), signal, phase, startedAt, () => sockets.destroyAll());
    return { connection, jsm, sockets };
  } catch (error) {
    kill({ connection, jsm: null as never, sockets });
    throw error;
  }
}

/** JetStream's error code for a missing stream and a missing consumer (the `err_code` of the API error). */
const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

function apiErrorCode(error: unknown): number | null {
  const code = (error as { api_error?: { err_code?: unknown } } | null)?.api_error?.err_code;
  return typeof code === 'number' ? code : null;
}

function natsErrorText(error: unknown, url: URL, stream: string, consumer: string, phase: string): string {
  const { host, port, where } = hostPort(url, 4222);
  const chained = (error as { chainedError?: unknown } | null)?.chainedError;
  const socket = socketErrorText(chained ?? error, host, port, phase);
  if (socket) return socket;
  const code = (error as { code?: unknown } | null)?.code;
  const apiCode = apiErrorCode(error);
  if (code === 'CONNECTION_REFUSED') return `connection refused to ${where}`;
  if (apiCode === STREAM_NOT_FOUND) return `no JetStream stream "${stream}" on ${where}`;
  if (apiCode === CONSUMER_NOT_FOUND) return `JetStream stream "${stream}" has no consumer "${consumer}" on ${where}`;
  if (code === 'AUTHORIZATION_VIOLATION' || code === 'AUTHENTICATION_EXPIRED') return `authentication failed on NATS at ${where}: ${errorText(error)}`;
  if (code === '503') return `JetStream is not enabled on NATS at ${where}`;
  return `NATS at ${where} answered an error ${phase}: ${errorText(error)}`;
}

/** The stored time of the first message at or after `seq` on `subject`, or null (deleted, an old server). */
async function firstTimeFrom(jsm: JetStreamManager, stream: string, seq: number, subject: string): Promise<number | null> {
  try {
    // STREAM.MSG.GET takes `next_by_subj` with `seq` since server 2.9; nats.js 2.x types only the plain forms.
    const message = await jsm.streams.getMessage(stream, { seq, next_by_subj: subject } as unknown as MsgRequest);
    return message.time.getTime();
  } catch {
    return null;
  }
}

export const natsBackend: QueueBackend = {
  key: 'nats',
  required: ['stream', 'consumer'],
  optional: [],
  schemes: ['nats', 'tls'],
  defaultPort: 4222,
  async read(url, target, signal, ctx: ProbeContext): Promise<BackendResult> {
    const startedAt = performance.now();
    const stream = target.stream!;
    const consumer = target.consumer!;
    const { where } = hostPort(url, 4222);
    const connections = ctx.resource('queue_depth:nats', natsConnections);
    let phase = `while connecting to ${where}`;
    let kept = connections.get(url.href);
    let ownConnection = false;
    try {
      if (!kept) {
        // nats.js dials by itself, with no lookup of ours: the name is checked here, just before it
        // dials (which resolves again; see the README on the guard's limits).
        await raceAbort(ctx.outbound.resolve(hostPort(url, 4222).host), signal, phase, startedAt, () => {});
        kept = await open(url, signal, phase, startedAt);
        ownConnection = !connections.keep(url.href, kept);
      }
      phase = `while reading consumer "${consumer}" of stream "${stream}" on ${where}`;
      const current = kept;
      const stop = (): void => (ownConnection ? kill(current) : connections.drop(url.href));
      const info = await raceAbort(current.jsm.consumers.info(stream, consumer), signal, phase, startedAt, stop);
      const subject = info.config.filter_subject || '>';
      const after = info.num_ack_pending > 0 ? info.ack_floor.stream_seq : info.num_pending > 0 ? info.delivered.stream_seq : null;
      const oldestReadyAt = after === null ? null : await raceAbort(firstTimeFrom(current.jsm, stream, after + 1, subject), signal, phase, startedAt, stop);
      const queue = `${stream}/${consumer}`;
      return {
        ok: true,
        reading: {
          queue,
          states: { pending: info.num_pending, ack_pending: info.num_ack_pending, redelivered: info.num_redelivered },
          depth: info.num_pending,
          oldestReadyAt,
        },
      };
    } catch (error) {
      if (error instanceof RunAborted) return { ok: false, error: error.text };
      const apiCode = apiErrorCode(error);
      if (kept && apiCode === null) {
        if (ownConnection) kill(kept);
        else connections.drop(url.href);
      }
      return { ok: false, error: natsErrorText(error, url, stream, consumer, phase) };
    } finally {
      if (ownConnection && kept) await kept.connection.close().catch(() => {});
    }
  },
};
