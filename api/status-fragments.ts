// The JSON of each check's status in GET /api/v1/status, kept from one answer to the next. A check's JSON
// changes only when it records a new result (the live view hands out the same CheckResult object until
// then) or, while it has no fresh result, when the seconds its detail counts move. At 40,000 checks that
// run every 10 s, a build each second serializes the ~4,000 that changed instead of 40,000, and the
// cells are copied from the kept JSON into the body.
// Kept as strings, not Buffers: V8 holds this text one byte a character and its GC compacts it, where
// small Buffers share 8 KiB slabs (one long-lived fragment keeps its whole slab) or cost an ArrayBuffer each.
import type { CheckResult } from '../store/types.js';
import { checkStatus, countsStatus, otlpCheck, OTLP_STALE_AFTER_MS, secondsStale, type IndexedCheck, type OtlpSources, type StatusIndex } from './status.js';
import type { CellStatus, CheckStatus } from './types.js';

/**
 * Cells' JSON as pieces to write in order, per cell: its head up to `"status":"`, the rest up to
 * `"checks":[`, the number of checks, then each check's JSON (written with commas between and `]}` after).
 * Its array is kept for the next build (`clear` drops the references): at 40,000 checks a fresh one
 * growing to ~52,000 pieces allocated 2 MB a build.
 */
export class CellPieces {
  readonly items: (string | number)[];
  length = 0;

  constructor(capacity: number) {
    this.items = new Array<number>(capacity).fill(0);
  }

  push(piece: string | number): void {
    this.items[this.length++] = piece;
  }

  /** Empties the list, letting go of the JSON it held. */
  clear(): void {
    this.items.fill(0, 0, this.length);
    this.length = 0;
  }
}

const UNKNOWN = 0;
const DOWN = 1;
const UP = 2;
const DEGRADED = 3;
const STATUS_CODES: Readonly<Record<CellStatus, number>> = { unknown: UNKNOWN, down: DOWN, up: UP, degraded: DEGRADED };
/** A cell's JSON from its status to its first check; ASCII, so its length is its bytes. */
const STATUS_TAILS: Readonly<Record<CellStatus, string>> = {
  unknown: 'unknown","checks":[',
  down: 'down","checks":[',
  up: 'up","checks":[',
  degraded: 'degraded","checks":[',
};
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/** One OTLP source's kept JSON (configured checks keep theirs in the arrays of `StatusFragments`). */
interface SourceFragment {
  result: CheckResult;
  staleSeconds: number;
  json: string;
  bytes: number;
  status: number;
}

/** The status JSON of every configured check and OTLP source of a configured cell, as last built. */
export class StatusFragments {
  readonly #index: StatusIndex;
  /** Position of each cell's first check in the per-check arrays below. */
  readonly #firstCheck: Int32Array;
  readonly #heads: readonly string[];
  readonly #headBytes: Int32Array;
  /** The result each check's JSON was made from: undefined when it had none, null before the first build. */
  readonly #results: (CheckResult | undefined | null)[];
  /** That result's time (NaN for none). */
  readonly #resultTs: Float64Array;
  /** The seconds without a fresh result its detail says, -1 when fresh. */
  readonly #staleSeconds: Float64Array;
  readonly #json: string[];
  readonly #bytes: Int32Array;
  readonly #statuses: Uint8Array;
  readonly #sources = new Map<string, SourceFragment>();
  /** How many of the cell being appended's checks have each status (by code): reused, the append being synchronous. */
  readonly #tally = new Int32Array(4);

  constructor(index: StatusIndex) {
    this.#index = index;
    const cells = index.cells;
    this.#firstCheck = new Int32Array(cells.length);
    let checks = 0;
    for (let i = 0; i < cells.length; i++) {
      this.#firstCheck[i] = checks;
      checks += cells[i]!.checks.length;
    }
    this.#heads = cells.map((cell) => `{"env":${JSON.stringify(cell.env)},"service":${JSON.stringify(cell.service)},"status":"`);
    this.#headBytes = Int32Array.from(this.#heads, (head) => Buffer.byteLength(head));
    this.#results = new Array<null>(checks).fill(null);
    this.#resultTs = new Float64Array(checks);
    this.#staleSeconds = new Float64Array(checks);
    this.#json = new Array<string>(checks).fill('');
    this.#bytes = new Int32Array(checks);
    this.#statuses = new Uint8Array(checks);
  }

  /**
   * Appends cell `i`'s pieces at `at` to `pieces`, serializing only the checks whose result (or stale
   * seconds) changed since they were kept; returns the cell's length in bytes.
   */
  appendCell(i: number, results: ReadonlyMap<string, CheckResult>, at: number, pushed: readonly CheckResult[] | undefined, pieces: CellPieces): number {
    const checks = this.#index.cells[i]!.checks;
    const count = checks.length + (pushed?.length ?? 0);
    const tailAt = pieces.length + 1;
    pieces.push(this.#heads[i]!);
    pieces.push('');
    pieces.push(count);
    // `]}` after the checks and a comma between each two.
    let bytes = this.#headBytes[i]! + 2 + Math.max(count - 1, 0);
    const tally = this.#tally.fill(0);
    for (let j = 0, k = this.#firstCheck[i]!; j < checks.length; j++, k++) {
      const check = checks[j]!;
      const result = results.get(check.id);
      if (this.#results[k] !== result) this.#keep(k, check, result, at);
      else {
        // The kept result's time is read from here, not from the result: in a server that is one memory
        // read less per check, the results lying all over the heap. secondsStale's rule, written out: a
        // call (or a branch merging this with `result.ts`) boxed the number, 0.6 MB a build at 40,000 checks.
        const ts = this.#resultTs[k]!;
        const staleSeconds = at - ts > check.staleAfterMs ? Math.round((at - ts) / 1000) : -1;
        if (staleSeconds !== this.#staleSeconds[k]) this.#keep(k, check, result, at);
      }
      pieces.push(this.#json[k]!);
      bytes += this.#bytes[k]!;
      tally[this.#statuses[k]!]!++;
    }
    if (pushed) {
      for (const result of pushed) {
        const source = this.#source(result, at);
        pieces.push(source.json);
        bytes += source.bytes;
        tally[source.status]!++;
      }
    }
    const tail = STATUS_TAILS[countsStatus(count - tally[UNKNOWN]!, tally[DOWN]!, tally[UP]!)];
    pieces.items[tailAt] = tail;
    return bytes + tail.length;
  }

  /** Pieces a whole answer's cells take, OTLP sources aside. */
  piecesOfAll(): number {
    return this.#index.cells.length * 3 + this.#json.length;
  }

  /** Makes and keeps check `k`'s JSON from its result at `at`. */
  #keep(k: number, check: IndexedCheck, result: CheckResult | undefined, at: number): void {
    // A result's absence counts as a time of NaN: never stale.
    const ts = result === undefined ? NaN : result.ts;
    const status = checkStatus(check, result, at);
    const json = JSON.stringify(status);
    this.#results[k] = result;
    this.#resultTs[k] = ts;
    this.#staleSeconds[k] = secondsStale(ts, check.staleAfterMs, at);
    this.#json[k] = json;
    this.#bytes[k] = Buffer.byteLength(json);
    this.#statuses[k] = STATUS_CODES[status.status];
  }

  /** Forgets the OTLP sources that are no longer among `otlp`'s in configured cells. */
  keepSources(otlp: OtlpSources): void {
    let count = 0;
    for (const sources of otlp.inCell.values()) count += sources.length;
    if (this.#sources.size <= count) return;
    const current = new Set<string>();
    for (const sources of otlp.inCell.values()) for (const result of sources) current.add(result.checkId);
    for (const id of this.#sources.keys()) if (!current.has(id)) this.#sources.delete(id);
  }

  #source(result: CheckResult, at: number): SourceFragment {
    const staleSeconds = secondsStale(result.ts, OTLP_STALE_AFTER_MS, at);
    const kept = this.#sources.get(result.checkId);
    if (kept && kept.result === result && kept.staleSeconds === staleSeconds) return kept;
    const status: CheckStatus = otlpCheck(result, at);
    const json = JSON.stringify(status);
    const source = { result, staleSeconds, json, bytes: Buffer.byteLength(json), status: STATUS_CODES[status.status] };
    this.#sources.set(result.checkId, source);
    return source;
  }
}

/**
 * Writes the cells in `pieces[from, to)` (whole cells, as `appendCell` left them) into `body` at `offset`,
 * each after a comma when `afterCell`; returns the offset after them.
 */
export function writeCells(pieces: CellPieces, from: number, to: number, body: Buffer, offset: number, afterCell: boolean): number {
  const items = pieces.items;
  let at = offset;
  let k = from;
  while (k < to) {
    if (afterCell || k > from) body[at++] = COMMA;
    at += body.write(items[k] as string, at);
    at += body.write(items[k + 1] as string, at);
    const count = items[k + 2] as number;
    k += 3;
    for (let j = 0; j < count; j++, k++) {
      if (j > 0) body[at++] = COMMA;
      at += body.write(items[k] as string, at);
    }
    body[at++] = CLOSE_BRACKET;
    body[at++] = CLOSE_BRACE;
  }
  return at;
}
