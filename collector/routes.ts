// The OTLP/HTTP receiver (opentelemetry-proto, docs/specification.md "OTLP/HTTP"), a Hono sub-app
// mounted at /v1 on Vigil's port and, when configured, on its own port (4318):
//   POST /v1/metrics, /v1/traces: application/x-protobuf or application/json (the answer in the same
//   encoding), Content-Encoding gzip or none. 200 with an empty response, or with partial success
//   (rejected count and a message) when some points were refused; 400 with a Status body when the
//   body is malformed; 413 past the body limit (after decompression); 415 for another content type or
//   encoding; 503 with Retry-After when the ingest queue is full or the store is not taking writes.
//   /v1/logs: 404 with a Status saying Vigil keeps no logs, so an exporter stops and says so.
// A 200 is sent only once the request's samples are committed to the store (see IngestWriter.flushed):
// on SQLite, in the WAL, which survives kill -9 of Vigil.
import { Readable } from 'node:stream';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { IngestWriter } from '../ingest/writer.js';
import { BodyError, ByteBudget, readBody, type BodySource } from './body.js';
import type { IngestOutcome, OtlpCollector } from './collector.js';
import type { CollectorMetrics, RequestResult, Signal } from './metrics.js';
import { decodeMetricsProto, decodeTracesProto, encodeMetricsResponse, encodeStatus, encodeTracesResponse } from './otlp/proto.js';
import { fastMetricsRequest, fastTracesRequest } from './otlp/json-fast.js';
import { metricsRequestSchema, tracesRequestSchema } from './otlp/schema.js';

export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;
export const DEFAULT_QUEUE_BYTES = 128 * 1024 * 1024;

export interface CollectorRouteOptions {
  readonly collector: OtlpCollector;
  readonly writer: Pick<IngestWriter, 'flushed' | 'stats'>;
  readonly metrics?: CollectorMetrics | null;
  /** Largest body, on the wire and decompressed. */
  readonly maxBodyBytes: number;
  /** Bytes all requests in flight may hold together (the ingest queue). */
  readonly queue: ByteBudget;
  /** Samples waiting for the store past which requests are refused with 503 (the store is behind). */
  readonly maxBacklogSamples?: number;
  /** Seconds a refused client is told to wait. */
  readonly retryAfterSeconds?: number;
  /** Runs before every route: who may send data (auth/ingest.ts ingestGuard); none lets anyone. */
  readonly guard?: MiddlewareHandler;
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
type Encoding = 'protobuf' | 'json';

// gRPC codes for the Status body.
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const RESOURCE_EXHAUSTED = 8;
const UNAVAILABLE = 14;

/** The receiver's routes, to mount at /v1. */
export function collectorRoutes(opts: CollectorRouteOptions): Hono {
  const app = new Hono();
  if (opts.guard) app.use('*', opts.guard);
  const retryAfter = String(opts.retryAfterSeconds ?? 5);
  const maxBacklog = opts.maxBacklogSamples ?? 100_000;

  const status = (c: Context, signal: Signal, encoding: Encoding, http: 400 | 404 | 413 | 415 | 503, code: number, message: string, result: RequestResult) => {
    opts.metrics?.request(signal, result);
    const headers: Record<string, string> = http === 503 ? { 'retry-after': retryAfter } : {};
    if (encoding === 'protobuf') return c.body(encodeStatus(code, message) as Uint8Array<ArrayBuffer>, http, { ...headers, 'content-type': PROTOBUF });
    return c.json({ code, message }, http, headers);
  };

  const handle = (signal: 'metrics' | 'traces') => async (c: Context) => {
    const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const encoding: Encoding | null = contentType === PROTOBUF ? 'protobuf' : contentType === JSON_TYPE ? 'json' : null;
    if (encoding === null) {
      return status(c, signal, 'json', 415, INVALID_ARGUMENT, `unsupported content type "${contentType}": send ${PROTOBUF} or ${JSON_TYPE}`, 'unsupported_media_type');
    }
    const contentEncoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
    if (contentEncoding !== 'gzip' && contentEncoding !== 'identity') {
      return status(c, signal, encoding, 415, INVALID_ARGUMENT, `unsupported content encoding "${contentEncoding}": send gzip or none`, 'unsupported_media_type');
    }
    const length = Number(c.req.header('content-length'));
    if (length > opts.maxBodyBytes) {
      return status(c, signal, encoding, 413, RESOURCE_EXHAUSTED, `the request body is larger than the limit of ${opts.maxBodyBytes} bytes`, 'too_large');
    }
    if (opts.writer.stats().bufferedSamples > maxBacklog) {
      return status(c, signal, encoding, 503, UNAVAILABLE, 'the store is behind: retry later', 'unavailable');
    }
    const held = { bytes: 0 };
    try {
      let body: Uint8Array;
      try {
        body = await readBody(bodyOf(c), { gzip: contentEncoding === 'gzip', limit: opts.maxBodyBytes, budget: opts.queue, held });
      } catch (error) {
        if (!(error instanceof BodyError)) throw error;
        const result = error.status === 413 ? 'too_large' : error.status === 503 ? 'unavailable' : 'bad_request';
        const code = error.status === 413 ? RESOURCE_EXHAUSTED : error.status === 503 ? UNAVAILABLE : INVALID_ARGUMENT;
        return status(c, signal, encoding, error.status, code, error.message, result);
      }
      let outcome: IngestOutcome;
      try {
        outcome = ingest(opts.collector, signal, encoding, body);
      } catch (error) {
        return status(c, signal, encoding, 400, INVALID_ARGUMENT, `malformed ${signal} request: ${describe(error)}`, 'bad_request');
      }
      if (!(await opts.writer.flushed())) {
        // The samples stay buffered and are written when the store recovers; a retry writes the same
        // samples again (a sample replaces the one at its series and time), so nothing is counted twice.
        return status(c, signal, encoding, 503, UNAVAILABLE, 'the store is not taking writes: retry later', 'unavailable');
      }
      opts.metrics?.request(signal, outcome.rejected > 0 ? 'partial' : 'ok');
      return success(c, signal, encoding, outcome);
    } finally {
      opts.queue.give(held.bytes);
    }
  };

  app.post('/metrics', handle('metrics'));
  app.post('/traces', handle('traces'));
  app.post('/logs', (c) => {
    const encoding: Encoding = (c.req.header('content-type') ?? '').startsWith(PROTOBUF) ? 'protobuf' : 'json';
    return status(c, 'logs', encoding, 404, NOT_FOUND, 'Vigil does not keep logs: send them to a log store (set OTEL_LOGS_EXPORTER=none to stop exporting them here)', 'not_found');
  });
  return app;
}

/** Node's request stream when the Node server hands it over and nothing has read it yet, else the web body. */
function bodyOf(c: Context): BodySource | null {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof Readable && !incoming.readableDidRead ? incoming : c.req.raw.body;
}

function ingest(collector: OtlpCollector, signal: 'metrics' | 'traces', encoding: Encoding, body: Uint8Array): IngestOutcome {
  // An empty body is an empty request in either encoding (protobuf: no fields; JSON: nothing sent).
  if (body.length === 0) return { received: 0, rejected: 0, message: '' };
  if (signal === 'metrics') {
    const request = encoding === 'protobuf' ? decodeMetricsProto(body) : parseJson(metricsRequestSchema, fastMetricsRequest, body);
    return collector.ingestMetrics(request);
  }
  const request = encoding === 'protobuf' ? decodeTracesProto(body) : parseJson(tracesRequestSchema, fastTracesRequest, body);
  return collector.ingestTraces(request);
}

/** The request as `schema` outputs it: `fast` when it takes the body as is, else the schema (which words the errors). */
function parseJson<T extends z.ZodType>(schema: T, fast: (value: unknown) => z.output<T> | null, body: Uint8Array): z.output<T> {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const value: unknown = JSON.parse(text);
  const quick = fast(value);
  if (quick !== null) return quick;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new Error(
    parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)'}: ${issue.message}`)
      .join('; '),
  );
}

function describe(error: unknown): string {
  // The decoders and the schema recurse into attribute values (arrayValue, kvlistValue), which OTLP lets
  // nest without a bound: past a few hundred levels the stack runs out, which is the sender's doing.
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'values nested too deeply';
  return error instanceof Error ? error.message : String(error);
}

function success(c: Context, signal: 'metrics' | 'traces', encoding: Encoding, outcome: IngestOutcome): Response {
  const rejected = outcome.rejected;
  if (encoding === 'protobuf') {
    const bytes = signal === 'metrics' ? encodeMetricsResponse(rejected, outcome.message) : encodeTracesResponse(rejected, outcome.message);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': PROTOBUF });
  }
  if (rejected === 0 && !outcome.message) return c.json({});
  // int64 is a decimal string in OTLP/JSON.
  const partialSuccess = signal === 'metrics' ? { rejectedDataPoints: String(rejected), errorMessage: outcome.message } : { rejectedSpans: String(rejected), errorMessage: outcome.message };
  return c.json({ partialSuccess });
}

export { ByteBudget };
