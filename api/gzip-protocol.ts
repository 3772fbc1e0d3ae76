// Messages between the main thread and the gzip thread (api/gzip-thread.ts, api/gzip-worker.ts).

/**
 * The run-driven lines of a layout of checks (api/check-lines.ts), for the gzip thread to render and
 * compress in their place in the stream, from copies taken when the scrape came to them, each with an
 * ArrayBuffer of its own (they are transferred): `counts`, each check's cumulative bucket counts then its
 * sum; `lastRuns`, when each check finished its last run (ms since the epoch, NaN before its first).
 */
export interface ChecksSection {
  readonly kind: 'checks';
  readonly layout: number;
  readonly counts: Float64Array;
  readonly lastRuns: Float64Array;
}

/** A part of a body the gzip thread compresses: bytes, or a section it renders itself. */
export type BodyPart = Uint8Array | ChecksSection;

export type ToGzipThread =
  /** One piece of stream `stream`; the reply carries `seq`. Input and output buffers are transferred, the input back with the reply. */
  | { readonly kind: 'piece'; readonly seq: number; readonly stream: number; readonly input: Uint8Array; readonly first: boolean; readonly last: boolean; readonly level: number }
  /** A checks section rendered and compressed as the next part of stream `stream`; its arrays are transferred. */
  | { readonly kind: 'checks'; readonly seq: number; readonly stream: number; readonly layout: number; readonly counts: Float64Array; readonly lastRuns: Float64Array; readonly first: boolean; readonly level: number }
  /** The checks of a layout (sent before any section that names it): each one's labels, and the buckets' bounds as written. */
  | { readonly kind: 'layout'; readonly layout: number; readonly labels: readonly string[]; readonly les: readonly string[] }
  /** The stream was abandoned (the client went away): forget its state. */
  | { readonly kind: 'drop'; readonly stream: number };

export type FromGzipThread =
  | { readonly ready: true; readonly lowered: boolean; readonly seq?: undefined }
  /** `input`: a piece's input buffer, back to be filled again (none for a checks section). */
  | { readonly seq: number; readonly out: Uint8Array; readonly input?: Uint8Array; readonly error?: undefined }
  | { readonly seq: number; readonly error: string; readonly out?: undefined };
