// The README's claim: a 200 from /v1/metrics is sent only once the request's samples are committed to
// the store, so they survive Vigil being killed (kill -9) right after. A real Vigil process, killed
// while exports are in flight; every acknowledged sample must be in the database afterwards.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { tempDbPath } from '../helpers/temp-db.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

async function startVigilFromSource(dbPath: string): Promise<{ url: string; kill(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/vigil.ts', 'serve', '--port', '0', '--host', '127.0.0.1', '--db', dbPath], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onTestFinished(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Vigil did not start:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d;
      const m = /Vigil listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  return {
    url,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

// Recent times: housekeeping deletes samples older than the raw retention.
const BASE = Math.floor(Date.now() / 1000) * 1000 - 60_000;

function gauge(value: number) {
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'durable' } }] },
        scopeMetrics: [{ metrics: [{ name: 'acked', gauge: { dataPoints: [{ timeUnixNano: `${BASE + value}000000`, asDouble: value }] } }] }],
      },
    ],
  });
}

describe('OTLP durability', () => {
  it('keeps every acknowledged sample when Vigil is killed with SIGKILL mid-stream', { timeout: 60_000 }, async () => {
    const dbPath = tempDbPath();
    const vigil = await startVigilFromSource(dbPath);
    const acked: number[] = [];
    let killing: Promise<void> | null = null;
    const send = async (value: number) => {
      try {
        const response = await fetch(`${vigil.url}/v1/metrics`, { method: 'POST', body: gauge(value), headers: { 'content-type': 'application/json' } });
        if (response.status === 200) acked.push(value);
        // Killed as soon as 50 are acknowledged, with more in flight.
        if (acked.length >= 50) killing ??= vigil.kill();
      } catch {
        // The connection died with the process: not acknowledged.
      }
    };
    const inFlight: Array<Promise<void>> = [];
    for (let value = 1; value <= 400 && killing === null; value++) {
      inFlight.push(send(value));
      if (value % 8 === 0) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await killing;
    expect(acked.length).toBeGreaterThanOrEqual(50);

    const store = await openSqliteStore(dbPath, { readers: 0 });
    try {
      const result = await store.samples.query({ metric: 'acked', matchers: [], from: BASE, to: BASE + 1000, stepMs: 1000, aggregate: 'count' });
      const stored = await store.samples.query({ metric: 'acked', matchers: [], from: BASE, to: BASE + 1000, stepMs: 1, aggregate: 'last' }, { maxSeries: 10, maxPoints: 2_000_000, maxRowsScanned: 2_000_000 });
      const values = new Set(stored.series[0]!.points.map((p) => p[1]));
      expect(acked.filter((v) => !values.has(v))).toEqual([]);
      expect(result.series[0]!.points[0]![1]).toBeGreaterThanOrEqual(acked.length);
    } finally {
      await store.close();
    }
  });
});
