// The live view in the Prometheus text exposition format (version 0.0.4), rendered by hand instead of
// through prom-client: at 60,000 series prom-client's gauges cost 0.3–0.7 s per scrape on the event loop
// (re-setting every series, hashing its labels, formatting it again). Here each series' line prefix
// (name and sorted, escaped labels) is built once, on first sight, and kept as UTF-8 bytes; a scrape
// copies it and writes the value as ASCII into the chunk's bytes, a few thousand series per chunk,
// yielding to the event loop between chunks (the probe scheduler shares it).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { LiveSeries, LiveView } from '../ingest/live-view.js';
import { ChunkWriter, LINE_FEED } from './chunk-writer.js';
import { PrefixCache } from './prefix-arena.js';

/** The content type of the text exposition format that both prom-client and this module write. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** The content type of OpenMetrics 1.0, written when the scraper asks for it (Prometheus does). */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** Which exposition format a scrape is written in. */
export type ExpositionFormat = 'text' | 'openmetrics';

/**
 * The format an `Accept` header asks for: OpenMetrics when it accepts `application/openmetrics-text`
 * (version 1.0.0 or unversioned) at least as much as the text format, else the text format (0.0.4),
 * which every scraper takes. Prometheus 2.x sends `application/openmetrics-text;version=1.0.0,…,
 * text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`.
 */
export function negotiateExposition(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'text';
  let openMetrics = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    let q = 1;
    let version: string | null = null;
    for (const param of params) {
      const [key, value = ''] = param.split('=').map((part) => part.trim());
      if (key === 'q') q = Number.isFinite(Number(value)) ? Number(value) : 0;
      else if (key === 'version') version = value;
    }
    if (type === 'application/openmetrics-text' && (version === null || version === '1.0.0')) openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'text';
}

/** The content type of a format. */
export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : EXPOSITION_CONTENT_TYPE;
}

/** How a scrape hands out its chunks. */
export interface ChunkOptions {
  /** Every chunk in the same bytes, for a reader done with each chunk before it asks for the next (the gzip thread). */
  readonly reuse?: boolean;
}

/** Series per chunk: ~1–3 ms of work and ~175 KB of text each (bench/metrics.mjs, 60,000 series). */
export const DEFAULT_SERIES_PER_CHUNK = 2_000;

const HELP: Readonly<Record<string, string>> = {
  probe_success: 'Whether the last run of the check succeeded (1) or failed (0).',
  probe_duration_seconds: 'Duration of the last run of the check, in seconds (percentiles: vigil_probe_duration_seconds, a histogram).',
  probe_http_status_code: 'HTTP status code of the last run of the check.',
  tls_cert_expiry_seconds: 'Seconds until the TLS certificate of the target expires.',
  replica_lag_seconds: 'Replication lag reported by the target, in seconds.',
  replica_lag_bytes: 'Replication lag reported by the target, in bytes.',
  queue_depth: 'Jobs waiting in the queue, as reported by the target.',
  heartbeat_age_seconds: 'Seconds since the last heartbeat.',
  health_component_up: 'Whether a component of the target reports itself up (1) or down (0).',
};

/** Prefix of every live-view metric on /metrics. */
export const LIVE_METRIC_PREFIX = 'vigil_';

/**
 * Live metrics exposed under another name. The last run's duration leaves `vigil_probe_duration_seconds`
 * to the latency histogram (api/probe-metrics.ts) and is `vigil_probe_last_duration_seconds` on /metrics
 * (it was `vigil_probe_duration_seconds`, a gauge, before [G1]); inside Vigil (store, rules, API) it
 * keeps its name.
 */
export const LIVE_METRIC_RENAMES: Readonly<Record<string, string>> = { probe_duration_seconds: 'probe_last_duration_seconds' };
const RENAMED_TO = new Set(Object.values(LIVE_METRIC_RENAMES));

/** The name a live metric has on /metrics. */
export function exposedName(name: string): string {
  return LIVE_METRIC_PREFIX + (LIVE_METRIC_RENAMES[name] ?? name);
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_VALUE_SPECIAL = /[\\"\n]/;
const HELP_SPECIAL = /[\\\n]/;

/** A label value as the exposition format wants it: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  if (!LABEL_VALUE_SPECIAL.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A HELP text as the exposition format wants it: backslash and line feed escaped (quotes stay). */
export function escapeHelp(text: string): string {
  if (!HELP_SPECIAL.test(text)) return text;
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A HELP text as OpenMetrics wants it: backslash, line feed and double quote escaped. */
export function escapeOpenMetricsHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * prom-client's text exposition (0.0.4) rewritten as OpenMetrics 1.0 lines (without `# EOF`): a counter's
 * family is named without `_total` (its samples keep it, and get it if they lacked it), HELP escapes
 * double quotes, `untyped` is `unknown`, NaN is spelled `NaN`, and empty lines go.
 */
export function textToOpenMetrics(text: string): string {
  const counters = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) counter$/gm)) counters.add(match[1]!);
  const family = (name: string) => (counters.has(name) ? name.replace(/_total$/, '') : name);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('# HELP ')) {
      const space = line.indexOf(' ', 7);
      const name = space < 0 ? line.slice(7) : line.slice(7, space);
      const help = space < 0 ? '' : line.slice(space + 1).replace(/\\(.)/g, (all, c: string) => (c === 'n' ? '\n' : c === '\\' ? '\\' : all));
      lines[i] = `# HELP ${family(name)} ${escapeOpenMetricsHelp(help)}`;
    } else if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      lines[i] = `# TYPE ${family(name!)} ${type === 'untyped' ? 'unknown' : type}`;
    } else if (line !== '' && !line.startsWith('#')) {
      const end = line.search(/[{ ]/);
      const name = line.slice(0, end);
      let rest = line.slice(end);
      if (/ nan$/i.test(rest)) rest = rest.replace(/ nan$/i, ' NaN');
      lines[i] = (counters.has(name) && !name.endsWith('_total') ? `${name}_total` : name) + rest;
    }
  }
  // OpenMetrics has no empty lines (prom-client writes one between families).
  const kept = lines.filter((line) => line !== '');
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
}

/**
 * A sample value as Prometheus parses it (Go's ParseFloat: `NaN`, `+Inf`, `-Inf`, JavaScript's `1e+21`).
 * A finite one through JSON.stringify, which writes the same digits as String(value): String and
 * template literals go through V8's number-to-string cache, which makes each new string in the old
 * space, so 120,000 values a scrape at 40,000 checks left ~5 MB there for the full GC to mark and sweep
 * (measured: 5.0 MB against 0 for 120,000 random durations, in the same time, 31–36 ms).
 */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return JSON.stringify(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/**
 * Rendering a series' prefix the first time costs about ten times as much as writing a cached one
 * (bench/metrics.mjs: ~5 µs against ~0.5–1 µs), so a chunk holds fewer new series: the first scrape after
 * a start or after many new checks blocks the loop no longer than later ones.
 */
const FIRST_SIGHT_COST = 10;

/** Renders the live view's last values as gauge families, a chunk of lines at a time. */
export class LiveExposition {
  readonly #live: LiveView;
  readonly #seriesPerChunk: number;
  readonly #headers: Record<ExpositionFormat, Map<string, string>> = { text: new Map(), openmetrics: new Map() };
  /**
   * Metrics that have had a series with a label name the format does not allow (left out), so that
   * two series may render the same prefix: their scrapes write a repeated prefix once (the first).
   */
  readonly #lossyMetrics = new Set<string>();
  readonly #prefixes = new PrefixCache();

  constructor(live: LiveView, seriesPerChunk = DEFAULT_SERIES_PER_CHUNK) {
    this.#live = live;
    this.#seriesPerChunk = Math.max(1, seriesPerChunk);
  }

  /**
   * The exposition in chunks of whole lines (never a partial line), each at most `seriesPerChunk`
   * series (fewer when series are new) and about `CHUNK_BYTES`; the caller may let other work run between
   * chunks. The metric names are read when the scrape starts, and each family's series when its turn
   * comes: a series that arrives before then is in it, one that went stale is not, and each series
   * appears once. Metrics named in `taken` (full names: Vigil's own) are left out, and so is a live metric
   * named like where another is renamed to. A metric whose name ends in `_total` is a counter (its last
   * value is the source's count), so in OpenMetrics its family drops the suffix. With `reuse`, every
   * chunk is written into the same bytes (see ChunkWriter): the reader must be done with one before it
   * asks for the next.
   */
  *byteChunks(taken: ReadonlySet<string> = new Set(), format: ExpositionFormat = 'text', { reuse = false }: ChunkOptions = {}): Generator<Uint8Array, void, undefined> {
    const names = this.#live
      .metricNames()
      .filter((name) => METRIC_NAME.test(name) && !RENAMED_TO.has(name) && !taken.has(exposedName(name)))
      .sort((a, b) => (exposedName(a) < exposedName(b) ? -1 : 1));
    this.#forgetAllBut(new Set(names));
    const out = new ChunkWriter({ reuse });
    const prefixes = this.#prefixes;
    const scrape = prefixes.beginScrape();
    let cost = 0;
    for (const name of names) {
      // A snapshot, so that a series pruned and admitted again while the scrape yields is written once.
      const series = Array.from(this.#live.seriesOf(name));
      if (series.length === 0) continue;
      out.text(this.#header(name, format));
      let seen = this.#lossyMetrics.has(name) ? new Set<string>() : null;
      for (let i = 0; i < series.length; i++) {
        const entry = series[i]!;
        // Gone stale while the scrape yielded: not in this scrape (its numbers are gone).
        if (entry.removed) continue;
        if (!prefixes.has(entry)) {
          const [rendered, lossy] = renderPrefix(entry);
          prefixes.add(entry, rendered);
          cost += FIRST_SIGHT_COST - 1;
          if (lossy && !seen) {
            this.#lossyMetrics.add(name);
            seen = new Set(series.slice(0, i).filter((earlier) => !earlier.removed).map((earlier) => prefixKey(prefixes, earlier)));
          }
        }
        scrape.bytes += entry.prefixLength;
        if (seen) {
          const key = prefixKey(prefixes, entry);
          if (seen.has(key)) continue;
          seen.add(key);
        }
        // Read with `has` above, no yield between: the range is in these bytes.
        out.bytes(prefixes.bytes, entry.prefixAt, entry.prefixAt + entry.prefixLength);
        out.ascii(formatValue(entry.value));
        out.byte(LINE_FEED);
        if (++cost >= this.#seriesPerChunk || out.full) {
          yield out.take();
          cost = 0;
        }
      }
    }
    if (out.length > 0) yield out.take();
    prefixes.endScrape(scrape);
  }

  /** Bytes kept for line prefixes: about those of the live series, at most about twice that. */
  get prefixBytes(): number {
    return this.#prefixes.usedBytes;
  }

  /** `byteChunks` as text, chunk by chunk (each is whole lines, so whole UTF-8 characters). */
  *chunks(taken: ReadonlySet<string> = new Set(), format: ExpositionFormat = 'text'): Generator<string, void, undefined> {
    for (const chunk of this.byteChunks(taken, format)) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  }

  /** Metrics that left the live view leave these too (OTLP metric names come and go). */
  #forgetAllBut(names: ReadonlySet<string>): void {
    for (const headers of Object.values(this.#headers)) for (const name of headers.keys()) if (!names.has(name)) headers.delete(name);
    for (const name of this.#lossyMetrics) if (!names.has(name)) this.#lossyMetrics.delete(name);
  }

  #header(name: string, format: ExpositionFormat): string {
    let header = this.#headers[format].get(name);
    if (header === undefined) {
      const fullName = exposedName(name);
      const counter = fullName.endsWith('_total');
      const family = counter && format === 'openmetrics' ? fullName.slice(0, -'_total'.length) : fullName;
      const help = HELP[name] ?? `Last value of ${name}.`;
      header = `# HELP ${family} ${format === 'openmetrics' ? escapeOpenMetricsHelp(help) : escapeHelp(help)}\n# TYPE ${family} ${counter ? 'counter' : 'gauge'}\n`;
      this.#headers[format].set(name, header);
    }
    return header;
  }
}

/**
 * A series' prefix as latin1 text (one character per byte: equal bytes and only those are equal keys),
 * rendered again when the arena no longer holds it (another scrape started a fresh one meanwhile).
 */
function prefixKey(prefixes: PrefixCache, series: LiveSeries): string {
  return prefixes.latin1(series) ?? Buffer.from(renderPrefix(series)[0]).toString('latin1');
}

/**
 * A series' line up to its value, with valid label names only, sorted so that the exposition is stable
 * whatever order a source wrote them in; and whether a label name was left out.
 */
function renderPrefix(series: LiveSeries): [prefix: string, lossy: boolean] {
  let lossy = false;
  const names: string[] = [];
  for (const label in series.labels) {
    if (LABEL_NAME.test(label)) names.push(label);
    else lossy = true;
  }
  names.sort();
  const parts = [exposedName(series.name)];
  for (let i = 0; i < names.length; i++) parts.push(i === 0 ? '{' : ',', names[i]!, '="', escapeLabelValue(series.labels[names[i]!]!), '"');
  parts.push(names.length > 0 ? '} ' : ' ');
  return [parts.join(''), lossy];
}

/**
 * A response body from chunks of text or bytes, produced on demand: the next chunk is made only when the
 * reader (the socket, or gzip) wants more, and only after the event loop has had a turn, so timers and
 * I/O run between chunks rather than after the whole body. Stops producing when the reader cancels. A
 * byte chunk is handed on as it is: its maker must not write to it again, unless the reader is done with
 * each chunk before it asks for the next (a scrape for the gzip thread). Parts other than text and bytes
 * (a section the gzip thread renders) are handed on as they are.
 */
export function chunkedBody<Part extends object = Uint8Array>(chunks: AsyncIterator<string | Part> | Iterator<string | Part>): ReadableStream<Part | Uint8Array> {
  let first = true;
  return new ReadableStream<Part | Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          // Promise callbacks alone never let timers or sockets run: wait for a real turn of the loop.
          if (!first) await nextTurn();
          first = false;
          const next = await chunks.next();
          if (next.done) {
            controller.close();
            return;
          }
          const part = next.value;
          if ((typeof part === 'string' || part instanceof Uint8Array) && part.length === 0) continue;
          controller.enqueue(typeof part === 'string' ? Buffer.from(part, 'utf8') : part);
          return;
        }
      },
      async cancel() {
        await chunks.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
