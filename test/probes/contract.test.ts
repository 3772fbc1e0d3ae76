// The contract every probe kind keeps: a target that hangs ends at the deadline as a failed outcome
// saying it timed out, never as an exception and never later than the deadline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinProbes } from '../../probes/index.js';
import { ProbeTimeoutError } from '../../probes/outcome-text.js';
import { closedPort, startSilentServer, type TestServer } from '../helpers/servers.js';

let silent: TestServer;
let refused: number;
beforeAll(async () => {
  silent = await startSilentServer();
  refused = await closedPort();
});
afterAll(() => silent.close());

const targets: Record<string, (port: number) => Record<string, unknown>> = {
  http: (port) => ({ url: `http://127.0.0.1:${port}/` }),
  health: (port) => ({ url: `http://127.0.0.1:${port}/health` }),
  tcp: (port) => ({ host: '127.0.0.1', port, tls: { insecure: true } }),
};

describe.each(builtinProbes().kinds())('the %s probe', (kind) => {
  const probe = builtinProbes().get(kind);
  const target = (port: number) => probe.schema.parse(targets[kind](port));

  it('ends at the deadline with a timeout failure against a server that never answers', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new ProbeTimeoutError(300)), 300);
    const t0 = performance.now();
    const outcome = await probe.run(target(silent.port), controller.signal);
    expect(performance.now() - t0).toBeLessThan(400);
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^timed out after 300ms (while|during) /);
  });

  it('returns at once, without touching the network, for a signal already aborted', async () => {
    const outcome = await probe.run(target(silent.port), AbortSignal.abort(new ProbeTimeoutError(5000)));
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^timed out after 5s /);
  });

  it('reports a refused connection as data, not an exception', async () => {
    const outcome = await probe.run(target(refused), AbortSignal.timeout(2000));
    expect(outcome).toMatchObject({ success: false, error: `connection refused to 127.0.0.1:${refused}` });
  });
});
