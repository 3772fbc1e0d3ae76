import { describe, expect, it } from 'vitest';
import { healthComponents, healthProbe, healthSchema, healthState } from '../../probes/health.js';
import { closeAfterEach, deadline, probeContextPerTest, startHttpServer, type TestServer } from '../helpers/servers.js';

const use = closeAfterEach();
const contexts = probeContextPerTest();
function serve(status: number, body: unknown): Promise<TestServer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return use(startHttpServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(text)));
}
const probe = (config: Record<string, unknown>) => healthProbe.run(healthSchema.parse(config), deadline(1000), contexts.current());
const componentSamples = (samples: readonly { name: string; labels?: unknown; value: number }[]) =>
  samples.filter((s) => s.name === 'health_component_up');

describe('health probe', () => {
  it.each([
    ['UP', 'up'],
    ['ok', 'up'],
    ['Pass', 'up'],
    ['healthy', 'up'],
    [true, 'up'],
    ['DOWN', 'down'],
    ['fail', 'down'],
    ['error', 'down'],
    ['unhealthy', 'down'],
    ['OUT_OF_SERVICE', 'down'],
    ['warn', 'degraded'],
    ['Degraded', 'degraded'],
    ['sideways', 'unknown'],
  ])('reads status %j as %s', (status, state) => {
    expect(healthState(status)).toBe(state);
  });

  it.each([
    {
      name: 'Spring Boot components',
      doc: { status: 'UP', components: { db: { status: 'UP' }, redis: { status: 'DOWN' } } },
      want: [{ name: 'db', state: 'up' }, { name: 'redis', state: 'down' }],
    },
    {
      name: 'Spring Boot 1 details',
      doc: { status: 'UP', details: { diskSpace: { status: 'UP', total: 1 } } },
      want: [{ name: 'diskSpace', state: 'up' }],
    },
    {
      name: 'IETF checks (worst measurement wins)',
      doc: { status: 'pass', checks: { 'db:responseTime': [{ status: 'pass' }], 'db:connections': [{ status: 'warn' }], 'cache:x': [{ status: 'fail' }] } },
      want: [{ name: 'db', state: 'degraded' }, { name: 'cache', state: 'down' }],
    },
    {
      name: 'MicroProfile checks',
      doc: { status: 'UP', checks: [{ name: 'queue', status: 'UP' }] },
      want: [{ name: 'queue', state: 'up' }],
    },
  ])('reads components from $name', ({ doc, want }) => {
    expect(healthComponents(doc)).toEqual(want);
  });

  it('is up on a healthy document and records each component', async () => {
    const server = await serve(200, { status: 'UP', components: { db: { status: 'UP' }, cache: { status: 'UP' } } });
    const outcome = await probe({ url: server.url });
    expect(outcome).toMatchObject({ success: true, error: null, degraded: false, detail: null });
    expect(componentSamples(outcome.samples)).toEqual([
      { name: 'health_component_up', labels: { component: 'db' }, value: 1 },
      { name: 'health_component_up', labels: { component: 'cache' }, value: 1 },
    ]);
  });

  it('marks the check degraded when one component is down while the whole is up', async () => {
    const server = await serve(200, { status: 'UP', components: { db: { status: 'UP' }, cache: { status: 'DOWN' } } });
    const outcome = await probe({ url: server.url });
    expect(outcome).toMatchObject({ success: true, error: null, degraded: true, detail: 'cache: down' });
    expect(componentSamples(outcome.samples)).toContainEqual({ name: 'health_component_up', labels: { component: 'cache' }, value: 0 });
  });

  it('is a degraded success on status warn', async () => {
    const server = await serve(200, { status: 'warn' });
    expect(await probe({ url: server.url })).toMatchObject({ success: true, degraded: true, detail: 'status is "warn"' });
  });

  it('is down on HTTP 503, naming the components that are down', async () => {
    const server = await serve(503, { status: 'DOWN', components: { db: { status: 'DOWN' }, cache: { status: 'UP' } } });
    const outcome = await probe({ url: server.url });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toBe('expected status 2xx, got 503; health status is "DOWN" (db: down)');
    expect(outcome.samples).toContainEqual({ name: 'probe_http_status_code', value: 503 });
    expect(componentSamples(outcome.samples)).toContainEqual({ name: 'health_component_up', labels: { component: 'db' }, value: 0 });
  });

  it('is down on a 503 without a JSON body', async () => {
    const server = await serve(503, 'Service Unavailable');
    const outcome = await probe({ url: server.url });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^expected status 2xx, got 503; body is not valid JSON/);
  });

  it('fails on a body that is not JSON, quoting its start', async () => {
    const server = await serve(200, '<html><body>OK</body></html>');
    const outcome = await probe({ url: server.url });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^body is not valid JSON \(.+\); it starts with "<html><body>OK<\/body><\/html>"$/);
  });

  it('fails on an unknown status value', async () => {
    const server = await serve(200, { status: 'sideways' });
    expect((await probe({ url: server.url })).error).toMatch(/^health status is "sideways", expected one of UP/);
  });

  it.each([
    { name: 'a bare string', body: 'DOWN' },
    { name: 'a bare "UP"', body: 'UP' },
    { name: 'false', body: false },
    { name: 'true', body: true },
    { name: 'null', body: null },
    { name: 'zero', body: 0 },
    { name: 'an empty list', body: [] },
    { name: 'a list of statuses', body: [{ status: 'UP' }] },
  ])('fails on $name, which is not a health document', async ({ body }) => {
    const server = await serve(200, JSON.stringify(body));
    const outcome = await probe({ url: server.url });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toBe(`health document is ${JSON.stringify(body)}, expected a JSON object with a status, like {"status":"UP"}`);
  });

  it('fails on an empty object, which says nothing about health', async () => {
    const server = await serve(200, {});
    const outcome = await probe({ url: server.url });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toBe('health document has no status and no components, expected a status, like {"status":"UP"}');
  });

  it('fails on an object without a status and with nothing that reads as one', async () => {
    const server = await serve(200, { version: '1.4.2', uptime: 3600 });
    expect((await probe({ url: server.url })).error).toBe(
      'health document has no status and no components, expected a status, like {"status":"UP"}',
    );
  });

  it('fails on a status of the wrong type', async () => {
    const server = await serve(200, { status: 0 });
    expect((await probe({ url: server.url })).error).toMatch(/^health status is 0, expected one of UP, ok, pass, healthy/);
  });

  it('is up without an overall status when every component is up', async () => {
    const server = await serve(200, { components: { db: { status: 'UP' }, cache: { status: 'UP' } } });
    expect(await probe({ url: server.url })).toMatchObject({ success: true, error: null, degraded: false, detail: null });
  });

  it('is a degraded success without an overall status when a component is degraded and none is down', async () => {
    const server = await serve(200, { checks: [{ name: 'db', status: 'UP' }, { name: 'queue', status: 'warn' }] });
    expect(await probe({ url: server.url })).toMatchObject({ success: true, degraded: true, detail: 'queue: degraded' });
  });

  it('is down without an overall status when a component is down, naming it', async () => {
    const server = await serve(200, { components: { db: { status: 'UP' }, cache: { status: 'DOWN' } } });
    const outcome = await probe({ url: server.url });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toBe('health document has no status and a component is not up (cache: down)');
    expect(componentSamples(outcome.samples)).toContainEqual({ name: 'health_component_up', labels: { component: 'cache' }, value: 0 });
  });

  it('is down without an overall status when a component status is unreadable', async () => {
    const server = await serve(200, { components: { db: { status: 'sideways' } } });
    expect((await probe({ url: server.url })).error).toBe('health document has no status and a component is not up (db: unknown)');
  });

  it('records numbers at JSON paths as series with their labels', async () => {
    const server = await serve(200, { status: 'ok', replication: { lag_seconds: 2.5 }, queues: [{ name: 'exports', depth: 17 }] });
    const outcome = await probe({
      url: server.url,
      metrics: [
        { name: 'replica_lag_seconds', path: '$.replication.lag_seconds' },
        { name: 'queue_depth', path: '$.queues[0].depth', labels: { queue: 'exports' } },
      ],
    });
    expect(outcome.success).toBe(true);
    expect(outcome.samples).toContainEqual({ name: 'replica_lag_seconds', labels: {}, value: 2.5 });
    expect(outcome.samples).toContainEqual({ name: 'queue_depth', labels: { queue: 'exports' }, value: 17 });
  });

  it('fails naming a missing or non-number metric path, and still records the others', async () => {
    const server = await serve(200, { status: 'ok', lag: 'n/a', depth: 4 });
    const outcome = await probe({
      url: server.url,
      metrics: [
        { name: 'replica_lag_seconds', path: '$.lag' },
        { name: 'queue_depth', path: '$.depth' },
        { name: 'heartbeat_age_seconds', path: '$.heartbeat.age' },
      ],
    });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toBe(
      '$.lag is "n/a", expected a number for replica_lag_seconds; $.heartbeat.age is missing, expected a number for heartbeat_age_seconds',
    );
    expect(outcome.samples).toContainEqual({ name: 'queue_depth', labels: {}, value: 4 });
  });
});
