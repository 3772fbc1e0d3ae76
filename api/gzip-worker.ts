// The gzip thread (api/gzip-thread.ts): compresses answers to readers at background priority, with
// zlib's synchronous calls, so that the work runs here and not in libuv's thread pool. Each stream is
// compressed piece by piece as raw deflate blocks, each primed with the last 32 KiB of the input before
// it (what pigz does): the pieces joined are one deflate stream, as small as one deflate call's output,
// framed as gzip (RFC 1952) with the CRC-32 and length of the whole.
import { parentPort } from 'node:worker_threads';
import zlib from 'node:zlib';
import { lowerThisThreadsPriority } from '../lib/background-thread.js';
import { CheckLines } from './check-lines.js';
import { ChunkWriter } from './chunk-writer.js';
import type { FromGzipThread, ToGzipThread } from './gzip-protocol.js';

const WINDOW_BYTES = 32 * 1024;
// ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=3 (Unix), as node:zlib writes it.
const HEADER = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

interface StreamState {
  crc: number;
  /** Input bytes so far, modulo 2^32 (ISIZE). */
  size: number;
  /** The last 32 KiB of input: the next piece's dictionary. */
  window: Buffer | null;
}

const lowered = lowerThisThreadsPriority();
const streams = new Map<number, StreamState>();
/** Layouts of checks by id: each keeps its checks' histogram lines as last rendered here, between scrapes. */
const layouts = new Map<number, CheckLines>();
/** Where a checks section is rendered, a piece at a time (each piece is copied before the next). */
const sectionWriter = new ChunkWriter({ reuse: true });
const port = parentPort!;

port.on('message', (message: ToGzipThread) => {
  if (message.kind === 'drop') {
    streams.delete(message.stream);
    return;
  }
  if (message.kind === 'layout') {
    layouts.set(message.layout, new CheckLines(message.labels, message.les));
    return;
  }
  let reply: FromGzipThread;
  try {
    if (message.kind === 'checks') {
      const out = checks(message.stream, message.layout, message.counts, message.lastRuns, message.first, message.level);
      reply = { seq: message.seq, out };
      port.postMessage(reply, [out.buffer]);
      return;
    }
    const out = piece(message.stream, message.input, message.first, message.last, message.level);
    // The input goes back to be filled again: a fresh 256 KiB buffer a piece (268 a /metrics scrape at
    // 40,000 checks) cost the main thread a mapping, its page faults and V8's external-memory GCs.
    reply = { seq: message.seq, out, input: message.input };
    port.postMessage(reply, [out.buffer, message.input.buffer as ArrayBuffer]);
  } catch (error) {
    streams.delete(message.stream);
    reply = { seq: message.seq, error: error instanceof Error ? error.message : String(error) };
    port.postMessage(reply);
  }
});
port.postMessage({ ready: true, lowered } satisfies FromGzipThread);

/** A layout's section for these arrays, compressed as the next part of stream `id` (never its last). */
function checks(id: number, layout: number, counts: Float64Array, lastRuns: Float64Array, first: boolean, level: number): Uint8Array<ArrayBuffer> {
  const lines = layouts.get(layout);
  if (lines === undefined) throw new Error(`the layout of checks ${layout} is unknown to the gzip thread`);
  // Whatever a section that failed midway left in the writer goes.
  sectionWriter.take();
  const parts: Uint8Array[] = [];
  for (const _ of lines.section(counts, lastRuns, sectionWriter)) {
    if (sectionWriter.full) {
      parts.push(piece(id, sectionWriter.take(), first, false, level));
      first = false;
    }
  }
  if (sectionWriter.length > 0 || first) parts.push(piece(id, sectionWriter.take(), first, false, level));
  const out = new Uint8Array(parts.reduce((bytes, part) => bytes + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function piece(id: number, input: Uint8Array, first: boolean, last: boolean, level: number): Uint8Array<ArrayBuffer> {
  let state = streams.get(id);
  if (first || state === undefined) {
    state = { crc: 0, size: 0, window: null };
    streams.set(id, state);
  }
  const options: zlib.ZlibOptions = { level, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH };
  if (state.window !== null) options.dictionary = state.window;
  const deflated = zlib.deflateRawSync(input, options);
  state.crc = zlib.crc32(input, state.crc);
  state.size = (state.size + input.byteLength) % 2 ** 32;
  state.window = nextWindow(state.window, input);
  const out = new Uint8Array((first ? HEADER.length : 0) + deflated.byteLength + (last ? 8 : 0));
  let at = 0;
  if (first) {
    out.set(HEADER, 0);
    at = HEADER.length;
  }
  out.set(deflated, at);
  if (last) {
    const trailer = new DataView(out.buffer, at + deflated.byteLength, 8);
    trailer.setUint32(0, state.crc >>> 0, true);
    trailer.setUint32(4, state.size, true);
    streams.delete(id);
  }
  return out;
}

function nextWindow(window: Buffer | null, input: Uint8Array): Buffer {
  if (input.byteLength >= WINDOW_BYTES) return Buffer.from(input.subarray(input.byteLength - WINDOW_BYTES));
  const joined = window === null ? Buffer.from(input) : Buffer.concat([window, input]);
  return joined.byteLength > WINDOW_BYTES ? joined.subarray(joined.byteLength - WINDOW_BYTES) : joined;
}
