// GET /api/v1/status at scale: at 40,000 checks the whole status is ~7.5 MB of JSON (~70 ms to
// serialize in one piece) and every open dashboard polled it every 5 s. Here an answer is built once per
// short window and handed to every poll in it (serialized and gzipped once), a dashboard's poll with a
// cursor gets only the cells that changed, and a large answer is built a slice of cells at a time with
// the loop free between slices.
import type { Clock } from '../lib/clock.js';
import type { LiveView } from '../ingest/live-view.js';
import { gzipBytes } from './encoding.js';
import type { Incident } from '../store/types.js';
import { cellIncidents, statusCells, type ChangedSince, type StatusIndex } from './status.js';

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
}

/** Checks serialized between two turns of the loop (whole cells, at least one): a few ms. */
const CHECKS_PER_SLICE = 2_000;
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
  /** `"environments":[…],"services":[…]`: the config's part, the same in every whole answer. */
  readonly #configJson: string;
  #window: Window | null = null;

  constructor(index: StatusIndex, live: LiveView, clock: Clock, options: StatusFeedOptions) {
    this.#index = index;
    this.#live = live;
    this.#clock = clock;
    this.#runId = options.runId;
    this.#maxAgeMs = options.maxAgeMs ?? 1_000;
    this.#incidents = options.incidents ?? (() => []);
    const config = JSON.stringify({ environments: index.environments, services: index.services });
    this.#configJson = config.slice(1, -1);
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
    if (dot === -1 || since.slice(0, dot) !== this.#runId) return null;
    const text = since.slice(dot + 1);
    if (!/^\d{1,15}$/.test(text)) return null;
    const count = Number(text);
    return count <= this.#live.checkChanges() ? count : null;
  }

  async #build(after: number | null, at: number): Promise<StatusAnswer> {
    // Read before the first slice: a result recorded while the answer is built is sent again next time.
    const cursor = `${this.#runId}.${this.#live.checkChanges()}`;
    const changed: ChangedSince | null = after === null ? null : { since: after, changesById: this.#live.checkChangesById() };
    const head =
      after === null
        ? `{"partial":false,"generatedAt":${at},"cursor":${JSON.stringify(cursor)},${this.#configJson},"cells":[`
        : `{"partial":true,"generatedAt":${at},"cursor":${JSON.stringify(cursor)},"cells":[`;
    // Encoded a slice at a time: one join and encode of the whole 7.5 MB text held the loop tens of ms.
    const encoder = new TextEncoder();
    const parts: Uint8Array[] = [encoder.encode(head)];
    const total = this.#index.cells.length;
    let cellsWritten = 0;
    for (let start = 0, end = 0; start < total; start = end) {
      if (start > 0) await yieldToLoop();
      for (let checks = 0; end < total && (end === start || checks + this.#index.cells[end]!.checks.length <= CHECKS_PER_SLICE); end++) {
        checks += this.#index.cells[end]!.checks.length;
      }
      const cells = statusCells(this.#index, this.#live.checkResultsById(), at, start, end, changed);
      if (cells.length === 0) continue;
      const text = JSON.stringify(cells);
      parts.push(encoder.encode(cellsWritten > 0 ? `,${text.slice(1, -1)}` : text.slice(1, -1)));
      cellsWritten += cells.length;
    }
    // Whole in partial answers too: a cell's incidents change without any of its checks changing.
    parts.push(encoder.encode(`],"incidents":${JSON.stringify(cellIncidents(this.#index, this.#incidents()))}}`));
    const body = Buffer.concat(parts);
    let gzipped: Promise<Uint8Array> | null = null;
    return {
      body,
      etag: `"${cursor}.${at}.${after ?? 'all'}"`,
      gzipped: () => (gzipped ??= gzipBytes(body)),
    };
  }
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
