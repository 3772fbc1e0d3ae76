// What every queue_depth backend returns, and the helpers they share to race a client call against the
// run's AbortSignal: none of the clients (ioredis, amqplib, nats) takes a signal for a command.
import type { ProbeContext } from '../context.js';
import type { ProbeSample } from '../probe.js';
import { abortMessage, networkErrorMessage } from '../outcome-text.js';

/** The fields of a queue_depth check, after the schema: one backend URL and the names it needs. */
export interface QueueTarget {
  readonly redis?: string;
  readonly bullmq?: string;
  readonly celery?: string;
  readonly rabbitmq?: string;
  readonly redis_stream?: string;
  readonly nats?: string;
  readonly queue?: string;
  readonly stream?: string;
  readonly group?: string;
  readonly consumer?: string;
  readonly prefix?: string;
  readonly timestamp_path?: string;
  readonly expect?: { readonly depth_under?: number; readonly oldest_under?: number };
}

/** What a backend read from its system. */
export interface QueueReading {
  /** The `queue` label: the queue's name, or `stream/group`, `stream/consumer`. */
  readonly queue: string;
  /** Jobs per state, in the system's own words (`waiting`, `active`, `ready`, `lag`, `ack_pending`, …). */
  readonly states: Readonly<Record<string, number>>;
  /** The jobs waiting to be picked up: what `depth_under` compares. */
  readonly depth: number;
  /** When the oldest job still waiting (or unacknowledged) became ready, epoch ms; null when the system does not say. */
  readonly oldestReadyAt: number | null;
  /** Further series (`queue_consumers`, `queue_paused`, …). */
  readonly samples?: readonly ProbeSample[];
  /** Why `oldestReadyAt` is null though jobs wait (messages without a timestamp): fails an `oldest_under`. */
  readonly ageUnknownReason?: string;
}

/** A reading, or why there is none (refused, timed out, queue missing), as text without the URL. */
export type BackendResult = { readonly ok: true; readonly reading: QueueReading } | { readonly ok: false; readonly error: string };

/** One backend: reads a queue of its system. */
export interface QueueBackend {
  /** The config key that selects it and holds its URL: `redis`, `bullmq`, … */
  readonly key: string;
  /** The fields it requires besides its URL, and the ones it also accepts. */
  readonly required: readonly (keyof QueueTarget)[];
  readonly optional: readonly (keyof QueueTarget)[];
  /** URL schemes it accepts. */
  readonly schemes: readonly string[];
  /** The port when the URL names none. */
  readonly defaultPort: number;
  read(url: URL, target: QueueTarget, signal: AbortSignal, ctx: ProbeContext): Promise<BackendResult>;
}

/** `host:port` of a URL for messages: never the URL itself, which may carry a password. */
export function hostPort(url: URL, defaultPort: number): { host: string; port: number; where: string } {
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = url.port ? Number(url.port) : defaultPort;
  return { host, port, where: `${host}:${port}` };
}

/** Thrown inside a backend's call chain when the run's signal aborts; carries the phase text. */
export class RunAborted extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

/**
 * Resolves with `work`, or rejects with `RunAborted` as soon as `signal` aborts; `onAbort` then releases
 * what `work` holds (destroys the socket), so nothing is left waiting on a silent server.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal, phase: string, startedAt: number, onAbort: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort();
    work.catch(() => {});
    return Promise.reject(new RunAborted(abortMessage(signal, phase, startedAt)));
  }
  return new Promise<T>((resolve, reject) => {
    const aborted = (): void => {
      onAbort();
      reject(new RunAborted(abortMessage(signal, phase, startedAt)));
    };
    signal.addEventListener('abort', aborted, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', aborted);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', aborted);
        reject(error);
      },
    );
  });
}

/** A socket-level error (refused, reset, DNS) as a sentence naming `host:port`; null for anything else. */
export function socketErrorText(error: unknown, host: string, port: number, phase: string): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$|^ERR_TLS|^ERR_SSL|^CERT_|^DEPTH_ZERO|^SELF_SIGNED|^UNABLE_TO/.test(code)) return null;
  return networkErrorMessage(error, host, port, phase);
}

/** An error's message, without any URL in it (clients quote the URL they were given). */
export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>');
}

/**
 * An enqueue time as epoch ms: a number of seconds (Sidekiq's `enqueued_at`, AMQP's `timestamp`) or of
 * milliseconds (told apart by size: 1e11 s is the year 5138), a numeric string, or an ISO 8601 text.
 */
export function epochMsOf(value: unknown): number | null {
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return epochMsOf(Number(value));
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value < 1e11 ? value * 1000 : value;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : parsed;
  }
  return null;
}

/** The earliest of some times, ignoring the unknown ones. */
export function earliest(times: Iterable<number | null>): number | null {
  let found: number | null = null;
  for (const time of times) if (time !== null && (found === null || time < found)) found = time;
  return found;
}

/** How long a shutdown waits for a graceful close (so the server logs no dropped client) before cutting the socket. */
export const GRACEFUL_CLOSE_MS = 1000;

/** Closes gracefully, or cuts with `kill` after GRACEFUL_CLOSE_MS: a silent server must not hold up shutdown. */
export async function closeWithin(graceful: () => Promise<unknown>, kill: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, GRACEFUL_CLOSE_MS);
  });
  await Promise.race([graceful().catch(() => {}), cut]);
  clearTimeout(timer);
  kill();
}

/** How a backend's kept connection is judged and ended. */
export interface KeptConnectionOps<K> {
  /** It can no longer be used (closed by the server, errored): the next run opens another. */
  broken(kept: K): boolean;
  /** Ends it at once: a graceful close may wait on a server that went silent. */
  kill(kept: K): void;
  /** Ends it gracefully, at shutdown (bounded by closeWithin). */
  close(kept: K): Promise<unknown>;
}

/** One backend's connections in one probe context, one per URL: kept between runs, closed with the context. */
export class KeptConnections<K> {
  readonly #kept = new Map<string, K>();
  readonly #ops: KeptConnectionOps<K>;

  constructor(ops: KeptConnectionOps<K>) {
    this.#ops = ops;
  }

  get(url: string): K | undefined {
    const kept = this.#kept.get(url);
    if (kept !== undefined && this.#ops.broken(kept)) {
      this.drop(url);
      return undefined;
    }
    return kept;
  }

  /** Keeps `kept` for `url`; returns false when another run kept one first (the caller closes its own). */
  keep(url: string, kept: K): boolean {
    if (this.#kept.has(url)) return false;
    this.#kept.set(url, kept);
    return true;
  }

  /** Forgets the connection of `url` and kills it (after an abort or a broken connection). */
  drop(url: string): void {
    const kept = this.#kept.get(url);
    this.#kept.delete(url);
    if (kept !== undefined) this.#ops.kill(kept);
  }

  async close(): Promise<void> {
    const all = [...this.#kept.values()];
    this.#kept.clear();
    await Promise.all(all.map((kept) => closeWithin(() => this.#ops.close(kept), () => this.#ops.kill(kept))));
  }
}
