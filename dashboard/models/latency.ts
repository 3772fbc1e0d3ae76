import { computed, effect, signal, type ReadonlySignal } from '@preact/signals';
import type { SeriesResponse } from '../../api/types.js';
import type { ApiClient, SeriesQuery } from '../api-client.js';
import { describeFailure } from './status.js';
import { createPoller, isCancelled, type VisibilitySource } from './poller.js';

/** The metric the latency chart shows. */
export const LATENCY_METRIC = 'probe_duration_seconds';
const WINDOW_MS = 3_600_000;
/** Below this much history a per-minute p95 is a dot or two, so the chart shows the raw 15 s maximum instead. */
const YOUNG_HISTORY_MS = 10 * 60_000;

/** `recent`: max per 15 s, while the server is young; `hour`: p95 per minute over the last hour. */
export type LatencyResolution = 'recent' | 'hour';

/** One chart line. */
export interface LatencyLine {
  readonly label: string;
  readonly env: string;
  readonly check: string;
}

/** The series of one service as uPlot wants them: x in seconds, one y array in milliseconds per line. */
export interface LatencyChartData {
  readonly service: string;
  readonly resolution: LatencyResolution;
  readonly lines: readonly LatencyLine[];
  readonly data: [number[], ...(number | null)[][]];
}

/** The query for one service at one resolution, ending at `at`. */
export function latencyQuery(service: string, resolution: LatencyResolution, at: number): SeriesQuery {
  return {
    metric: LATENCY_METRIC,
    match: { service },
    from: at - WINDOW_MS,
    to: at,
    ...(resolution === 'hour' ? { step: '1m', agg: 'p95' } : { step: '15s', agg: 'max' }),
  };
}

/** `hour` once the oldest point is at least ten minutes old, else `recent`. */
export function resolutionFor(response: SeriesResponse, at: number): LatencyResolution {
  let oldest = Infinity;
  for (const series of response.series) if (series.points.length > 0) oldest = Math.min(oldest, series.points[0]![0]);
  return at - oldest >= YOUNG_HISTORY_MS ? 'hour' : 'recent';
}

/**
 * Aligns a series response on one time axis: lines ordered by environment (config order) then check,
 * labelled "prod" or, when the service has several checks, "prod · http".
 */
export function toLatencyChartData(
  service: string,
  resolution: LatencyResolution,
  response: SeriesResponse,
  environments: readonly string[],
): LatencyChartData {
  const envRank = (env: string) => {
    const rank = environments.indexOf(env);
    return rank === -1 ? environments.length : rank;
  };
  const series = response.series
    .map((entry) => ({ env: entry.labels.env ?? '?', check: entry.labels.check ?? '', points: entry.points }))
    .sort((a, b) => envRank(a.env) - envRank(b.env) || a.env.localeCompare(b.env) || a.check.localeCompare(b.check));
  const severalChecks = new Set(series.map((entry) => entry.check)).size > 1;

  const timestamps = [...new Set(series.flatMap((entry) => entry.points.map(([at]) => at)))].sort((a, b) => a - b);
  const column = new Map(timestamps.map((at, index) => [at, index]));
  const ys = series.map((entry) => {
    const values: (number | null)[] = new Array(timestamps.length).fill(null);
    for (const [at, seconds] of entry.points) values[column.get(at)!] = Number.isFinite(seconds) ? seconds * 1000 : null;
    return values;
  });

  return {
    service,
    resolution,
    lines: series.map((entry) => ({
      env: entry.env,
      check: entry.check,
      label: severalChecks && entry.check ? `${entry.env} · ${entry.check}` : entry.env,
    })),
    data: [timestamps.map((at) => at / 1000), ...ys],
  };
}

export interface LatencyModelOptions {
  readonly api: ApiClient;
  readonly service: ReadonlySignal<string | null>;
  readonly environments: ReadonlySignal<readonly string[]>;
  readonly now: () => number;
  readonly visibility?: VisibilitySource;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

/** The latency chart of the selected service, refreshed every 15 s and at once when the selection changes. */
export interface LatencyModel {
  readonly chart: ReadonlySignal<LatencyChartData | null>;
  readonly error: ReadonlySignal<string | null>;
  /** True while the selected service has no answer yet. */
  readonly loading: ReadonlySignal<boolean>;
  start(): void;
  stop(): void;
}

export function createLatencyModel(options: LatencyModelOptions): LatencyModel {
  const answer = signal<{ service: string; resolution: LatencyResolution; response: SeriesResponse } | null>(null);
  const error = signal<string | null>(null);
  let resolution: LatencyResolution = 'recent';

  const poller = createPoller({
    intervalMs: options.intervalMs ?? 15_000,
    timeoutMs: options.timeoutMs ?? 8_000,
    visibility: options.visibility,
    async run(abortSignal) {
      const service = options.service.peek();
      if (service === null) return;
      try {
        const askedAt = options.now();
        const asked = resolution;
        const response = await options.api.series(latencyQuery(service, asked, askedAt), abortSignal);
        answer.value = { service, resolution: asked, response };
        error.value = null;
        resolution = resolutionFor(response, askedAt);
        if (resolution !== asked) queueMicrotask(() => poller.refresh());
      } catch (failure) {
        if (isCancelled(abortSignal)) return;
        error.value = describeFailure(failure, abortSignal);
      }
    },
  });

  const chart = computed(() => {
    const current = answer.value;
    if (current === null || current.service !== options.service.value) return null;
    return toLatencyChartData(current.service, current.resolution, current.response, options.environments.value);
  });

  let stopFollowing: (() => void) | undefined;
  return {
    chart,
    error,
    loading: computed(() => chart.value === null && error.value === null),
    start() {
      poller.start();
      let previous = options.service.peek();
      stopFollowing = effect(() => {
        const service = options.service.value;
        if (service === previous) return;
        previous = service;
        error.value = null;
        poller.refresh();
      });
    },
    stop() {
      stopFollowing?.();
      poller.stop();
    },
  };
}
