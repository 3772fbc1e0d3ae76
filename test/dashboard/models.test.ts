import { describe, expect, it, vi } from 'vitest';
import type { CellStatus, SeriesResponse, ServiceStatus, StatusPollResponse } from '../../api/types.js';
import { createStatusModel, mergeStatus } from '../../dashboard/models/status.js';
import { formatAge, formatMs } from '../../dashboard/format.js';
import { latencyQuery, resolutionFor, toLatencyChartData } from '../../dashboard/models/latency.js';
import { parseHash } from '../../dashboard/models/route.js';

const AT = Date.UTC(2026, 10, 21, 12, 0, 0);

function response(series: Array<{ env: string; check?: string; points: Array<[number, number]> }>): SeriesResponse {
  return {
    metric: 'probe_duration_seconds',
    from: AT - 3_600_000,
    to: AT,
    stepMs: 15_000,
    aggregate: 'max',
    resolution: 'raw',
    series: series.map((s) => ({ labels: { env: s.env, service: 'api', check: s.check ?? 'http' }, points: s.points })),
    maintenance: [],
  };
}

describe('the latency chart model', () => {
  it('puts lines in the config order of environments on one time axis, in milliseconds, with gaps as null', () => {
    const chart = toLatencyChartData(
      'api',
      'recent',
      response([
        { env: 'prod', points: [[AT - 30_000, 0.05], [AT - 15_000, 0.07]] },
        { env: 'dev', points: [[AT - 15_000, 0.3]] },
      ]),
      ['dev', 'staging', 'prod'],
    );
    expect(chart.lines.map((l) => l.label)).toEqual(['dev', 'prod']);
    expect(chart.data).toEqual([
      [(AT - 30_000) / 1000, (AT - 15_000) / 1000],
      [null, 300],
      [50, 70],
    ]);
  });

  it('names lines by environment and check when a service has several checks', () => {
    const chart = toLatencyChartData(
      'api',
      'hour',
      response([
        { env: 'prod', check: 'tcp', points: [[AT, 0.01]] },
        { env: 'prod', check: 'http', points: [[AT, 0.1]] },
      ]),
      ['prod'],
    );
    expect(chart.lines.map((l) => l.label)).toEqual(['prod · http', 'prod · tcp']);
  });

  it('asks for the raw 15 s maximum while history is young, then the per-minute p95 of the last hour', () => {
    expect(resolutionFor(response([{ env: 'prod', points: [[AT - 5 * 60_000, 0.1]] }]), AT)).toBe('recent');
    expect(resolutionFor(response([{ env: 'prod', points: [[AT - 12 * 60_000, 0.1]] }]), AT)).toBe('hour');
    expect(resolutionFor(response([]), AT)).toBe('recent');
    expect(latencyQuery('api', 'hour', AT)).toMatchObject({ match: { service: 'api' }, from: AT - 3_600_000, to: AT, step: '1m', agg: 'p95' });
    expect(latencyQuery('api', 'recent', AT)).toMatchObject({ step: '15s', agg: 'max' });
  });
});

describe('dashboard formatting and routes', () => {
  it.each([
    [0, '0 ms'],
    [0.426, '0.43 ms'],
    [8.52, '8.5 ms'],
    [142.4, '142 ms'],
    [1420, '1.42 s'],
    [12_340, '12.3 s'],
    [240_000, '4 min'],
    [Number.NaN, '–'],
  ])('shows %s ms as "%s"', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });

  it('shows ages in whole units', () => {
    expect([500, 12_500, 185_000, 7_300_000, 200_000_000].map(formatAge)).toEqual(['just now', '12 s', '3 min', '2 h', '2 d']);
  });

  it.each([
    ['', '/', ''],
    ['#/', '/', ''],
    ['#/wall?tv=1', '/wall', 'tv=1'],
    ['#//incidents/', '/incidents', ''],
  ])('reads the hash "%s" as the route %s', (hash, path, query) => {
    const route = parseHash(hash);
    expect(route.path).toBe(path);
    expect(route.query.toString()).toBe(query);
  });
});

describe('the status model', () => {
  const cell = (env: string, service: string, status: CellStatus): ServiceStatus => ({ env, service, status, checks: [] });
  const whole: StatusPollResponse = {
    partial: false,
    cursor: 'run.5',
    generatedAt: AT,
    environments: ['dev', 'prod'],
    services: [{ name: 'api', owner: null, description: null }],
    cells: [cell('dev', 'api', 'up'), cell('prod', 'api', 'up')],
    incidents: [],
  };

  it('lays a partial answer over the previous status, keeping the cells it does not name', () => {
    const before = mergeStatus(null, whole);
    const after = mergeStatus(before, { partial: true, cursor: 'run.9', generatedAt: AT + 5_000, cells: [cell('prod', 'api', 'down')], incidents: [{ env: 'prod', service: 'api', open: 1, severity: 'page' }] });
    expect(after.generatedAt).toBe(AT + 5_000);
    expect(after.cells.map((c) => c.status)).toEqual(['up', 'down']);
    expect(after.cells[0]).toBe(before.cells[0]);
    // Open incidents come whole in every answer, partial ones too.
    expect(after.incidents).toEqual([{ env: 'prod', service: 'api', open: 1, severity: 'page' }]);
    expect(mergeStatus(after, { partial: true, cursor: 'run.9', generatedAt: AT + 10_000, cells: [], incidents: [] }).cells).toBe(after.cells);
  });

  it('asks for the cells changed since the cursor of its previous answer', async () => {
    const asked: Array<string | undefined> = [];
    const answers: StatusPollResponse[] = [whole, { partial: true, cursor: 'run.7', generatedAt: AT + 5_000, cells: [cell('dev', 'api', 'degraded')], incidents: [] }];
    const api = {
      // After its two answers the API stops answering, so the model keeps the second.
      status: (_signal?: AbortSignal, since?: string) => (asked.push(since), answers.length > 0 ? Promise.resolve(answers.shift()!) : new Promise<never>(() => {})),
      series: () => Promise.reject(new Error('not used')),
    };
    const model = createStatusModel({ api, now: () => AT, intervalMs: 1, timeoutMs: 1_000 });
    model.poller.start();
    await vi.waitFor(() => expect(asked).toHaveLength(3));
    model.poller.stop();
    expect(asked).toEqual([undefined, 'run.5', 'run.7']);
    expect(model.status.value?.cells.map((c) => c.status)).toEqual(['degraded', 'up']);
  });
});
