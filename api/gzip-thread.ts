// Answers to readers gzipped in a thread of Vigil's own at background priority (lib/background-thread.ts),
// not in libuv's thread pool. On a busy 2-core machine the pool's threads run at the main thread's
// priority, and compressing /metrics (67 MB a scrape at 40,000 checks), the status and series answers
// took CPU from the event loop: bench/loop.mjs at 40,000 checks with the readers polling, event-loop max
// 61 and 66 ms with the pool as it is, 47 and 53 ms with the pool's threads reniced to 10 (two runs each).
// The main thread only copies the body into 256 KiB pieces and hands them over (transferred, not cloned);
// the thread hands each piece's buffer back with its output, and the next piece is copied into it.
import type { Worker } from 'node:worker_threads';
import { besideModule, startWorker } from '../lib/source-worker.js';
import type { Gzipper, ScrapeGzipper } from './encoding.js';
import type { BodyPart, FromGzipThread, ChecksSection, ToGzipThread } from './gzip-protocol.js';

/** Input bytes per message to the thread: each is a callback on the main thread both ways. */
const PIECE_BYTES = 256 * 1024;
/** Pieces of one stream compressed or waiting in the thread while the next is read. */
const PIECES_IN_FLIGHT = 2;
/** Piece buffers the thread gave back kept for the next pieces: enough for a few answers at once. */
const SPARE_PIECES = 8;

const WORKER_URL = besideModule(import.meta.url, 'gzip-worker');

interface Pending {
  readonly resolve: (out: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

interface Thread {
  readonly worker: Promise<Worker>;
  /** Resolves once the thread listens: whether it runs at background priority (false off Linux, or where setpriority is refused). */
  readonly lowered: Promise<boolean>;
  readonly setLowered: (lowered: boolean) => void;
}

type LayoutMessage = Extract<ToGzipThread, { kind: 'layout' }>;

/** A body read into one piece of bytes, or up to a section the thread renders itself. */
type Filled = { readonly piece: Uint8Array; readonly last: boolean } | { readonly section: ChecksSection };

/**
 * The gzip thread, started on first use and again after it dies; `close()` ends it. It also renders
 * the checks' histogram and last-run lines of /metrics itself (a section of the body), from the arrays
 * the scrape hands it.
 */
export class GzipThread implements Gzipper, ScrapeGzipper {
  readonly scrapes: ScrapeGzipper = this;
  readonly #pending = new Map<number, Pending>();
  /** Layouts of checks, sent to the thread when registered and again to a thread started anew (kept for its life). */
  readonly #layouts = new Map<number, LayoutMessage>();
  #nextLayout = 1;
  /** Piece buffers back from the thread, to fill again (each has its own ArrayBuffer of PIECE_BYTES). */
  readonly #spare: Buffer[] = [];
  #thread: Thread | null = null;
  #nextSeq = 1;
  #nextStream = 1;
  #closed = false;

  /** Whether the thread lowered its priority (starting it if needed). */
  lowered(): Promise<boolean> {
    return this.#start().lowered;
  }

  registerChecks(labels: readonly string[], les: readonly string[]): number {
    const layout = this.#nextLayout++;
    const message: LayoutMessage = { kind: 'layout', layout, labels, les };
    this.#layouts.set(layout, message);
    // A thread started later gets every layout as it starts.
    const thread = this.#thread;
    if (thread) void thread.worker.then((worker) => worker.postMessage(message), () => {});
    return layout;
  }

  stream(body: ReadableStream<Uint8Array> | readonly Uint8Array[], level: number): ReadableStream<Uint8Array> {
    return this.streamParts(body, level);
  }

  streamParts(body: ReadableStream<BodyPart> | readonly Uint8Array[], level: number): ReadableStream<Uint8Array> {
    const next = chunksOf(body);
    const thread = this.#start();
    const id = this.#nextStream++;
    const inFlight: Array<Promise<Uint8Array>> = [];
    let leftover: Uint8Array | null = null;
    let section: ChecksSection | null = null;
    let first = true;
    let sentLast = false;
    // Copies the body into one piece of up to PIECE_BYTES with a buffer of its own (so it can be
    // transferred), and is done with each chunk before it reads the next; a section ends a piece.
    const fill = async (): Promise<Filled> => {
      if (section !== null) {
        const filled = { section };
        section = null;
        return filled;
      }
      const piece = this.#spare.pop() ?? Buffer.allocUnsafeSlow(PIECE_BYTES);
      let at = 0;
      while (at < PIECE_BYTES) {
        if (leftover === null) {
          const part = await next();
          if (part === null) return { piece: piece.subarray(0, at), last: true };
          if (!(part instanceof Uint8Array)) {
            if (at > 0) {
              section = part;
              return { piece: piece.subarray(0, at), last: false };
            }
            this.#keepSpare(piece);
            return { section: part };
          }
          leftover = part;
        }
        const n = Math.min(PIECE_BYTES - at, leftover.byteLength);
        piece.set(n === leftover.byteLength ? leftover : leftover.subarray(0, n), at);
        at += n;
        leftover = n === leftover.byteLength ? null : leftover.subarray(n);
      }
      return { piece, last: false };
    };
    // The thread keeps a stream's state from its first piece to its last: a stream that ends before
    // (the client went away, the body or a piece failed) is dropped there.
    const drop = () => {
      if (first || sentLast) return;
      sentLast = true;
      void thread.worker.then((worker) => worker.postMessage({ kind: 'drop', stream: id } satisfies ToGzipThread), () => {});
    };
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          try {
            while (!sentLast && inFlight.length < PIECES_IN_FLIGHT) {
              const filled = await fill();
              let out: Promise<Uint8Array>;
              if ('section' in filled) {
                const { layout, counts, lastRuns } = filled.section;
                out = this.#send(thread, { kind: 'checks', seq: 0, stream: id, layout, counts, lastRuns, first, level }, [counts.buffer as ArrayBuffer, lastRuns.buffer as ArrayBuffer]);
              } else {
                out = this.#send(thread, { kind: 'piece', seq: 0, stream: id, input: filled.piece, first, last: filled.last, level }, [filled.piece.buffer as ArrayBuffer]);
                sentLast = filled.last;
              }
              // Awaited in turn below; a failure of a piece not awaited yet (the answer ended first) is no crash.
              out.catch(() => {});
              inFlight.push(out);
              first = false;
            }
            const out = inFlight.shift();
            if (out !== undefined) controller.enqueue(await out);
            if (sentLast && inFlight.length === 0) controller.close();
          } catch (error) {
            drop();
            throw error;
          }
        },
        cancel: async (reason) => {
          drop();
          await next.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }

  async bytes(parts: readonly Uint8Array[], level: number): Promise<Uint8Array> {
    const reader = this.stream(parts, level).getReader();
    const out: Uint8Array[] = [];
    for (let read = await reader.read(); !read.done; read = await reader.read()) out.push(read.value);
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** Ends the thread; pieces still in it fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const thread = this.#thread;
    this.#thread = null;
    this.#failAll(new Error('the gzip thread is closed'));
    if (thread) await (await thread.worker.catch(() => null))?.terminate();
  }

  #start(): Thread {
    if (this.#closed) throw new Error('the gzip thread is closed');
    if (this.#thread) return this.#thread;
    let setLowered: (lowered: boolean) => void = () => {};
    const lowered = new Promise<boolean>((resolve) => (setLowered = resolve));
    const thread: Thread = { worker: startWorker(WORKER_URL), lowered, setLowered };
    this.#thread = thread;
    void thread.worker.then(
      (worker) => {
        // Never what keeps the process alive; close() ends it on shutdown.
        worker.unref();
        for (const layout of this.#layouts.values()) worker.postMessage(layout);
        worker.on('message', (message: FromGzipThread) => {
          if (message.seq === undefined) {
            thread.setLowered(message.lowered);
            return;
          }
          const pending = this.#pending.get(message.seq);
          if (!pending) return;
          this.#pending.delete(message.seq);
          if (message.out) {
            if (message.input) this.#keepSpare(message.input);
            pending.resolve(message.out);
          } else pending.reject(new Error(`gzip failed: ${message.error}`));
        });
        const died = (why: string) => {
          thread.setLowered(false);
          if (this.#thread !== thread) return;
          // Streams half sent to this thread cannot go on in another: their pieces fail, later streams start one anew.
          this.#thread = null;
          this.#failAll(new Error(`the gzip thread stopped: ${why}`));
        };
        worker.on('error', (error) => died(error.message));
        worker.on('exit', (code) => died(`exit code ${code}`));
      },
      () => {
        thread.setLowered(false);
        if (this.#thread === thread) this.#thread = null;
      },
    );
    return thread;
  }

  async #send(thread: Thread, message: Extract<ToGzipThread, { kind: 'piece' | 'checks' }>, transfer: ArrayBuffer[]): Promise<Uint8Array> {
    const worker = await thread.worker;
    if (this.#thread !== thread) throw new Error('the gzip thread stopped during the answer');
    const seq = this.#nextSeq++;
    const out = new Promise<Uint8Array>((resolve, reject) => this.#pending.set(seq, { resolve, reject }));
    worker.postMessage({ ...message, seq }, transfer);
    return out;
  }

  /** Keeps a piece's buffer the thread gave back, whole, for a later piece (up to SPARE_PIECES). */
  #keepSpare(input: Uint8Array): void {
    const buffer = input.buffer;
    if (this.#spare.length >= SPARE_PIECES || !(buffer instanceof ArrayBuffer) || buffer.byteLength !== PIECE_BYTES) return;
    this.#spare.push(Buffer.from(buffer, 0, PIECE_BYTES));
  }

  #failAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }
}

/** A reader of `body`'s parts (null at its end, empty chunks skipped), and its cancel. */
function chunksOf(body: ReadableStream<BodyPart> | readonly Uint8Array[]): (() => Promise<BodyPart | null>) & { cancel(reason: unknown): Promise<void> } {
  if (Array.isArray(body)) {
    const parts = body as readonly Uint8Array[];
    let i = 0;
    const next = async () => {
      while (i < parts.length) {
        const part = parts[i++]!;
        if (part.byteLength > 0) return part;
      }
      return null;
    };
    return Object.assign(next, { cancel: async () => {} });
  }
  const reader = (body as ReadableStream<BodyPart>).getReader();
  const next = async () => {
    for (;;) {
      const read = await reader.read();
      if (read.done) return null;
      if (!(read.value instanceof Uint8Array) || read.value.byteLength > 0) return read.value;
    }
  };
  return Object.assign(next, { cancel: (reason: unknown) => reader.cancel(reason) });
}
