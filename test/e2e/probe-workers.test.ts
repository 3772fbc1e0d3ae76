// `vigil serve` with `scheduler.workers`: the http and health checks run in worker threads of the
// built server (the worker script found beside the scheduler in dist/), other kinds on the main loop.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResponse } from '../../api/types.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait-for.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';

const TOKEN = 'tok-workers-5b4a3c2d';

describe('vigil serve with probe worker threads', () => {
  let target: TestServer;
  let vigil: VigilProcess;
  let dir: string;
  const seenAuthorization = new Set<string>();

  beforeAll(async () => {
    target = await startHttpServer((req, res) => {
      // Only the http check sends one (the health check has no headers configured).
      if (req.headers.authorization !== undefined) seenAuthorization.add(req.headers.authorization);
      if (req.url === '/prod/health') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP","components":{"db":{"status":"DOWN"}}}');
      else res.writeHead(503).end('maintenance');
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-workers-'));
    const configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(
      configFile,
      [
        'environments: [staging, prod]',
        'scheduler: { workers: 2 }',
        'services:',
        '  shop:',
        '    checks:',
        '      - http:',
        `          url: "http://127.0.0.1:${target.port}/{{env}}/health"`,
        '          every: 1s',
        '          timeout: 1s',
        '          headers: { Authorization: "Bearer ${SHOP_TOKEN}" }',
        '      - health:',
        `          url: "http://127.0.0.1:${target.port}/{{env}}/health"`,
        '          every: 1s',
        '          timeout: 1s',
        '      - tcp: { host: 127.0.0.1, port: ' + target.port + ', every: 1s, timeout: 1s }',
      ].join('\n'),
    );
    vigil = await startVigil({ args: ['--config', configFile], env: { SHOP_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await vigil?.stop();
    await target?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs http, health and tcp checks and reports what they found', async () => {
    const status = await waitFor(
      () => fetch(`${vigil.url}/api/v1/status`).then((r) => r.json() as Promise<StatusResponse>),
      (s) => s.cells.every((c) => c.checks.every((check) => check.lastRunAt !== null)),
      15_000,
      'every check run',
    );
    const checks = Object.fromEntries(status.cells.flatMap((c) => c.checks.map((check) => [`${c.env}/${check.name}`, check])));
    expect(checks['staging/http']).toMatchObject({ error: 'expected status 2xx, got 503' });
    expect(checks['prod/http']).toMatchObject({ error: null });
    expect(checks['prod/health']).toMatchObject({ error: null, detail: 'db: down' });
    expect(checks['prod/tcp']).toMatchObject({ error: null });
    expect(seenAuthorization).toEqual(new Set([`Bearer ${TOKEN}`]));
    expect(vigil.output()).not.toContain(TOKEN);
  }, 25_000);
});
