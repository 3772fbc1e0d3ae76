// NUL characters (U+0000), the same on both engines: in a path, a query string or a JSON body of the API
// they are a 400 naming where (PostgreSQL's text type cannot hold one: an incidents filter carrying it
// was a 500 there while SQLite answered); in text from outside (a probed server's answer quoted in an
// error, an OTLP resource's service name) they become U+FFFD, so the result is still stored (on
// PostgreSQL it failed every batch of check results after it, forever).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { issueToken } from '../../auth/tokens.js';
import { IngestWriter } from '../../ingest/writer.js';
import { LiveView } from '../../ingest/live-view.js';
import { serve, type RunningVigil } from '../../cli/serve.js';
import { openStore } from '../../store/open.js';
import { describeEachEngine } from '../helpers/stores.js';

const CONFIG = 'environments: [prod]\nservices:\n  db:\n    checks:\n      - tcp: { host: 127.0.0.1, port: 1, every: 1h }\n';

/** `vigil serve` on `db` with CONFIG, stopped (and its temp dir removed) when the test ends. */
async function startVigil(db: string): Promise<RunningVigil> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-nul-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const configFile = path.join(dir, 'vigil.yaml');
  fs.writeFileSync(configFile, CONFIG);
  const vigil = await serve({ configFile, port: 0, host: '127.0.0.1', db, env: {}, log: () => {} });
  onTestFinished(() => vigil.stop());
  return vigil;
}

describeEachEngine('NUL characters at the API', (engine) => {
  it('are refused with a 400 naming the path, query parameter or body field, and the same request without one works', async () => {
    const db = await engine.location();
    const store = await openStore(db, { sqlite: { readers: 0 } });
    const token = (await issueToken(store, { name: 'admin', role: 'admin', createdBy: 'test' }, Date.now())).text;
    await store.close();
    const vigil = await startVigil(db);
    const error = async (res: Response) => [res.status, ((await res.json()) as { error: { message: string } }).error.message];

    expect(await error(await vigil.app.request('/api/v1/incidents?service=a%00b'))).toEqual([400, 'the query parameter "service" contains a NUL character (%00)']);
    expect(await error(await vigil.app.request('/api/v1/incidents?env=%00&service=db'))).toEqual([400, 'the query parameter "env" contains a NUL character (%00)']);
    expect(await error(await vigil.app.request('/api/v1/incidents/1%00'))).toEqual([400, 'the path contains a NUL character (%00)']);
    expect((await vigil.app.request('/api/v1/incidents?service=db')).status).toBe(200);

    const silence = (comment: string) =>
      vigil.app.request('/api/v1/silences', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ matchers: { env: 'prod', service: 'db' }, duration: '1h', comment }),
      });
    expect(await error(await silence('db upgrade\u0000'))).toEqual([400, 'body.comment: contains a NUL character (\\u0000)']);
    expect((await silence('db upgrade')).status).toBe(201);
  });

  it('become U+FFFD in a check result quoting a server, which is stored along with the results of its batch', async () => {
    const store = await engine.open();
    const writer = new IngestWriter(store, new LiveView(), { clock: { now: () => Date.now() }, log: () => {} });
    const at = Date.now();
    const base = { kind: 'health', ts: at, success: false, degraded: false, durationSeconds: 0.01, detail: null };
    writer.write([], { ...base, checkId: 'prod/db/health', env: 'prod', service: 'db', check: 'health', error: 'component "a\u0000b": down', detail: 'a\u0000b: down' }, 60_000);
    writer.write([], { ...base, checkId: 'prod/api/http', env: 'prod', service: 'api', check: 'http', error: 'expected status 200, got 500' }, 60_000);
    await writer.flush();
    expect(writer.failure()).toBeNull();
    const last = Object.fromEntries((await store.checks.last()).map((result) => [result.checkId, [result.error, result.detail]]));
    expect(last).toEqual({ 'prod/db/health': ['component "a\uFFFDb": down', 'a\uFFFDb: down'], 'prod/api/http': ['expected status 200, got 500', null] });
    await writer.close();
  });

  it("become U+FFFD in an OTLP resource's service and environment, whose source then shows in the status", async () => {
    const db = await engine.location();
    const vigil = await startVigil(db);
    const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'pay\u0000ments' } }, { key: 'deployment.environment.name', value: { stringValue: 'prod\u0000' } }] };
    const body = { resourceMetrics: [{ resource, scopeMetrics: [{ metrics: [{ name: 'queue.depth', gauge: { dataPoints: [{ timeUnixNano: `${Date.now()}000000`, asDouble: 3 }] } }] }] }] };
    const res = await vigil.app.request('/v1/metrics', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    // The source's status entry reaches the store with the next flush, and the store keeps working.
    const reader = await openStore(db, { sqlite: { readers: 0 } });
    onTestFinished(() => reader.close());
    await expect
      .poll(async () => (await reader.checks.last()).filter((result) => result.service === 'pay\uFFFDments').map((result) => result.env), { timeout: 10_000 })
      .toEqual(['prod\uFFFD']);
    expect((await vigil.app.request('/health/ready')).status).toBe(200);
    const status = (await (await vigil.app.request('/api/v1/status')).json()) as { cells: Array<{ env: string; service: string }> };
    expect(status.cells).toContainEqual(expect.objectContaining({ env: 'prod\uFFFD', service: 'pay\uFFFDments' }));
  });
});
