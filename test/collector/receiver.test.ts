// The OTLP/HTTP receiver's answers, one per documented case, each followed by a request that must still
// work: the server keeps serving whatever it was sent.
import { createGzip, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SeriesResponse } from '../../api/types.js';
import { decodeResponse, encodeRequest } from '../../collector/otlp/proto.js';
import type { Sample, Store } from '../../store/types.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { startOtlpVigil, type OtlpVigil } from '../helpers/otlp-vigil.js';
import { tempDbPath } from '../helpers/temp-db.js';

const NOW_NS = () => `${Date.now()}000000`;

function gaugeRequest(value: number, attrs: Record<string, string> = {}, resource: Record<string, string> = { 'service.name': 'orders', 'deployment.environment.name': 'prod' }) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: Object.entries(resource).map(([key, v]) => ({ key, value: { stringValue: v } })) },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'queue.depth',
                unit: '{jobs}',
                gauge: { dataPoints: [{ timeUnixNano: NOW_NS(), asDouble: value, attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } })) }] },
              },
            ],
          },
        ],
      },
    ],
  };
}

async function post(vigil: OtlpVigil, path: string, body: BodyInit, headers: Record<string, string>) {
  const response = await fetch(`${vigil.url}${path}`, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, text: Buffer.from(bytes).toString('utf8') };
}

const postJson = (vigil: OtlpVigil, body: unknown, path = '/v1/metrics', headers: Record<string, string> = {}) =>
  post(vigil, path, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json', ...headers });

/** The server still takes a good export and answers the API. */
async function stillServing(vigil: OtlpVigil): Promise<void> {
  const answer = await postJson(vigil, gaugeRequest(1));
  expect(answer.status).toBe(200);
  expect((await fetch(`${vigil.url}/health/live`)).status).toBe(200);
}

async function lastValue(vigil: OtlpVigil, metric: string, match: string): Promise<number | undefined> {
  const from = Date.now() - 3_600_000;
  const body = await vigil.get<SeriesResponse>(`/api/v1/series?metric=${metric}&match=${encodeURIComponent(match)}&from=${from}&to=${Date.now() + 60_000}&step=1s&agg=last`);
  const points = body.series[0]?.points ?? [];
  return points.at(-1)?.[1];
}

describe('the OTLP/HTTP receiver', () => {
  it('takes JSON and answers JSON, the sample in the store before the 200', async () => {
    const vigil = await startOtlpVigil();
    const answer = await postJson(vigil, gaugeRequest(42, { queue: 'exports' }));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(answer.text)).toEqual({});
    // No flush here: the 200 was sent after the commit.
    const stored = await vigil.store.samples.query({ metric: 'queue_depth', matchers: [], from: Date.now() - 60_000, to: Date.now() + 60_000, stepMs: 1, aggregate: 'last' });
    expect(stored.series).toHaveLength(1);
    expect(stored.series[0]!.labels).toEqual({ env: 'prod', service: 'orders', queue: 'exports' });
    expect(stored.series[0]!.points[0]![1]).toBe(42);
  });

  it('answers each of concurrent exports (sharing group commits) only once its own sample is readable', async () => {
    const vigil = await startOtlpVigil();
    const readAtAnswer = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const body = gaugeRequest(i, { queue: `q${i}` });
        const answer = i % 2 ? await postJson(vigil, body) : await post(vigil, '/v1/metrics', encodeRequest('metrics', body) as Uint8Array<ArrayBuffer>, { 'content-type': 'application/x-protobuf' });
        expect(answer.status).toBe(200);
        const stored = await vigil.store.samples.query({ metric: 'queue_depth', matchers: [{ label: 'queue', op: '=', value: `q${i}` }], from: Date.now() - 60_000, to: Date.now() + 60_000, stepMs: 1, aggregate: 'last' });
        return stored.series[0]?.points.at(-1)?.[1];
      }),
    );
    expect(readAtAnswer).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('takes protobuf and answers protobuf', async () => {
    const vigil = await startOtlpVigil();
    const answer = await post(vigil, '/v1/metrics', encodeRequest('metrics', gaugeRequest(7)) as Uint8Array<ArrayBuffer>, { 'content-type': 'application/x-protobuf' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/x-protobuf');
    expect(decodeResponse('metrics', answer.bytes)).toEqual({});
    expect(await lastValue(vigil, 'queue_depth', 'service=orders')).toBe(7);
  });

  it.each([
    ['protobuf', 'application/x-protobuf', (r: object) => encodeRequest('metrics', r)],
    ['JSON', 'application/json', (r: object) => Buffer.from(JSON.stringify(r))],
  ])('takes a gzip body (%s)', async (_name, type, encode) => {
    const vigil = await startOtlpVigil();
    const answer = await post(vigil, '/v1/metrics', gzipSync(encode(gaugeRequest(9))), { 'content-type': type, 'content-encoding': 'gzip' });
    expect(answer.status).toBe(200);
    expect(await lastValue(vigil, 'queue_depth', 'service=orders')).toBe(9);
  });

  it.each([
    ['an empty protobuf body', 'application/x-protobuf', ''],
    ['an empty JSON body', 'application/json', ''],
    ['an empty JSON object', 'application/json', '{}'],
    ['JSON with empty lists', 'application/json', '{"resourceMetrics":[{"scopeMetrics":[]}]}'],
  ])('answers success to %s', async (_name, type, body) => {
    const vigil = await startOtlpVigil();
    expect((await post(vigil, '/v1/metrics', body, { 'content-type': type })).status).toBe(200);
    expect((await post(vigil, '/v1/traces', body, { 'content-type': type })).status).toBe(200);
    await stillServing(vigil);
  });

  it('ignores unknown JSON fields and takes int64 as strings or numbers', async () => {
    const vigil = await startOtlpVigil();
    const request = gaugeRequest(0) as any;
    request.futureField = { anything: [1, 2] };
    const point = request.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0];
    delete point.asDouble;
    point.asInt = '12';
    point.timeUnixNano = Number(point.timeUnixNano);
    point.exemplars = [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174' }];
    expect((await postJson(vigil, request)).status).toBe(200);
    expect(await lastValue(vigil, 'queue_depth', 'service=orders')).toBe(12);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['no content type', {}],
    ['brotli', { 'content-type': 'application/json', 'content-encoding': 'br' }],
  ])('answers 415 to %s', async (_name, headers) => {
    const vigil = await startOtlpVigil();
    const answer = await post(vigil, '/v1/metrics', JSON.stringify(gaugeRequest(1)), headers as Record<string, string>);
    expect(answer.status).toBe(415);
    await stillServing(vigil);
  });

  it.each([
    ['a truncated protobuf body', 'application/x-protobuf', () => encodeRequest('metrics', gaugeRequest(1)).subarray(0, 40)],
    ['random bytes', 'application/x-protobuf', () => randomBytes(4096)],
    ['JSON that does not parse', 'application/json', () => Buffer.from('{"resourceMetrics": [')],
    ['resourceMetrics as a string', 'application/json', () => Buffer.from('{"resourceMetrics": "many"}')],
    ['a boolean as a value', 'application/json', () => Buffer.from(JSON.stringify(gaugeRequest(1)).replace('"asDouble":1', '"asDouble":true'))],
    ['a time that is not an integer', 'application/json', () => Buffer.from(JSON.stringify(gaugeRequest(1)).replace(/"timeUnixNano":"\d+"/, '"timeUnixNano":"soon"'))],
    ['a JSON array', 'application/json', () => Buffer.from('[]')],
    ['a corrupt gzip body', 'application/json', () => Buffer.concat([gzipSync('{}').subarray(0, 12), randomBytes(20)]), { 'content-encoding': 'gzip' }],
  ] as Array<[string, string, () => Uint8Array, Record<string, string>?]>)('answers 400 with a Status to %s', async (_name, type, body, extra = {}) => {
    const vigil = await startOtlpVigil();
    const answer = await post(vigil, '/v1/metrics', body() as Uint8Array<ArrayBuffer>, { 'content-type': type, ...extra });
    expect(answer.status).toBe(400);
    const status = type === 'application/json' ? JSON.parse(answer.text) : decodeResponse('status', answer.bytes);
    expect(status.code).toBe(3);
    expect(String(status.message)).not.toBe('');
    await stillServing(vigil);
  });

  // Found by test/fuzz/otlp-receiver.test.ts: the 400 said "Maximum call stack size exceeded".
  it('answers 400 saying so to attribute values nested thousands deep', async () => {
    const vigil = await startOtlpVigil();
    const deep = `${'{"arrayValue":{"values":['.repeat(5_000)}{"stringValue":"x"}${']}}'.repeat(5_000)}`;
    const answer = await postJson(vigil, `{"resourceMetrics":[{"resource":{"attributes":[{"key":"deep","value":${deep}}]}}]}`);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({ code: 3, message: 'malformed metrics request: values nested too deeply' });
    await stillServing(vigil);
  });

  it('answers 413 past the body limit before reading it all', async () => {
    const vigil = await startOtlpVigil({ otlp: { maxBodyBytes: 64 * 1024 } });
    const answer = await post(vigil, '/v1/metrics', Buffer.alloc(200 * 1024, 32), { 'content-type': 'application/json' });
    expect(answer.status).toBe(413);
    await stillServing(vigil);
  });

  it('answers 413 to a gzip bomb without inflating it (RSS checked)', async () => {
    const vigil = await startOtlpVigil();
    // 512 MiB of zeros gzip to ~0.5 MB; the default limit is 20 MiB.
    const bomb = await gzipStream(512, 1 << 20);
    expect(bomb.length).toBeLessThan(1 << 20);
    global.gc?.();
    const before = process.memoryUsage().rss;
    const answer = await post(vigil, '/v1/metrics', bomb as Uint8Array<ArrayBuffer>, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    const grown = process.memoryUsage().rss - before;
    expect(answer.status).toBe(413);
    expect(decodeResponse('status', answer.bytes).message).toMatch(/once decompressed/);
    // The limit (20 MiB) plus working room, far from the 512 MiB it would inflate to.
    expect(grown).toBeLessThan(96 * 1024 * 1024);
    await stillServing(vigil);
  });

  it('serves OTLP alone on a dedicated port (otlp.port)', async () => {
    const vigil = await startOtlpVigil();
    const listener = await vigil.collector.listen('127.0.0.1', 0);
    try {
      const base = `http://127.0.0.1:${listener.port}`;
      const answer = await fetch(`${base}/v1/metrics`, { method: 'POST', body: JSON.stringify(gaugeRequest(5)), headers: { 'content-type': 'application/json' } });
      expect(answer.status).toBe(200);
      expect((await fetch(`${base}/api/v1/status`)).status).toBe(404);
      expect(await lastValue(vigil, 'queue_depth', 'service=orders')).toBe(5);
    } finally {
      await listener.close();
    }
  });

  it('answers /v1/logs with 404 and a Status saying logs are not kept', async () => {
    const vigil = await startOtlpVigil();
    const answer = await postJson(vigil, { resourceLogs: [] }, '/v1/logs');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text).message).toMatch(/does not keep logs/);
    await stillServing(vigil);
  });

  it('reports partial success when a metric passes its series limit, and counts it', async () => {
    const vigil = await startOtlpVigil({ otlp: { seriesPerMetric: 2 } });
    const request = gaugeRequest(1) as any;
    const metric = request.resourceMetrics[0].scopeMetrics[0].metrics[0];
    metric.gauge.dataPoints = ['a', 'b', 'c', 'd', 'e'].map((queue, i) => ({ timeUnixNano: NOW_NS(), asDouble: i, attributes: [{ key: 'queue', value: { stringValue: queue } }] }));
    const answer = await postJson(vigil, request);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text);
    expect(body.partialSuccess.rejectedDataPoints).toBe('3');
    expect(body.partialSuccess.errorMessage).toMatch(/queue_depth of orders in prod: 3 new series refused: over the limit of 2 series per metric/);
    const protobuf = await post(vigil, '/v1/metrics', encodeRequest('metrics', request) as Uint8Array<ArrayBuffer>, { 'content-type': 'application/x-protobuf' });
    expect(decodeResponse('metrics', protobuf.bytes)).toMatchObject({ partialSuccess: { rejectedDataPoints: 3 } });
    const exposition = await vigil.metrics.render();
    expect(exposition).toContain('vigil_otlp_rejected_total{signal="metrics",reason="series_limit"} 6');
    expect(exposition).toContain('vigil_otlp_requests_total{signal="metrics",result="partial"} 2');
    const status = await vigil.get<any>('/api/v1/status');
    const cell = status.cells.find((c: any) => c.service === 'orders' && c.env === 'prod');
    expect(cell.status).toBe('degraded');
  });

  it('answers 503 with Retry-After when the ingest queue is full', async () => {
    const vigil = await startOtlpVigil({ otlp: { queueBytes: 1024 } });
    const request = gaugeRequest(1) as any;
    request.resourceMetrics[0].scopeMetrics[0].metrics[0].description = 'x'.repeat(4096);
    const answer = await postJson(vigil, request);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    const small = await postJson(vigil, gaugeRequest(1));
    expect(small.status).toBe(200);
  });

  it('answers 503 while the store fails, and takes the retry once it recovers without counting twice', async () => {
    const real = await openSqliteStore(tempDbPath(), { readers: 0 });
    let failing = true;
    const append = real.samples.append.bind(real.samples);
    const samples = Object.create(real.samples, {
      append: { value: (batch: readonly Sample[]) => (failing ? Promise.reject(new Error('disk full')) : append(batch)) },
    });
    const store = Object.create(real, { samples: { value: samples } }) as Store;
    const vigil = await startOtlpVigil({ store });
    const delta = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
          scopeMetrics: [{ metrics: [{ name: 'jobs', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ startTimeUnixNano: '1', timeUnixNano: NOW_NS(), asInt: '5' }] } }] }],
        },
      ],
    };
    const refused = await postJson(vigil, delta);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    failing = false;
    const retried = await postJson(vigil, delta);
    expect(retried.status).toBe(200);
    await vigil.writer.flush();
    expect(await lastValue(vigil, 'jobs_total', 'service=orders')).toBe(5);
    await real.close();
  });
});

/** `mib` MiB of zeros, gzipped as a stream (never the whole input in memory). */
async function gzipStream(mib: number, chunkBytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (d: Buffer) => parts.push(d));
  const ended = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(chunkBytes);
  for (let i = 0; i < (mib * (1 << 20)) / chunkBytes; i++) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await ended;
  return Buffer.concat(parts);
}
