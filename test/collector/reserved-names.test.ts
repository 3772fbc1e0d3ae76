import { describe, expect, it } from 'vitest';
import { startOtlpVigil } from '../helpers/otlp-vigil.js';

function gauge(name: string, value: number, atMs: number, unit?: string) {
  return { name, unit, gauge: { dataPoints: [{ asDouble: value, timeUnixNano: String(atMs * 1e6) }] } };
}

describe('OTLP metrics with a name reserved for Vigil', () => {
  it("are refused by partial success, and /metrics keeps Vigil's own counter", async () => {
    const vigil = await startOtlpVigil();
    const now = Date.now();
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
          scopeMetrics: [{ metrics: [gauge('probe_runs_total', 5, now), gauge('scheduler.lag', 1, now, 's'), gauge('orders_in_flight', 3, now)] }],
        },
      ],
    };
    const response = await fetch(`${vigil.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedDataPoints).toBe('2');
    expect(answer.partialSuccess.errorMessage).toMatch(/probe_runs_total: metric names starting with "probe_" are reserved/);
    const exposition = await (await fetch(`${vigil.url}/metrics`)).text();
    expect(exposition).toContain('# TYPE vigil_probe_runs_total counter');
    expect(exposition).not.toMatch(/# TYPE vigil_probe_runs_total gauge/);
    expect(exposition).not.toMatch(/^vigil_scheduler_lag_seconds\{[^}]*service="shop"/m);
    expect(exposition).toMatch(/^vigil_orders_in_flight\{[^}]*service="shop"[^}]*\} 3$/m);
  });
});
