// The collector's own metrics on /metrics (`vigil_otlp_*`), created on the registry passed in, every
// label combination at 0 up front so rate() and alerts on them work from the first scrape.
import { Counter, Gauge, type Registry } from 'prom-client';

export type Signal = 'metrics' | 'traces' | 'logs';
/** How a request was answered. */
export type RequestResult = 'ok' | 'partial' | 'bad_request' | 'too_large' | 'unsupported_media_type' | 'unavailable' | 'not_found';
/** Why points or spans were refused: over a series limit, or not mappable (no temporality, bad buckets). */
export type RejectReason = 'series_limit' | 'invalid';

const SIGNALS: readonly Signal[] = ['metrics', 'traces', 'logs'];
const RESULTS: readonly RequestResult[] = ['ok', 'partial', 'bad_request', 'too_large', 'unsupported_media_type', 'unavailable', 'not_found'];
const REASONS: readonly RejectReason[] = ['series_limit', 'invalid'];

export interface CollectorMetrics {
  request(signal: Signal, result: RequestResult): void;
  /** Data points (metrics) or spans (traces) received. */
  received(signal: 'metrics' | 'traces', n: number): void;
  rejected(signal: 'metrics' | 'traces', reason: RejectReason, n: number): void;
  /** Exposes the ingest queue's bytes in use and the series the collector keeps state for, read at each scrape. */
  watch(source: { queueBytes(): number; stateSize(): number }): void;
}

export function createCollectorMetrics(registry: Registry): CollectorMetrics {
  const requests = new Counter({
    name: 'vigil_otlp_requests_total',
    help: 'OTLP export requests by signal and how they were answered',
    labelNames: ['signal', 'result'],
    registers: [registry],
  });
  const received = new Counter({
    name: 'vigil_otlp_received_total',
    help: 'OTLP data points (signal="metrics") and spans (signal="traces") received',
    labelNames: ['signal'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'vigil_otlp_rejected_total',
    help: 'OTLP data points and spans refused (reported in partial success): over the per-metric series limit, or invalid',
    labelNames: ['signal', 'reason'],
    registers: [registry],
  });
  for (const signal of SIGNALS) for (const result of RESULTS) requests.inc({ signal, result }, 0);
  for (const signal of ['metrics', 'traces']) {
    received.inc({ signal }, 0);
    for (const reason of REASONS) rejected.inc({ signal, reason }, 0);
  }
  return {
    request: (signal, result) => requests.inc({ signal, result }),
    received: (signal, n) => received.inc({ signal }, n),
    rejected: (signal, reason, n) => rejected.inc({ signal, reason }, n),
    watch(source) {
      new Gauge({ name: 'vigil_otlp_queue_bytes', help: 'Bytes of OTLP requests being read, decoded or written', registers: [registry], collect() { this.set(source.queueBytes()); } });
      new Gauge({ name: 'vigil_otlp_state_series', help: 'OTLP series with counter or histogram state kept in memory', registers: [registry], collect() { this.set(source.stateSize()); } });
    },
  };
}
