// Large answers compressed by zlib in libuv's thread pool: JSON in one piece, /metrics as it streams.
// hono's compress() (CompressionStream) works chunk by chunk through web streams, and its plumbing cost
// main-thread time per chunk: at 40,000 checks the status (7.5 MB) was gzipped on the loop that runs the probes.
import { Readable, pipeline } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Context } from 'hono';

const gzip = promisify(zlib.gzip);

/** Bodies from this size are gzipped here; smaller ones are left to the compress() middleware. */
export const ONE_SHOT_GZIP_FROM_BYTES = 64 * 1024;

// Level 4 of 9: a 7.5 MB status gzips in about half level 6's time for a few percent more bytes
// (status and series JSON repeat themselves a lot).
// Output in 256 KiB pieces, not zlib's 16 KiB: each piece is a callback on the main thread (a 25 MB
// /metrics at 15,000 checks was ~90 of them a scrape, ~130 µs each under load).
const GZIP_OPTIONS: zlib.ZlibOptions = { level: 4, chunkSize: 256 * 1024 };
// /metrics at level 1: it is the largest body by far (67 MB a scrape at 40,000 checks) and the most
// repetitive; a 54 MB exposition took 80–99 ms of a core at level 1 against 145 ms at level 4, for 4.8
// against 4.4 MB on the wire.
const STREAM_GZIP_OPTIONS: zlib.ZlibOptions = { ...GZIP_OPTIONS, level: 1 };

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

/** gzips in the thread pool; the main thread only hands the buffer over and takes the result back. */
export function gzipBytes(body: Uint8Array): Promise<Uint8Array> {
  return gzip(body, GZIP_OPTIONS);
}

/**
 * A JSON answer from bytes already serialized: gzipped in one piece off the loop when it is large and
 * the client takes gzip (`gzipped` lets a cache hand the same compressed bytes to every client).
 */
export function jsonBytes(
  c: Context,
  body: Uint8Array,
  headers: Record<string, string> = {},
  gzipped?: () => Promise<Uint8Array>,
): Promise<Response> {
  return bytesBody(c, body, 'application/json', headers, gzipped);
}

/** An answer of `contentType` from bytes, gzipped as `jsonBytes` does. */
async function bytesBody(
  c: Context,
  body: Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
  gzipped?: () => Promise<Uint8Array>,
): Promise<Response> {
  const base = { 'content-type': contentType, vary: 'Accept-Encoding', ...headers };
  if (body.byteLength >= ONE_SHOT_GZIP_FROM_BYTES && acceptsGzip(c.req.header('accept-encoding'))) {
    const compressed = await (gzipped ? gzipped() : gzipBytes(body));
    return c.body(compressed as Uint8Array<ArrayBuffer>, 200, { ...base, 'content-encoding': 'gzip' });
  }
  return c.body(body as Uint8Array<ArrayBuffer>, 200, base);
}

/**
 * A JSON answer in parts (a frame around bytes made elsewhere), sent without joining them: a 9.5 MB
 * series answer joined into one buffer was a 15–30 ms copy on the loop. Gzipped as it streams when it
 * is large and the client takes gzip.
 */
export function jsonParts(c: Context, parts: readonly Uint8Array[], headers: Record<string, string> = {}): Response | Promise<Response> {
  let bytes = 0;
  for (const part of parts) bytes += part.byteLength;
  if (bytes < ONE_SHOT_GZIP_FROM_BYTES) return jsonBytes(c, Buffer.concat(parts), headers);
  const base = { 'content-type': 'application/json', vary: 'Accept-Encoding', ...headers };
  if (acceptsGzip(c.req.header('accept-encoding'))) {
    return c.body(gzipped(Readable.from(parts, { objectMode: false }), GZIP_OPTIONS), 200, { ...base, 'content-encoding': 'gzip' });
  }
  return c.body(Readable.toWeb(Readable.from(parts, { objectMode: false })) as unknown as ReadableStream<Uint8Array>, 200, {
    ...base,
    'content-length': String(bytes),
  });
}

/**
 * A body gzipped as it is read, in the thread pool (node:zlib, 256 KiB output pieces), so a large
 * exposition is never held whole in memory (67 MB at 40,000 checks). Cancelling the result (the
 * client went away) cancels `body`.
 */
export function gzipStream(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return gzipped(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), STREAM_GZIP_OPTIONS);
}

function gzipped(body: Readable, options: zlib.ZlibOptions): ReadableStream<Uint8Array> {
  // pipeline destroys both ends on an error or an early close; its callback only has to exist.
  const out = pipeline(body, zlib.createGzip(options), () => {});
  return Readable.toWeb(out) as unknown as ReadableStream<Uint8Array>;
}
