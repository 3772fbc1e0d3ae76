// Large answers gzipped off the main thread: by the gzip thread (api/gzip-thread.ts) in the server, or
// by node:zlib in libuv's thread pool (`poolGzip`, where no thread is given). hono's compress()
// (CompressionStream) works chunk by chunk through web streams, and its plumbing cost main-thread time
// per chunk: at 40,000 checks the status (7.5 MB) was gzipped on the loop that runs the probes.
import { Readable, pipeline } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Context } from 'hono';
import type { BodyPart } from './gzip-protocol.js';
import type { ChecksRenderer } from './probe-metrics.js';

/** What gzips answers: a body as it is read, or parts into one buffer. */
export interface Gzipper {
  /** What gzips a /metrics scrape rendering the checks' section of it itself (the gzip thread); null where it cannot. */
  readonly scrapes: ScrapeGzipper | null;
  /** `body` gzipped at `level` as it is read; cancelling the result (the client went away) cancels `body`. */
  stream(body: ReadableStream<Uint8Array> | readonly Uint8Array[], level: number): ReadableStream<Uint8Array>;
  /** `parts`, joined, gzipped at `level`. */
  bytes(parts: readonly Uint8Array[], level: number): Promise<Uint8Array>;
}

/**
 * A gzipper that takes a /metrics body in parts: bytes, which it copies before it reads the next part (so
 * a scrape may write every chunk into the same bytes), and sections of the checks' histogram and last-run
 * lines, which it renders itself for the layouts of checks registered with it.
 */
export interface ScrapeGzipper extends ChecksRenderer {
  streamParts(body: ReadableStream<BodyPart>, level: number): ReadableStream<Uint8Array>;
}

/** Bodies from this size are gzipped here; smaller ones are left to the compress() middleware. */
export const ONE_SHOT_GZIP_FROM_BYTES = 64 * 1024;

/** Level 4 of 9: a 7.5 MB status gzips in about half level 6's time for a few percent more bytes (status and series JSON repeat themselves a lot). */
export const JSON_GZIP_LEVEL = 4;
/**
 * /metrics at level 1: it is the largest body by far (67 MB a scrape at 40,000 checks) and the most
 * repetitive; a 54 MB exposition took 80–99 ms of a core at level 1 against 145 ms at level 4, for 4.8
 * against 4.4 MB on the wire.
 */
export const METRICS_GZIP_LEVEL = 1;

const gzip = promisify(zlib.gzip);
// Output in 256 KiB pieces, not zlib's 16 KiB: each piece is a callback on the main thread (a 25 MB
// /metrics at 15,000 checks was ~90 of them a scrape, ~130 µs each under load).
const POOL_CHUNK_BYTES = 256 * 1024;

/** node:zlib in libuv's thread pool: the main thread only hands the bytes over and takes the result back. */
export const poolGzip: Gzipper = {
  scrapes: null,
  stream(body, level) {
    const source = Array.isArray(body)
      ? Readable.from(body as readonly Uint8Array[], { objectMode: false })
      : Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
    // pipeline destroys both ends on an error or an early close; its callback only has to exist.
    const out = pipeline(source, zlib.createGzip({ level, chunkSize: POOL_CHUNK_BYTES }), () => {});
    return Readable.toWeb(out) as unknown as ReadableStream<Uint8Array>;
  },
  bytes(parts, level) {
    return gzip(parts.length === 1 ? parts[0]! : Buffer.concat(parts), { level, chunkSize: POOL_CHUNK_BYTES });
  },
};

/** True when the request's Accept-Encoding takes gzip (q > 0, or `*`). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return acceptsEncoding(acceptEncoding, 'gzip');
}

/** True when the request's Accept-Encoding takes `wanted` (`gzip`, `br`) with q > 0, or `*`. */
export function acceptsEncoding(acceptEncoding: string | undefined, wanted: string): boolean {
  if (!acceptEncoding) return false;
  for (const part of acceptEncoding.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== wanted && coding !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * A JSON answer from bytes already serialized: when it is large and the client takes gzip, the bytes
 * `gzipped` gives (a cache hands the same compressed bytes to every client).
 */
export async function jsonBytes(c: Context, body: Uint8Array, headers: Record<string, string>, gzipped: () => Promise<Uint8Array>): Promise<Response> {
  const base = { 'content-type': 'application/json', vary: 'Accept-Encoding', ...headers };
  if (body.byteLength >= ONE_SHOT_GZIP_FROM_BYTES && acceptsGzip(c.req.header('accept-encoding'))) {
    return c.body((await gzipped()) as Uint8Array<ArrayBuffer>, 200, { ...base, 'content-encoding': 'gzip' });
  }
  return c.body(body as Uint8Array<ArrayBuffer>, 200, base);
}

/**
 * A JSON answer in parts (a frame around bytes made elsewhere), sent without joining them: a 9.5 MB
 * series answer joined into one buffer was a 15–30 ms copy on the loop. Gzipped as it streams when it
 * is large and the client takes gzip.
 */
export function jsonParts(c: Context, parts: readonly Uint8Array[], gzipper: Gzipper): Response | Promise<Response> {
  let bytes = 0;
  for (const part of parts) bytes += part.byteLength;
  if (bytes < ONE_SHOT_GZIP_FROM_BYTES) return c.body(Buffer.concat(parts), 200, { 'content-type': 'application/json' });
  const base = { 'content-type': 'application/json', vary: 'Accept-Encoding' };
  if (acceptsGzip(c.req.header('accept-encoding'))) return c.body(gzipper.stream(parts, JSON_GZIP_LEVEL), 200, { ...base, 'content-encoding': 'gzip' });
  return c.body(Readable.toWeb(Readable.from(parts, { objectMode: false })) as unknown as ReadableStream<Uint8Array>, 200, {
    ...base,
    'content-length': String(bytes),
  });
}
