// What OTLP data becomes: series, labels and values as Vigil's API shows them.
import { describe, expect, it } from 'vitest';
import type { SeriesResponse, StatusResponse } from '../../api/types.js';
import { metricName } from '../../collector/otlp/names.js';
import { HISTOGRAM_RELATIVE_ERROR } from '../../store/histogram.js';
import { startOtlpVigil, type OtlpVigil } from '../helpers/otlp-vigil.js';

// 15 s into a 30 s step: a histogram's samples are spread over the last ~100 ms before its point's time,
// so a step boundary just before T0 (or T0 + 1 min) would split an interval between two points of a 30 s query.
const T0 = Math.floor(Date.now() / 30_000) * 30_000 - 10 * 60_000 + 15_000;
const ns = (ms: number) => `${ms}000000`;
const kv = (attrs: Record<string, string>) => Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } }));

function request(metrics: object[], resource: Record<string, string> = { 'service.name': 'orders', 'deployment.environment.name': 'prod' }) {
  return { resourceMetrics: [{ resource: { attributes: kv(resource) }, scopeMetrics: [{ metrics }] }] };
}

async function send(vigil: OtlpVigil, body: object, path = '/v1/metrics') {
  const response = await fetch(`${vigil.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  expect(response.status).toBe(200);
  return response.json();
}

async function series(vigil: OtlpVigil, metric: string, agg = 'last', step = '1s', match = '') {
  const q = `metric=${metric}&from=${T0 - 60_000}&to=${Date.now() + 60_000}&step=${step}&agg=${agg}${match ? `&match=${encodeURIComponent(match)}` : ''}`;
  return (await vigil.get<SeriesResponse>(`/api/v1/series?${q}`)).series;
}

async function values(vigil: OtlpVigil, metric: string): Promise<number[]> {
  return (await series(vigil, metric, 'last', '1s'))[0]?.points.map((p) => p[1]) ?? [];
}

/** One value over the whole range: the aggregate of every sample. */
async function overall(vigil: OtlpVigil, metric: string, agg: string): Promise<number> {
  // Points align to multiples of the step from the epoch: a step as long as the range could still split
  // it in two (the last point then held only the second interval, ~1 run in 12). The longest step the API
  // takes puts the whole range in one point unless a 366-day boundary falls inside it.
  const found = await series(vigil, metric, agg, '366d');
  return found[0]!.points.reduce((a, p) => (agg === 'count' ? a + p[1] : p[1]), 0);
}

const counter = (name: string, temporality: 1 | 2, points: Array<[start: number, time: number, value: number]>, monotonic = true) => ({
  name,
  sum: { aggregationTemporality: temporality, isMonotonic: monotonic, dataPoints: points.map(([s, t, v]) => ({ startTimeUnixNano: ns(s), timeUnixNano: ns(t), asDouble: v })) },
});

describe('OTLP metrics as Vigil series', () => {
  it.each([
    ['http.server.request.duration', 's', 'histogram', 'http_server_request_duration_seconds'],
    ['http.server.requests', '{requests}', 'counter', 'http_server_requests_total'],
    ['system.memory.usage', 'By', 'gauge', 'system_memory_usage_bytes'],
    ['network.io', 'By/s', 'gauge', 'network_io_bytes_per_second'],
    ['cpu.utilization', '1', 'gauge', 'cpu_utilization_ratio'],
    ['jobs_total', '', 'counter', 'jobs_total'],
    ['latency_ms', 'ms', 'histogram', 'latency_ms_milliseconds'],
    ['queue.depth', '', 'gauge', 'queue_depth'],
    ['replica-lag', 's', 'gauge', 'replica_lag_seconds'],
    ['2xx.count', '', 'counter', '_2xx_count_total'],
  ] as const)('names %s (%s, %s) %s', (name, unit, kind, expected) => {
    expect(metricName(name, unit, kind)).toBe(expected);
  });

  it('keeps a cumulative counter monotonic across the application restarting', async () => {
    const vigil = await startOtlpVigil();
    const s1 = T0 - 60_000;
    const s2 = T0 + 25_000;
    await send(vigil, request([counter('jobs', 2, [[s1, T0, 10], [s1, T0 + 10_000, 15]])]));
    // Restarted: the start time moves, the value drops.
    await send(vigil, request([counter('jobs', 2, [[s2, T0 + 30_000, 3]])]));
    // Restarted again, and already counted past the last value: only the start time tells.
    const s3 = T0 + 35_000;
    await send(vigil, request([counter('jobs', 2, [[s3, T0 + 40_000, 20]])]));
    // An exporter's retry of the same point writes the same sample again.
    await send(vigil, request([counter('jobs', 2, [[s3, T0 + 40_000, 20]])]));
    expect(await values(vigil, 'jobs_total')).toEqual([10, 15, 18, 38]);
  });

  it('accumulates delta sums into a counter and counts a retried point once', async () => {
    const vigil = await startOtlpVigil();
    await send(vigil, request([counter('orders.placed', 1, [[T0 - 10_000, T0, 5], [T0, T0 + 10_000, 3]])]));
    await send(vigil, request([counter('orders.placed', 1, [[T0 + 10_000, T0 + 20_000, 4]])]));
    await send(vigil, request([counter('orders.placed', 1, [[T0 + 10_000, T0 + 20_000, 4]])]));
    expect(await values(vigil, 'orders_placed_total')).toEqual([5, 8, 12]);
  });

  it('keeps an up-down counter (non-monotonic cumulative sum) as a gauge', async () => {
    const vigil = await startOtlpVigil();
    await send(vigil, request([counter('connections.open', 2, [[T0 - 1000, T0, 7], [T0 - 1000, T0 + 1000, 4]], false)]));
    expect(await values(vigil, 'connections_open')).toEqual([7, 4]);
  });

  it('puts a resource without service or environment under the configured defaults', async () => {
    const vigil = await startOtlpVigil({ otlp: { defaultService: 'anonymous', defaultEnv: 'lab' } });
    await send(vigil, request([{ name: 'temp', gauge: { dataPoints: [{ timeUnixNano: ns(T0), asDouble: 21, attributes: kv({ env: 'spoofed' }) }] } }], { 'service.name': 'unknown_service:node' }));
    await send(vigil, request([{ name: 'temp', gauge: { dataPoints: [{ timeUnixNano: ns(T0), asDouble: 22 }] } }], { 'service.name': 'legacy', 'deployment.environment': 'staging' }));
    const found = await series(vigil, 'temp');
    expect(found.map((s) => s.labels)).toEqual([
      { env: 'lab', service: 'anonymous', exported_env: 'spoofed' },
      { env: 'staging', service: 'legacy' },
    ]);
  });

  it('keeps an explicit-bucket histogram so that p95 is read within its bucket', async () => {
    const vigil = await startOtlpVigil();
    // 100 observations: 50 in (0, 0.1], 40 in (0.1, 0.5], 10 in (0.5, 1]: p95 lies in (0.5, 1].
    const point = (t: number, counts: number[], count: number) => ({
      startTimeUnixNano: ns(T0 - 60_000),
      timeUnixNano: ns(t),
      count: String(count),
      sum: count * 0.2,
      bucketCounts: counts.map(String),
      explicitBounds: [0.1, 0.5, 1],
    });
    await send(vigil, request([{ name: 'http.server.request.duration', unit: 's', histogram: { aggregationTemporality: 2, dataPoints: [point(T0, [50, 40, 10, 0], 100)] } }]));
    // The next interval adds 100 fast ones: the window's p95 falls to the (0.1, 0.5] bucket.
    await send(vigil, request([{ name: 'http.server.request.duration', unit: 's', histogram: { aggregationTemporality: 2, dataPoints: [point(T0 + 60_000, [150, 40, 10, 0], 200)] } }]));
    const p95 = await overall(vigil, 'http_server_request_duration_seconds', 'p95');
    expect(p95).toBeGreaterThan(0.1);
    expect(p95).toBeLessThanOrEqual(0.5);
    expect(await values(vigil, 'http_server_request_duration_seconds_count')).toEqual([100, 200]);
    expect(await overall(vigil, 'http_server_request_duration_seconds', 'count')).toBe(200);
    const first = await series(vigil, 'http_server_request_duration_seconds', 'p95', '30s');
    expect(first[0]!.points[0]![1]).toBeGreaterThan(0.5);
    expect(first[0]!.points[0]![1]).toBeLessThanOrEqual(1);
  });

  it('keeps an exponential histogram so that p95 is within its stated error', async () => {
    const vigil = await startOtlpVigil();
    // Scale 3: base 2^(1/8). Observations: 90 at ~10 ms, 10 at ~800 ms (both exact bucket midpoints known).
    const base = Math.pow(2, 1 / 8);
    const index = (v: number) => Math.ceil(Math.log(v) / Math.log(base)) - 1;
    const fast = index(0.01);
    const slow = index(0.8);
    const counts = new Array(slow - fast + 1).fill(0);
    counts[0] = 90;
    counts[slow - fast] = 10;
    await send(vigil, request([{
      name: 'rpc.duration',
      unit: 's',
      exponentialHistogram: {
        aggregationTemporality: 1,
        dataPoints: [{ startTimeUnixNano: ns(T0 - 60_000), timeUnixNano: ns(T0), count: '100', sum: 8.9, scale: 3, zeroCount: '0', positive: { offset: fast, bucketCounts: counts.map(String) } }],
      },
    }]));
    const p95 = await overall(vigil, 'rpc_duration_seconds', 'p95');
    const stated = (base - 1) / (base + 1);
    expect(Math.abs(p95 - 0.8) / 0.8).toBeLessThanOrEqual(stated + 1e-9);
    const p50 = await overall(vigil, 'rpc_duration_seconds', 'p50');
    expect(Math.abs(p50 - 0.01) / 0.01).toBeLessThanOrEqual(stated + 1e-9);
    // Read from 1-minute rollups the store adds its own ±HISTOGRAM_RELATIVE_ERROR.
    expect(HISTOGRAM_RELATIVE_ERROR).toBeLessThan(0.01);
  });

  it('turns spans into span metrics per env, service, span name and kind', async () => {
    const vigil = await startOtlpVigil();
    const span = (name: string, kind: number, ms: number, extra: object = {}) => ({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      name,
      kind,
      startTimeUnixNano: ns(T0),
      endTimeUnixNano: ns(T0 + ms),
      ...extra,
    });
    const spans = [
      ...Array.from({ length: 18 }, (_, i) => span('GET /orders', 2, 10 + i)),
      span('GET /orders', 2, 900, { status: { code: 2 } }),
      span('GET /orders', 2, 950, { attributes: [{ key: 'http.response.status_code', value: { intValue: '503' } }] }),
      span('SELECT orders', 3, 5, { attributes: [{ key: 'http.response.status_code', value: { intValue: 500 } }] }),
    ];
    const body = { resourceSpans: [{ resource: { attributes: kv({ 'service.name': 'orders', 'deployment.environment.name': 'prod' }) }, scopeSpans: [{ spans }] }] };
    expect(await send(vigil, body, '/v1/traces')).toEqual({});
    const requests = await series(vigil, 'span_requests_total');
    expect(requests.map((s) => [s.labels, s.points.at(-1)![1]])).toEqual([
      [{ env: 'prod', service: 'orders', span_kind: 'client', span_name: 'SELECT orders' }, 1],
      [{ env: 'prod', service: 'orders', span_kind: 'server', span_name: 'GET /orders' }, 20],
    ]);
    // A client span's HTTP 500 is the callee's error, not this service's.
    const errors = await series(vigil, 'span_errors_total');
    expect(errors.map((s) => s.points.at(-1)![1])).toEqual([0, 2]);
    // Exact at raw resolution (to the µs: ns times arrive as doubles, ±256 ns); from rollups (a step of a
    // minute or more) within the store's histogram error.
    const raw = await series(vigil, 'span_duration_seconds', 'p95', '50s', 'span_kind=server');
    expect(raw[0]!.points.at(-1)![1]).toBeCloseTo(0.9, 6);
    const hourly = await series(vigil, 'span_duration_seconds', 'p95', '1h', 'span_kind=server');
    expect(Math.abs(hourly[0]!.points.at(-1)![1] - 0.9) / 0.9).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR);
    await send(vigil, body, '/v1/traces');
    expect((await series(vigil, 'span_requests_total', 'last', '1s', 'span_kind=server'))[0]!.points.at(-1)![1]).toBe(40);
  });

  it('shows OTLP sources on the status page: in a configured cell, or as a discovered service', async () => {
    const vigil = await startOtlpVigil();
    await send(vigil, request([{ name: 'up', gauge: { dataPoints: [{ asDouble: 1 }] } }], { 'service.name': 'checkout', 'deployment.environment.name': 'prod' }));
    await send(vigil, request([{ name: 'up', gauge: { dataPoints: [{ asDouble: 1 }] } }], { 'service.name': 'billing', 'deployment.environment.name': 'qa' }));
    const status = await vigil.get<StatusResponse>('/api/v1/status');
    const checkout = status.cells.find((c) => c.service === 'checkout' && c.env === 'prod')!;
    expect(checkout.checks.map((c) => c.kind)).toEqual(['tcp', 'otlp']);
    const billing = status.cells.find((c) => c.service === 'billing')!;
    expect(billing).toMatchObject({ env: 'qa', status: 'up', checks: [{ kind: 'otlp', status: 'up', detail: 'receiving OTLP' }] });
    expect(status.environments).toEqual(['staging', 'prod', 'qa']);
    expect(status.services.map((s) => s.name)).toEqual(['checkout', 'billing']);
  });
});
