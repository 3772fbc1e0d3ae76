// Requests per client ([X1]): a token bucket per API token (per client address without one), one set
// of buckets per class of route — the API, ingest (OTLP, heartbeat beats) and /metrics scrapes — so
// that a client busy on one never starves its own use of another (a dashboard never delays the
// Prometheus scrape from the same host). /health/* is never limited: a load balancer's probe that got a
// 429 would take a healthy instance out. Memory is bounded: at most `maxClients` buckets per class, the
// longest idle forgotten first (a forgotten bucket is a full one, which an idle client's would be anyway).
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { hashToken } from '../auth/tokens.js';
import type { RateBucketConfig, RateLimitConfig } from '../config/types.js';
import type { ErrorResponse } from './types.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets by client key, bounded in number. Time is passed in (monotonic milliseconds). */
export class TokenBuckets {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxClients: number;
  // Insertion order is recency order: a bucket used is moved to the end, the first is the longest idle.
  readonly #buckets = new Map<string, Bucket>();
  #refused = 0;

  constructor(config: RateBucketConfig, maxClients: number) {
    this.#perMs = config.perSecond / 1000;
    this.#burst = config.burst;
    this.#maxClients = maxClients;
  }

  /** Clients tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Requests refused since the start (for /metrics). */
  get refused(): number {
    return this.#refused;
  }

  /** Takes one request from `key`'s bucket at `now`: 0 when allowed, else the milliseconds until one would be. */
  take(key: string, now: number): number {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.#burst, at: now };
      if (this.#buckets.size >= this.#maxClients) this.#buckets.delete(this.#buckets.keys().next().value!);
    } else {
      this.#buckets.delete(key);
      bucket.tokens = Math.min(this.#burst, bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs);
      bucket.at = now;
    }
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    this.#refused++;
    return Math.ceil((1 - bucket.tokens) / this.#perMs);
  }
}

/** The classes of route, each with its own buckets. */
export const RATE_LIMIT_CLASSES = ['api', 'ingest', 'metrics'] as const;

/** The buckets of each class of route, shared by every listener of one Vigil. */
export interface RateLimits {
  readonly api: TokenBuckets;
  readonly ingest: TokenBuckets;
  readonly metrics: TokenBuckets;
  /** Monotonic milliseconds (a wall clock that jumps would empty or refill every bucket at once). */
  readonly now: () => number;
}

/** The buckets `server.rate_limit` describes; null when it is disabled. */
export function createRateLimits(config: RateLimitConfig, now: () => number = () => performance.now()): RateLimits | null {
  if (!config.enabled) return null;
  return {
    api: new TokenBuckets(config.api, config.maxClients),
    ingest: new TokenBuckets(config.ingest, config.maxClients),
    metrics: new TokenBuckets(config.metrics, config.maxClients),
    now,
  };
}

/**
 * Who a request counts against: its bearer token (hashed; checked later by the API's guard, so a
 * made-up token only buys a bucket of its own, within `maxClients`), else the peer's address. Behind a
 * reverse proxy every anonymous client is the proxy's address: give such clients tokens.
 */
export function clientKey(c: Context): string {
  const match = /^Bearer\s+(\S+)/i.exec(c.req.header('authorization') ?? '');
  if (match) return `token:${hashToken(match[1]!)}`;
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return `addr:${incoming?.socket?.remoteAddress ?? 'unknown'}`;
}

/** Refuses a request past its client's bucket with 429, Retry-After and the API's error shape. */
export function rateLimit(limits: RateLimits, classOf: (c: Context) => keyof Omit<RateLimits, 'now'>): MiddlewareHandler {
  return async (c, next) => {
    const waitMs = limits[classOf(c)].take(clientKey(c), limits.now());
    if (waitMs === 0) return next();
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return c.json<ErrorResponse>(
      { error: { code: 'rate_limited', message: `too many requests from this client; retry in ${seconds} s (server.rate_limit)` } },
      429,
      { 'retry-after': String(seconds) },
    );
  };
}
