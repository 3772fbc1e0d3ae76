// The live view in the Prometheus text exposition format (version 0.0.4), rendered by hand instead of
// through prom-client: at 60,000 series prom-client's gauges cost 0.3–0.7 s per scrape on the event loop
// (re-setting every series, hashing its labels, formatting it again). Here each series' line prefix
// (name and sorted, escaped labels) is built once, on first sight, and a scrape only appends values, a
// few thousand series per chunk, yielding to the event loop between chunks (the probe scheduler shares it).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { LiveSeries, LiveView } from '../ingest/live-view.js';

/** The content type of the text exposition format that both prom-client and this module write. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Series per chunk: ~1–3 ms of work and ~175 KB of text each (bench/metrics.mjs, 60,000 series). */
export const DEFAULT_SERIES_PER_CHUNK = 2_000;

const HELP: Readonly<Record<string, string>> = {
  probe_success: 'Whether the last run of the check succeeded (1) or failed (0).',
  probe_duration_seconds: 'Duration of the last run of the check.',
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

/** A sample value as Prometheus parses it (Go's ParseFloat: `NaN`, `+Inf`, `-Inf`, JavaScript's `1e+21`). */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return `${value}`;
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
  /**
   * `vigil_name{a="…",b="…"} ` (everything up to the value) per series, keyed by the live view's own
   * series object, which lives exactly as long as the series does.
   */
  readonly #prefixes = new WeakMap<LiveSeries, string>();
  readonly #headers = new Map<string, string>();
  /**
   * Metrics that have had a series with a label name the format does not allow (left out), so that
   * two series may render the same prefix: their scrapes write a repeated prefix once (the first).
   */
  readonly #lossyMetrics = new Set<string>();

  constructor(live: LiveView, seriesPerChunk = DEFAULT_SERIES_PER_CHUNK) {
    this.#live = live;
    this.#seriesPerChunk = Math.max(1, seriesPerChunk);
  }

  /**
   * The exposition text in chunks of whole lines (never a partial line), each at most `seriesPerChunk`
   * series (fewer when series are new); the caller may let other work run between chunks. The metric
   * names are read when the scrape starts, and each family's series when its turn comes: a series that
   * arrives before then is in it, one that went stale is not, and each series appears once. Metrics
   * named in `taken` (full names: Vigil's own) are left out.
   */
  *chunks(taken: ReadonlySet<string> = new Set()): Generator<string, void, undefined> {
    const names = this.#live.metricNames().filter((name) => METRIC_NAME.test(name) && !taken.has(LIVE_METRIC_PREFIX + name)).sort();
    this.#forgetAllBut(new Set(names));
    let out = '';
    let cost = 0;
    for (const name of names) {
      // A snapshot, so that a series pruned and admitted again while the scrape yields is written once.
      const series = Array.from(this.#live.seriesOf(name));
      if (series.length === 0) continue;
      out += this.#header(name);
      let seen = this.#lossyMetrics.has(name) ? new Set<string>() : null;
      for (let i = 0; i < series.length; i++) {
        const entry = series[i]!;
        let prefix = this.#prefixes.get(entry);
        if (prefix === undefined) {
          const [rendered, lossy] = renderPrefix(entry);
          this.#prefixes.set(entry, (prefix = rendered));
          cost += FIRST_SIGHT_COST - 1;
          if (lossy && !seen) {
            this.#lossyMetrics.add(name);
            seen = new Set(series.slice(0, i).map((earlier) => this.#prefixes.get(earlier)!));
          }
        }
        if (seen) {
          if (seen.has(prefix)) continue;
          seen.add(prefix);
        }
        out += prefix + formatValue(entry.value) + '\n';
        if (++cost >= this.#seriesPerChunk) {
          yield out;
          out = '';
          cost = 0;
        }
      }
    }
    if (out) yield out;
  }

  /** Metrics that left the live view leave these too (OTLP metric names come and go). */
  #forgetAllBut(names: ReadonlySet<string>): void {
    for (const name of this.#headers.keys()) if (!names.has(name)) this.#headers.delete(name);
    for (const name of this.#lossyMetrics) if (!names.has(name)) this.#lossyMetrics.delete(name);
  }

  #header(name: string): string {
    let header = this.#headers.get(name);
    if (header === undefined) {
      const fullName = LIVE_METRIC_PREFIX + name;
      header = `# HELP ${fullName} ${escapeHelp(HELP[name] ?? `Last value of ${name}.`)}\n# TYPE ${fullName} gauge\n`;
      this.#headers.set(name, header);
    }
    return header;
  }
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
  const parts = [LIVE_METRIC_PREFIX, series.name];
  for (let i = 0; i < names.length; i++) parts.push(i === 0 ? '{' : ',', names[i]!, '="', escapeLabelValue(series.labels[names[i]!]!), '"');
  parts.push(names.length > 0 ? '} ' : ' ');
  // join() makes one flat string; `+=` would keep a rope of ~15 pieces that every scrape copies again
  // when it encodes the chunk (3× the cost of the whole render at 60,000 series).
  return [parts.join(''), lossy];
}

/**
 * A response body from text chunks, produced on demand: the next chunk is made only when the reader
 * (the socket, or gzip) wants more, and only after the event loop has had a turn, so timers and I/O
 * run between chunks rather than after the whole body. Stops producing when the reader cancels.
 */
export function chunkedBody(chunks: AsyncIterator<string> | Iterator<string>): ReadableStream<Uint8Array> {
  let first = true;
  return new ReadableStream<Uint8Array>(
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
          if (next.value.length === 0) continue;
          controller.enqueue(Buffer.from(next.value, 'utf8'));
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
