// The hardening settings of `server:` ([X1]): how long a client may take to send its request, how large
// its headers may be, and how many requests a client may make per second. The defaults stop a slow or
// greedy client without a dashboard, a Prometheus scrape or an exporter ever meeting them.
import { z } from 'zod';
import { duration, formatDuration } from '../lib/duration.js';
import { DEFAULT_SERVER_LIMITS, type RateBucketConfig } from './types.js';

function bucketSchema(defaults: RateBucketConfig, what: string) {
  return z
    .strictObject({
      per_second: z.number().positive().max(1_000_000).default(defaults.perSecond).meta({ description: `Requests per second a client may sustain (default ${defaults.perSecond})` }),
      burst: z.number().int().min(1).max(10_000_000).default(defaults.burst).meta({ description: `Requests a client may make at once (default ${defaults.burst})` }),
    })
    .optional()
    .meta({ description: what });
}

const limits = DEFAULT_SERVER_LIMITS;

/** The fields of `server:` besides port and public_url. */
export const serverLimitsShape = {
  headers_timeout: duration()
    .pipe(z.number().min(1000, 'must be at least 1s').max(600_000, 'must be at most 10m'))
    .optional()
    .meta({ description: `How long a client may take to send a request's headers (default ${formatDuration(limits.headersTimeoutMs)}); then 408 and the connection is closed` }),
  request_timeout: duration()
    .pipe(z.number().min(1000, 'must be at least 1s').max(3_600_000, 'must be at most 1h'))
    .optional()
    .meta({ description: `How long a client may take to send a whole request, body included (default ${formatDuration(limits.requestTimeoutMs)})` }),
  keep_alive_timeout: duration()
    .pipe(z.number().min(1000, 'must be at least 1s').max(600_000, 'must be at most 10m'))
    .optional()
    .meta({ description: `How long an idle kept-alive connection stays open (default ${formatDuration(limits.keepAliveTimeoutMs)})` }),
  max_header_bytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .optional()
    .meta({ description: `Largest request line and headers together (default ${limits.maxHeaderBytes}); larger → 431` }),
  rate_limit: z
    .strictObject({
      enabled: z.boolean().default(true).meta({ description: 'Limit requests per client (default true)' }),
      max_clients: z
        .number()
        .int()
        .min(1)
        .max(10_000_000)
        .default(limits.rateLimit.maxClients)
        .meta({ description: `Clients tracked at most; the longest idle is forgotten first (default ${limits.rateLimit.maxClients})` }),
      api: bucketSchema(limits.rateLimit.api, 'The JSON API (/api/v1/…), per API token, else per client address'),
      ingest: bucketSchema(limits.rateLimit.ingest, 'OTLP (/v1/…) and heartbeat beats, per API token, else per client address'),
      metrics: bucketSchema(limits.rateLimit.metrics, '/metrics scrapes, per client address, apart from the API so that API use never starves a scrape'),
    })
    .optional()
    .meta({ description: 'Token buckets per client; past one → 429 with Retry-After. /health/* is never limited' }),
};
