// One ioredis client per Redis URL for every Redis-based backend (lists, BullMQ, Celery, streams),
// kept in the probe context and closed with it. A client never reconnects on its own: the next run
// connects again, so a Redis that is down costs one attempt per interval, not a retry loop.
import { Redis } from 'ioredis';
import type { ProbeContext } from '../context.js';
import { abortMessage } from '../outcome-text.js';
import { closeWithin, hostPort, raceAbort, RunAborted, socketErrorText, errorText, type BackendResult } from './backend.js';

/** Longer than any sensible check timeout: the run's signal is what ends a slow connect. */
const CONNECT_TIMEOUT_MS = 30_000;

interface Entry {
  readonly client: Redis;
  /** The last error the client emitted: ioredis rejects a refused connect with "Connection is closed." only. */
  lastError: Error | null;
}

/** The Redis clients of one probe context, by URL. */
export class RedisClients {
  readonly #clients = new Map<string, Entry>();

  /** The client for `url`, created (not connected) on first use or after it ended. */
  get(url: string): Entry {
    const known = this.#clients.get(url);
    if (known && known.client.status !== 'end' && known.client.status !== 'close') return known;
    if (known) known.client.disconnect();
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      reconnectOnError: () => false,
      enableOfflineQueue: true,
      // Shown by CLIENT LIST, so an operator can tell Vigil's connections apart.
      connectionName: 'vigil-queue-depth',
    });
    const entry: Entry = { client, lastError: null };
    // Errors come back to the run through its command; the event only needs a listener (else ioredis logs it).
    client.on('error', (error: Error) => {
      entry.lastError = error;
    });
    this.#clients.set(url, entry);
    return entry;
  }

  /** Forgets and disconnects the client of `url` (after an abort or a broken connection). */
  drop(url: string): void {
    const entry = this.#clients.get(url);
    this.#clients.delete(url);
    entry?.client.disconnect();
  }

  async close(): Promise<void> {
    const all = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(all.map(({ client }) => closeWithin(() => (client.status === 'ready' ? client.quit() : Promise.resolve()), () => client.disconnect())));
  }
}

const AUTH_ERROR = /^(WRONGPASS|NOAUTH|NOPERM)\b/;

/** An error of a Redis command or connect as a sentence naming `host:port`, never the URL. */
export function redisErrorText(error: unknown, lastError: Error | null, where: { host: string; port: number; where: string }, phase: string): string {
  const socket = socketErrorText(lastError ?? error, where.host, where.port, phase) ?? socketErrorText(error, where.host, where.port, phase);
  if (socket) return socket;
  // A failed AUTH during connect rejects as "Connection is closed."; the reply itself came as an event.
  const message = lastError && AUTH_ERROR.test(lastError.message) ? errorText(lastError) : errorText(error);
  if (AUTH_ERROR.test(message)) return `authentication failed on Redis at ${where.where}: ${message}`;
  if (/^Connection is closed/.test(message)) return `connection to ${where.where} closed ${phase}`;
  return `Redis at ${where.where} answered an error ${phase}: ${message}`;
}

/**
 * Runs `read` with the context's client for `url` (connecting it first if needed), ending at once
 * when the signal aborts: the client is then dropped, which closes its socket.
 */
export async function withRedis(
  url: URL,
  queueText: string,
  signal: AbortSignal,
  ctx: ProbeContext,
  read: (client: Redis) => Promise<BackendResult>,
): Promise<BackendResult> {
  const startedAt = performance.now();
  const where = hostPort(url, 6379);
  const connecting = `while connecting to ${where.where}`;
  const reading = `while reading ${queueText} on ${where.where}`;
  if (signal.aborted) return { ok: false, error: abortMessage(signal, `before connecting to ${where.where}`, startedAt) };
  const clients = ctx.resource('queue_depth:redis', () => new RedisClients());
  const entry = clients.get(url.href);
  const drop = (): void => clients.drop(url.href);
  let phase = connecting;
  try {
    if (entry.client.status === 'wait') {
      entry.lastError = null;
      // ioredis dials by itself, with no lookup of ours: the name is checked here, just before it dials
      // (which resolves again; see the README on the guard's limits).
      await raceAbort(ctx.outbound.resolve(where.host), signal, phase, startedAt, drop);
      await raceAbort(entry.client.connect(), signal, phase, startedAt, drop);
    }
    phase = reading;
    return await raceAbort(read(entry.client), signal, phase, startedAt, drop);
  } catch (error) {
    if (error instanceof RunAborted) return { ok: false, error: error.text };
    const text = redisErrorText(error, phase === connecting ? entry.lastError : null, where, phase);
    // A reply error leaves the connection usable; anything else (refused, reset, closed) starts afresh next run.
    if ((error as Error)?.name !== 'ReplyError') drop();
    return { ok: false, error: text };
  }
}
