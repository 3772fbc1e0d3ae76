// A real OpenTelemetry client: the Node SDK with its OTLP/HTTP exporters (protobuf, then JSON), in a
// child process, exporting to Vigil; what it sent is read back through Vigil's API.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SeriesResponse, StatusResponse } from '../../api/types.js';
import { startOtlpVigil, type OtlpVigil } from '../helpers/otlp-vigil.js';

const run = promisify(execFile);
const CLIENT = path.join(import.meta.dirname, '..', 'fixtures', 'otlp', 'client.mjs');

async function last(vigil: OtlpVigil, metric: string, match: string, agg = 'last'): Promise<Array<[Record<string, string>, number]>> {
  const now = Date.now();
  const body = await vigil.get<SeriesResponse>(`/api/v1/series?metric=${metric}&match=${encodeURIComponent(match)}&from=${now - 50_000}&to=${now + 5_000}&step=55s&agg=${agg}`);
  return body.series.map((s) => [s.labels, s.points.at(-1)![1]]);
}

describe.each(['protobuf', 'json'])('the OpenTelemetry Node SDK exporting OTLP/HTTP %s', (protocol) => {
  it('lands as series, labels and values in Vigil', { timeout: 60_000 }, async () => {
    const vigil = await startOtlpVigil();
    const service = `shop-${protocol}`;
    const { stdout } = await run(process.execPath, [CLIENT, vigil.url, protocol, service, 'prod'], { timeout: 45_000 });
    expect(stdout).toContain('exported');
    const match = `service=${service}`;

    expect(await last(vigil, 'queue_depth', match)).toEqual([[{ env: 'prod', service, queue: 'exports' }, 17]]);
    expect(await last(vigil, 'orders_placed_total', match)).toEqual([[{ env: 'prod', service, status: 'ok' }, 5]]);
    expect(await last(vigil, 'checkout_duration_seconds_count', match)).toEqual([[{ env: 'prod', service }, 20]]);
    const [[, sum]] = await last(vigil, 'checkout_duration_seconds_sum', match);
    expect(sum).toBeCloseTo(18 * 0.05 + 0.8 + 1.2, 9);
    // p95 of 20 observations is the 19th: 0.8 s, in the (0.5, 1] bucket.
    const [[, p95]] = await last(vigil, 'checkout_duration_seconds', match, 'p95');
    expect(p95).toBeGreaterThan(0.5);
    expect(p95).toBeLessThanOrEqual(1);
    const [[, p50]] = await last(vigil, 'checkout_duration_seconds', match, 'p50');
    expect(p50).toBeGreaterThan(0.01);
    expect(p50).toBeLessThanOrEqual(0.1);

    const spanLabels = { env: 'prod', service, span_name: 'GET /checkout', span_kind: 'server' };
    expect(await last(vigil, 'span_requests_total', match)).toEqual([[spanLabels, 10]]);
    expect(await last(vigil, 'span_errors_total', match)).toEqual([[spanLabels, 2]]);
    expect(await last(vigil, 'span_duration_seconds_count', match)).toEqual([[spanLabels, 10]]);

    const status = await vigil.get<StatusResponse>('/api/v1/status');
    expect(status.cells.find((c) => c.service === service)).toMatchObject({ env: 'prod', status: 'up', checks: [{ kind: 'otlp' }] });
    const exposition = await vigil.metrics.render();
    expect(exposition).toMatch(/vigil_otlp_requests_total\{signal="metrics",result="ok"\} [1-9]/);
    expect(exposition).toMatch(/vigil_otlp_requests_total\{signal="traces",result="ok"\} [1-9]/);
  });
});
