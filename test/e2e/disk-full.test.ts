// A full disk under the SQLite store ([X1] "Crash safety"): a 4 MiB tmpfs mounted for the test (this
// needs root; where mount is refused the test is skipped, and test/ingest/writer.test.ts covers the same
// behaviour with the failure injected at the store boundary). While the disk is full OTLP answers 503
// with Retry-After, /health/ready says why, probes keep running into the writer's buffer; once space
// returns Vigil writes the buffer and answers 200 again, without a restart.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';
import { waitFor } from '../helpers/wait-for.js';

const mountDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-disk-full-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountDir]).status === 0;

function otlpBody(batch: number, points: number): string {
  const base = Date.now() - 60_000;
  const dataPoints = Array.from({ length: points }, (_, i) => ({ timeUnixNano: `${base + i}000000`, asDouble: batch }));
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'filler' } }] },
        scopeMetrics: [{ metrics: [{ name: `fill_${batch % 50}`, gauge: { dataPoints } }] }],
      },
    ],
  });
}

describe.skipIf(!mounted)('a full disk under the SQLite store (tmpfs)', () => {
  let vigil: VigilProcess | null = null;
  let target: TestServer;
  const filler = path.join(mountDir, 'filler');

  beforeAll(async () => {
    target = await startHttpServer((_req, res) => res.writeHead(200).end('ok'));
    const config = path.join(os.tmpdir(), `vigil-disk-full-${process.pid}.yaml`);
    fs.writeFileSync(
      config,
      ['environments: [prod]', 'services:', '  shop:', '    checks:', `      - http: { url: "http://127.0.0.1:${target.port}/", every: 1s, timeout: 1s }`, ''].join('\n'),
    );
    vigil = await startVigil({ args: ['--config', config], db: path.join(mountDir, 'vigil.db'), startTimeoutMs: 60_000 });
  });
  afterAll(async () => {
    await vigil?.stop();
    await target?.close();
    spawnSync('umount', ['-l', mountDir]);
    fs.rmSync(mountDir, { recursive: true, force: true });
  });

  const post = (batch: number) =>
    fetch(`${vigil!.url}/v1/metrics`, { method: 'POST', body: otlpBody(batch, 2_000), headers: { 'content-type': 'application/json' } });
  const ready = async () => {
    const response = await fetch(`${vigil!.url}/health/ready`);
    return { status: response.status, body: (await response.json()) as { problems: string[] } };
  };
  const lastRunAt = async () => {
    const status = (await (await fetch(`${vigil!.url}/api/v1/status`)).json()) as { cells: Array<{ checks: Array<{ lastRunAt: number | null }> }> };
    return status.cells[0]?.checks[0]?.lastRunAt ?? 0;
  };
  const metric = async (name: string) => {
    const text = await (await fetch(`${vigil!.url}/metrics`)).text();
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  };

  it('answers 503 with Retry-After and is not ready while the disk is full, keeps probing, and recovers when space returns', { timeout: 120_000 }, async () => {
    expect((await post(0)).status).toBe(200);
    // Fill what is left of the file system.
    const fd = fs.openSync(filler, 'w');
    try {
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (;;) fs.writeSync(fd, chunk);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      fs.closeSync(fd);
    }

    // The WAL still has room for a while: write until the store refuses.
    let refused: Response | null = null;
    for (let batch = 1; batch < 2_000 && refused === null; batch++) {
      const response = await post(batch);
      await response.arrayBuffer();
      if (response.status === 503) refused = response;
      else expect(response.status).toBe(200);
    }
    expect(refused, 'a 503 once the disk is full').not.toBeNull();
    expect(refused!.headers.get('retry-after')).toMatch(/^\d+$/);

    const notReady = await waitFor(ready, (r) => r.status === 503, 10_000, 'not ready');
    expect(notReady.body.problems.join('\n')).toMatch(/store writes failing for \d+s: the disk is full/);
    // Probes keep running into the buffer while nothing can be written.
    const before = await lastRunAt();
    await waitFor(lastRunAt, (at) => at > before, 10_000, 'a probe run during the outage');
    expect(await metric('vigil_store_buffered_samples')).toBeGreaterThan(0);

    // Space returns: no restart, the buffer is written, OTLP is answered 200 and Vigil is ready again.
    fs.rmSync(filler);
    await waitFor(ready, (r) => r.status === 200, 20_000, 'ready again');
    await waitFor(() => post(5_000).then((r) => r.status), (status) => status === 200, 20_000, 'OTLP answered 200 again');
    await waitFor(() => metric('vigil_store_buffered_samples'), (n) => n === 0, 10_000, 'the buffer written');
    expect(vigil!.output()).toMatch(/ingest: store writes work again after \d+s/);
  });
});
