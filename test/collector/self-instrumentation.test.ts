// Vigil instrumented by the OpenTelemetry SDK (the preload collector/instrument.ts), exporting to its own
// collector: its HTTP server and the probes' requests appear as span metrics of service "vigil".
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { SeriesResponse } from '../../api/types.js';
import { selfInstrumentationEnabled } from '../../collector/self-instrumentation-env.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { waitFor } from '../helpers/wait-for.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('self-instrumentation', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }, false],
  ])('is on only when an OTLP endpoint is set (%o)', (env, enabled) => {
    expect(selfInstrumentationEnabled(env)).toBe(enabled);
  });

  it('shows the demo\'s own requests as span metrics of service "vigil" when it exports to itself', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', './collector/instrument.ts', 'cli/vigil.ts', 'serve', '--port', String(port), '--host', '127.0.0.1', '--db', tempDbPath()], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_BSP_SCHEDULE_DELAY: '500', OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    onTestFinished(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    await waitFor(async () => output, (text) => text.includes('Vigil listening'), 30_000, 'Vigil to listen');
    const spans = async () => {
      const response = await fetch(`${url}/api/v1/series?metric=span_requests_total&match=service%3Dvigil&from=now-10m&to=now&step=10s&agg=last`);
      return ((await response.json()) as SeriesResponse).series;
    };
    const found = await waitFor(spans, (series) => series.some((s) => s.labels.span_kind === 'server') && series.some((s) => s.labels.span_kind === 'client'), 30_000, 'server and client spans of service vigil');
    expect(found.every((s) => s.labels.env === 'prod')).toBe(true);
    // Its exports to its own /v1 are not traced: no span per export, no loop.
    const exposition = await (await fetch(`${url}/metrics`)).text();
    expect(exposition).toMatch(/vigil_otlp_requests_total\{signal="traces",result="ok"\} [1-9]/);
  });
});
