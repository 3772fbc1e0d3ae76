// GET /api/v1/status at scale: at 40,000 checks the whole status is ~7.5 MB of JSON (~70 ms to
// serialize in one piece) and every open dashboard polled it every 5 s. Here an answer is built once per
// short window and handed to every poll in it (serialized and gzipped once), a dashboard's poll with a
// cursor gets only the cells that changed, and a large answer is built a slice of cells at a time with
// the loop free between slices. Each check's JSON is kept until its result changes (status-fragments.ts):
// a build serializes the checks with a new result and copies the rest into one buffer of the answer's
// size (bench/status-build.mjs, 40,000 checks, 10 % changed: 53-66 -> 27-30 ms CPU and 32 -> 3 MB of heap
// allocated a whole answer).
import type { Clock } from '../lib/clock.js';
import type { LiveView } from '../ingest/live-view.js';
import { JSON_GZIP_LEVEL, poolGzip, type Gzipper } from './encoding.js';
import type { Incident } from '../store/types.js';
import { cellIncidents, cellInAnswer, discoveredCells, otlpSources, withDiscovered, type ChangedSince, type OtlpSources, type StatusIndex } from './status.js';
import { CellPieces, StatusFragments, writeCells } from './status-fragments.js';

/** An answer as bytes, shared by the polls of one window. */
export interface StatusAnswer {
  readonly body: Uint8Array;
  readonly etag: string;
  /** The body gzipped, made once on the first poll that asks. */
  gzipped(): Promise<Uint8Array>;
}

export interface StatusFeedOptions {
  /** Names this run of Vigil in cursors: a cursor from another run gets the whole status. */
  readonly runId: string;
  /** How long an answer is handed out again; polls see results at most this much older. */
  readonly maxAgeMs?: number;
  /** Unresolved incidents now (the rules engine's), summed per cell into every answer. */
  readonly incidents?: () => readonly Incident[];
  /** What gzips an answer for the polls that take gzip; default node:zlib in libuv's thread pool. */
  readonly gzip?: Gzipper;
}

/** Checks taken between two turns of the loop (whole cells, at least one): a few ms when all are serialized. */
const CHECKS_PER_SLICE = 2_000;
/** Pieces (a check's JSON or a cell's head) copied into an answer between two turns of the loop: ~1 ms. */
const PIECES_PER_WRITE = 16_000;
/** Distinct cursors answered from one window's cache; more (many clients out of step) are built uncached. */
const MAX_ANSWERS_PER_WINDOW = 64;

interface Window {
  readonly startedAt: number;
  readonly answers: Map<string, Promise<StatusAnswer>>;
}

/** Status answers from the live view, cached per window of `maxAgeMs` and per cursor. */
export class StatusFeed {
  readonly #index: StatusIndex;
  readonly #live: LiveView;
  readonly #clock: Clock;
  readonly #runId: string;
  readonly #maxAgeMs: number;
  readonly #incidents: () => readonly Incident[];
  readonly #gzip: Gzipper;
  /** `"environments":[…],"services":[…]`: the config's part, the same in every whole answer. */
  readonly #configJson: string;
  readonly #fragments: StatusFragments;
  /** The pieces list of the last build, kept for the next one (null while a build has it). */
  #spare: CellPieces | null = null;
  #window: Window | null = null;
  /** The discovered OTLP cells last answered, and a generation that moves when they change: cursors of an
   * older generation get the whole status, so a dashboard learns the new services and environments. */
  #discovered = '';
  #generation = 0;

  constructor(index: StatusIndex, live: LiveView, clock: Clock, options: StatusFeedOptions) {
    this.#index = index;
    this.#live = live;
    this.#clock = clock;
    this.#runId = options.runId;
    this.#maxAgeMs = options.maxAgeMs ?? 1_000;
    this.#incidents = options.incidents ?? (() => []);
    this.#gzip = options.gzip ?? poolGzip;
    const config = JSON.stringify({ environments: index.environments, services: index.services });
    this.#configJson = config.slice(1, -1);
    this.#fragments = new StatusFragments(index);
  }

  /** The answer to a poll: the whole status, or with `since` (a cursor this feed gave out) the cells changed after it. */
  answer(since: string | undefined): Promise<StatusAnswer> {
    const now = this.#clock.now();
    if (this.#window === null || now - this.#window.startedAt >= this.#maxAgeMs || now < this.#window.startedAt) {
      this.#window = { startedAt: now, answers: new Map() };
    }
    const window = this.#window;
    const after = this.#parseCursor(since);
    const key = after === null ? 'all' : String(after);
    const cached = window.answers.get(key);
    if (cached) return cached;
    const built = this.#build(after, now);
    if (window.answers.size < MAX_ANSWERS_PER_WINDOW) {
      window.answers.set(key, built);
      built.catch(() => window.answers.delete(key));
    }
    return built;
  }

  /** The change count in a cursor of this run, or null (none, malformed, another run's, or ahead of this one). */
  #parseCursor(since: string | undefined): number | null {
    if (since === undefined) return null;
    const dot = since.lastIndexOf('.');
    if (dot === -1 || since.slice(0, dot) !== `${this.#runId}~${this.#generation}`) return null;
    const text = since.slice(dot + 1);
    if (!/^\d{1,15}$/.test(text)) return null;
    const count = Number(text);
    return count <= this.#live.checkChanges() ? count : null;
  }

  async #build(after: number | null, at: number): Promise<StatusAnswer> {
    const otlp = otlpSources(this.#live.checkResultsById(), this.#index.cellAt);
    this.#fragments.keepSources(otlp);
    const discoveredKey = otlp.discovered.map((r) => `${r.env}\u0000${r.service}`).join('\u0001');
    if (discoveredKey !== this.#discovered) {
      this.#discovered = discoveredKey;
      this.#generation++;
      // A cursor from before the change takes the whole status, with the new cells' services and environments.
      after = null;
    }
    // Read before the first slice: a result recorded while the answer is built is sent again next time.
    const cursor = `${this.#runId}~${this.#generation}.${this.#live.checkChanges()}`;
    const changed: ChangedSince | null = after === null ? null : { since: after, changesById: this.#live.checkChangesById() };
    const configJson = otlp.discovered.length === 0 ? this.#configJson : JSON.stringify(withDiscovered(this.#index, otlp)).slice(1, -1);
    const head =
      after === null
        ? `{"partial":false,"generatedAt":${at},"cursor":${JSON.stringify(cursor)},${configJson},"cells":[`
        : `{"partial":true,"generatedAt":${at},"cursor":${JSON.stringify(cursor)},"cells":[`;
    const pieces = this.#spare ?? new CellPieces(this.#fragments.piecesOfAll());
    this.#spare = null;
    try {
      const taken = await this.#takeCells(pieces, at, changed, otlp);
      // Discovered OTLP cells are few: every answer has them whole.
      const discovered = discoveredCells(otlp, at);
      const discoveredJson = discovered.length === 0 ? '' : `${taken.cells > 0 ? ',' : ''}${JSON.stringify(discovered).slice(1, -1)}`;
      // Whole in partial answers too: a cell's incidents change without any of its checks changing.
      const tail = `],"incidents":${JSON.stringify(cellIncidents(this.#index, this.#incidents(), otlp))}}`;
      const bytes = Buffer.byteLength(head) + taken.bytes + Buffer.byteLength(discoveredJson) + Buffer.byteLength(tail);
      // One buffer of the answer's size, written from the pieces taken (another build may replace the
      // kept fragments meanwhile) a few slices at a time.
      const body = Buffer.allocUnsafe(bytes);
      let offset = body.write(head, 0);
      for (let from = 0, slice = 0; slice < taken.sliceEnds.length; ) {
        let to = from;
        while (slice < taken.sliceEnds.length && to - from < PIECES_PER_WRITE) to = taken.sliceEnds[slice++]!;
        offset = writeCells(pieces, from, to, body, offset, from > 0);
        from = to;
        if (slice < taken.sliceEnds.length) await yieldToLoop();
      }
      offset += body.write(discoveredJson, offset);
      offset += body.write(tail, offset);
      // The buffer is not zeroed: an answer must never carry bytes it did not write.
      if (offset !== bytes) throw new Error(`status answer: ${offset} bytes written of the ${bytes} measured`);
      let gzipped: Promise<Uint8Array> | null = null;
      return {
        body,
        etag: `"${cursor}.${at}.${after ?? 'all'}"`,
        gzipped: () => (gzipped ??= this.#gzip.bytes([body], JSON_GZIP_LEVEL)),
      };
    } finally {
      pieces.clear();
      this.#spare = pieces;
    }
  }

  /**
   * Appends the answer's configured cells to `pieces`, a slice of cells at a time: a check's JSON is made
   * again only when its result changed. Returns their bytes (commas between them included), how many and
   * where in `pieces` each slice ended.
   */
  async #takeCells(pieces: CellPieces, at: number, changed: ChangedSince | null, otlp: OtlpSources): Promise<TakenCells> {
    const cells = this.#index.cells;
    const sliceEnds: number[] = [];
    let bytes = 0;
    let taken = 0;
    for (let start = 0, end = 0; start < cells.length; start = end) {
      if (start > 0) await yieldToLoop();
      for (let checks = 0; end < cells.length && (end === start || checks + cells[end]!.checks.length <= CHECKS_PER_SLICE); end++) {
        checks += cells[end]!.checks.length;
      }
      const results = this.#live.checkResultsById();
      for (let i = start; i < end; i++) {
        const pushed = otlp.inCell.get(i);
        if (!cellInAnswer(cells[i]!, pushed, results, at, changed)) continue;
        bytes += this.#fragments.appendCell(i, results, at, pushed, pieces) + (taken > 0 ? 1 : 0);
        taken++;
      }
      sliceEnds.push(pieces.length);
    }
    return { bytes, cells: taken, sliceEnds };
  }
}

interface TakenCells {
  readonly bytes: number;
  readonly cells: number;
  readonly sliceEnds: readonly number[];
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
