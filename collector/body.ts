// Reading an OTLP request body within bounds: the wire bytes and the decompressed bytes each within the
// body limit, and every byte held counted against the ingest queue's budget, so that neither a large
// upload nor a gzip bomb (a small body that inflates to gigabytes) costs more memory than the limits.
import { Readable } from 'node:stream';
import { gunzip } from 'node:zlib';

/** Deflate's largest expansion: 258 bytes per 2 bits, plus headers. */
const MAX_DEFLATE_RATIO = 1032;

/** The bytes of the requests in flight (read, decoded or being written), bounded. */
export class ByteBudget {
  readonly #limit: number;
  #used = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  /** Takes `n` bytes if they fit; false when the budget is spent (the caller answers 503). */
  take(n: number): boolean {
    if (this.#used + n > this.#limit) return false;
    this.#used += n;
    return true;
  }

  give(n: number): void {
    this.#used = Math.max(0, this.#used - n);
  }
}

async function* webChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Why a body could not be read, as the HTTP status to answer with. */
export class BodyError extends Error {
  override name = 'BodyError';
  constructor(
    readonly status: 400 | 413 | 503,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A request body: a web stream, or Node's own request stream where the server hands it over (read
 * directly, it skips the web-stream layer and the Request object built around it: ~5 % of the
 * collector's CPU per request, measured on bench/otlp.mjs).
 */
export type BodySource = ReadableStream<Uint8Array> | Readable;

/**
 * Reads the body (at most `limit` bytes on the wire), then gunzips it when `gzip` (stopping as soon as
 * the output passes `limit`: the rest is never inflated). Bytes held are taken from `budget` and
 * added to `held.bytes`; the caller gives them back when the request is done.
 */
export async function readBody(
  body: BodySource | null,
  opts: { readonly gzip: boolean; readonly limit: number; readonly budget: ByteBudget; readonly held: { bytes: number } },
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Stopping early neither cancels nor destroys the body: the answer (413, 503) still goes out on the connection.
  const source: AsyncIterable<Uint8Array> = body instanceof Readable ? body.iterator({ destroyOnReturn: false }) : webChunks(body);
  for await (const value of source) {
    total += value.length;
    if (total > opts.limit) throw new BodyError(413, `the request body is larger than the limit of ${opts.limit} bytes`);
    if (!opts.budget.take(value.length)) throw new BodyError(503, 'the ingest queue is full');
    opts.held.bytes += value.length;
    chunks.push(value);
  }
  const wire = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  if (!opts.gzip || wire.length === 0) return wire;
  // Inflating needs room for its output before its size is known: the most deflate can inflate to
  // (~1032× its input), within the limit, is taken up front and the rest given back after.
  const reserve = Math.min(opts.limit, wire.length * MAX_DEFLATE_RATIO);
  if (!opts.budget.take(reserve)) throw new BodyError(503, 'the ingest queue is full');
  opts.held.bytes += reserve;
  const inflated = await new Promise<Buffer>((resolve, reject) =>
    gunzip(wire, { maxOutputLength: opts.limit }, (error, out) => {
      if (!error) resolve(out);
      else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        reject(new BodyError(413, `the request body is larger than the limit of ${opts.limit} bytes once decompressed`));
      } else reject(new BodyError(400, `the gzip body cannot be decompressed: ${error.message}`));
    }),
  );
  opts.budget.give(reserve - inflated.length);
  opts.held.bytes -= reserve - inflated.length;
  return inflated;
}
