// Reads never stall the server: on a database holding a week of samples, the heavy series queries an
// audit found (each froze the whole process for seconds) run in parallel while probes run, and
// /health/live still answers before they finish, and no check run is skipped.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Sample } from '../../store/types.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';

const DAY_MS = 86_400_000;
const SERIES = 16;
const EVERY_MS = 15_000;
const HEAVY_QUERIES = [
  '/api/v1/series?metric=probe_duration_seconds&from=now-7d&step=61s',
  '/api/v1/series?metric=probe_duration_seconds&from=0&step=604801s&agg=p50',
  '/api/v1/series?metric=probe_duration_seconds&from=now-7d&step=61s&agg=p99',
];

/** A week of one sample every 15 s for each series (~645k rows), written before Vigil opens the file. */
async function fillWeek(file: string, now: number): Promise<number> {
  const store = await openSqliteStore(file, { readers: 0 });
  let rows = 0;
  try {
    let batch: Sample[] = [];
    for (let ts = now - 7 * DAY_MS; ts < now; ts += EVERY_MS) {
      for (let s = 0; s < SERIES; s++) {
        batch.push({ name: 'probe_duration_seconds', labels: { env: 'prod', service: `svc${s}`, check: 'http' }, ts, value: 0.05 + ((ts / EVERY_MS + s) % 17) / 100 });
      }
      if (batch.length >= 20_000) {
        await store.samples.append(batch);
        rows += batch.length;
        batch = [];
      }
    }
    await store.samples.append(batch);
    rows += batch.length;
  } finally {
    await store.close();
  }
  return rows;
}

describe('heavy reads while probes run', () => {
  let vigil: VigilProcess;
  let dir: string;
  let listener: net.Server;
  let rows = 0;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-heavy-'));
    const db = path.join(dir, 'vigil.db');
    rows = await fillWeek(db, Date.now());
    listener = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as net.AddressInfo;
    const config = path.join(dir, 'vigil.yaml');
    const checks = Array.from({ length: 20 }, (_, i) => `      - tcp: { name: port-${i}, host: 127.0.0.1, port: ${port}, every: 2s, timeout: 1s }`);
    fs.writeFileSync(config, ['environments: [prod]', 'services:', '  svc:', '    checks:', ...checks].join('\n'));
    vigil = await startVigil({ args: ['--config', config], db });
  }, 120_000);
  afterAll(async () => {
    await vigil?.stop();
    await new Promise((resolve) => listener?.close(resolve));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers /health/live before three parallel week-long queries finish, and skips no check run', async () => {
    expect(rows).toBeGreaterThan(600_000);
    // Let every check run a few times first.
    await new Promise((r) => setTimeout(r, 4500));
    const order: string[] = [];
    const queries = HEAVY_QUERIES.map((query) =>
      fetch(vigil.url + query).then(async (res) => {
        const body = await res.text();
        order.push('query');
        return { query, status: res.status, body };
      }),
    );
    // Asked once the queries are on their way: a process busy with them on its event loop answers it last.
    await new Promise((r) => setTimeout(r, 50));
    const live = fetch(`${vigil.url}/health/live`).then(async (res) => {
      order.push('live');
      return res.status;
    });
    const answers = await Promise.all(queries);
    expect(await live).toBe(200);
    expect(order[0]).toBe('live');
    for (const answer of answers) {
      expect(answer.status, `${answer.query}: ${answer.body.slice(0, 300)}`).toBe(200);
      const parsed = JSON.parse(answer.body) as { resolution: string; series: Array<{ labels: Record<string, string> }> };
      // The week written before the start (Vigil's own tcp checks add their series beside them).
      expect(parsed.series.filter((s) => s.labels.check === 'http')).toHaveLength(SERIES);
      expect(parsed.resolution).not.toBe('raw');
    }
    const metrics = await fetch(`${vigil.url}/metrics`).then((r) => r.text());
    // On failure, say how long the event loop was held and how loaded the machine was.
    const why = `${/^nodejs_eventloop_lag_max_seconds.*$/m.exec(metrics)?.[0]}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
    expect(/^vigil_scheduler_late_ticks_skipped_total.*$/m.exec(metrics)?.[0], why).toBe('vigil_scheduler_late_ticks_skipped_total 0');
    expect(/^vigil_scheduler_overruns_skipped_total.*$/m.exec(metrics)?.[0], why).toBe('vigil_scheduler_overruns_skipped_total 0');
    const rss = Number(/^process_resident_memory_bytes (\S+)$/m.exec(metrics)?.[1]);
    expect(rss).toBeLessThan(768 * 1024 * 1024);
  }, 60_000);

  it('refuses a query past its bounds with a 400 that says how to narrow it', async () => {
    const res = await fetch(`${vigil.url}/api/v1/series?metric=probe_duration_seconds&from=now-7d&step=1s`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/use a larger step/);
  });
});
