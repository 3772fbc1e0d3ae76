// The contract every probe kind keeps: a target that hangs ends when the signal aborts as a failed
// outcome saying it timed out, never as an exception and without leaving a socket open; a run whose
// signal is already aborted does not touch the network at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinProbes } from '../../probes/index.js';
import { ProbeTimeoutError } from '../../probes/outcome-text.js';
import {
  closeAfterEach,
  closedPort,
  connectAfter,
  probeContextPerTest,
  startSilentServer,
} from '../helpers/servers.js';

let refused: number;
beforeAll(async () => {
  refused = await closedPort();
});

const use = closeAfterEach();
const contexts = probeContextPerTest();

const targets: Record<string, (port: number) => Record<string, unknown>> = {
  http: (port) => ({ url: `http://127.0.0.1:${port}/` }),
  health: (port) => ({ url: `http://127.0.0.1:${port}/health` }),
  tcp: (port) => ({ host: '127.0.0.1', port, tls: { insecure: true } }),
  mysql_replica_lag: (port) => ({ dsn: `mysql://monitor:pw-in-dsn@127.0.0.1:${port}/` }),
};

afterAll(() => {
  // A kind registered without a target here would silently skip the contract.
  expect(Object.keys(targets).sort()).toEqual(builtinProbes().kinds().sort());
});

describe.each(builtinProbes().kinds())('the %s probe', (kind) => {
  const probe = builtinProbes().get(kind);
  const target = (port: number) => probe.schema.parse(targets[kind](port));

  it('stops when the signal aborts against a server that accepts and never answers, leaving no socket open', async () => {
    const server = await use(startSilentServer());
    const controller = new AbortController();
    // Abort once the probe is surely connected and waiting, so the abort (not a refusal) ends the run.
    void server.acceptedAtLeast(1).then(() => controller.abort(new ProbeTimeoutError(300)));
    const outcome = await probe.run(target(server.port), controller.signal, contexts.current());
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^timed out after 300ms (while|during) /);
    expect(server.accepted).toBe(1);
    await expect.poll(() => server.open, { timeout: 2000 }).toBe(0);
  });

  it('returns at once, without opening a connection, for a signal already aborted', async () => {
    const server = await use(startSilentServer());
    const outcome = await probe.run(target(server.port), AbortSignal.abort(new ProbeTimeoutError(5000)), contexts.current());
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^timed out after 5s /);
    await connectAfter(server);
    expect(server.accepted - 1).toBe(0);
  });

  it('reports a refused connection as data, not an exception', async () => {
    const outcome = await probe.run(target(refused), AbortSignal.timeout(2000), contexts.current());
    expect(outcome).toMatchObject({ success: false, error: `connection refused to 127.0.0.1:${refused}` });
  });
});
