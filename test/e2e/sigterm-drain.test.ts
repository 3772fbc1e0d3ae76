// SIGTERM under load ([X1] "Crash safety"): Vigil stops within its 10 s bound (cli/shutdown.ts), and
// the probe runs it had measured (shown on the status page, maybe not yet flushed) are in the store.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLP_CHECK_KIND } from '../../collector/collector.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';
import { waitFor } from '../helpers/wait-for.js';

const CHECKS = 20;

describe('SIGTERM under load', () => {
  let dir: string;
  let target: TestServer;
  let vigil: VigilProcess;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sigterm-'));
    target = await startHttpServer((_req, res) => res.writeHead(200).end('ok'));
    const config = path.join(dir, 'vigil.yaml');
    const checks = Array.from({ length: CHECKS }, (_, i) => `      - http: { name: c${i}, url: "http://127.0.0.1:${target.port}/${i}", every: 1s, timeout: 1s }`);
    fs.writeFileSync(config, ['environments: [prod]', 'services:', '  shop:', '    checks:', ...checks, ''].join('\n'));
    vigil = await startVigil({ args: ['--config', config], db: path.join(dir, 'vigil.db'), startTimeoutMs: 60_000 });
  });
  afterAll(async () => {
    await vigil?.stop();
    await target?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('drains within its bound and stores the runs it had measured', { timeout: 60_000 }, async () => {
    type Status = { cells: Array<{ checks: Array<{ name: string; lastRunAt: number | null }> }> };
    const status = async () => (await (await fetch(`${vigil.url}/api/v1/status`)).json()) as Status;
    const runs = (s: Status) => new Map(s.cells.flatMap((cell) => cell.checks).map((check) => [check.name, check.lastRunAt]));
    const shown = runs(await waitFor(status, (s) => [...runs(s).values()].filter((at) => at !== null).length === CHECKS, 30_000, 'every check run'));
    // OTLP load at the same time, in flight when the signal comes.
    const sending = Array.from({ length: 4 }, (_, i) =>
      fetch(`${vigil.url}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'load', gauge: { dataPoints: [{ timeUnixNano: `${Date.now() - i}000000`, asDouble: i }] } }] }] }] }),
      }).catch(() => null),
    );
    const exitCode = await vigil.terminate();
    await Promise.all(sending);
    expect(exitCode).toBe(0);
    const stopped = /stopped in (\d+) ms/.exec(vigil.output());
    expect(stopped, vigil.output().slice(-2000)).not.toBeNull();
    console.log(`SIGTERM drain: ${stopped![1]} ms (bound ${10_000} ms, enforced by cli/shutdown.ts)`);
    expect(vigil.output()).not.toMatch(/unwritten|did not stop/);

    const store = await openSqliteStore(path.join(dir, 'vigil.db'), { readers: 0 });
    try {
      // Probe runs only: an OTLP export taken before the signal records its source's status entry
      // (kind otlp), which has no probe_success sample of its own.
      const last = new Map((await store.checks.last()).filter((result) => result.kind !== OTLP_CHECK_KIND).map((result) => [result.check, result.ts]));
      for (const [name, at] of shown) expect(last.get(name), name).toBeGreaterThanOrEqual(at!);
      const from = Math.min(...[...shown.values()].map((at) => at!));
      const stored = await store.samples.query({ metric: 'probe_success', matchers: [], from, to: Date.now() + 1, stepMs: 1, aggregate: 'last' }, { maxSeries: 100, maxPoints: 10_000_000, maxRowsScanned: 10_000_000 });
      const times = new Map(stored.series.map((series) => [series.labels.check, new Set(series.points.map((point) => point[0]))]));
      // The run shown last for each check, and the newest result recorded at stop, both have their sample.
      for (const [name, at] of shown) expect(times.get(name)?.has(at!), `${name} at ${at}`).toBe(true);
      for (const [name, at] of last) expect(times.get(name)?.has(at), `${name}'s last result at ${at}`).toBe(true);
    } finally {
      await store.close();
    }
  });
});
