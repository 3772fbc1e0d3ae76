// The contract every probe kind keeps: a target that hangs ends when the signal aborts as a failed
// outcome saying it timed out, never as an exception and without leaving a socket open; a run whose
// signal is already aborted does not touch the network at all.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProbeContext, type ProbeContext } from '../../probes/context.js';
import { dnsProbe } from '../../probes/dns.js';
import { heartbeatProbe } from '../../probes/heartbeat.js';
import { systemClock } from '../../lib/clock.js';
import { builtinProbes } from '../../probes/index.js';
import { ProbeTimeoutError } from '../../probes/outcome-text.js';
import {
  closeAfterEach,
  closedPort,
  connectAfter,
  probeContextPerTest,
  startSilentServer,
} from '../helpers/servers.js';
import { startDnsServer } from '../helpers/dns-server.js';

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
  queue_depth: (port) => ({ redis: `redis://127.0.0.1:${port}`, queue: 'jobs' }),
  postgres_replica_lag: (port) => ({ dsn: `postgres://vigil:contract-secret@127.0.0.1:${port}/postgres` }),
  // The MySQL backend keeps the same contract in test/probes/sql.test.ts.
  sql: (port) => ({ dsn: `postgres://vigil:contract-secret@127.0.0.1:${port}/postgres`, query: 'select 1 as one' }),
  tls: (port) => ({ host: '127.0.0.1', port }),
  mysql_replica_lag: (port) => ({ dsn: `mysql://monitor:pw-in-dsn@127.0.0.1:${port}/` }),
};

/** A peer of a kind that speaks no TCP: it is contacted, and never answers. */
interface SilentPeer {
  /** What a run reads, pointed at this peer. */
  readonly target: Record<string, unknown>;
  /** The context a run uses (one that holds the peer, for kinds that read through the context). */
  readonly context: ProbeContext;
  /** Requests the peer has received. */
  readonly contacted: number;
  /** The kind's fields pointed at a peer that refuses, and the error that says so; null where nothing can refuse. */
  readonly refused: { readonly target: Record<string, unknown>; readonly error: string } | null;
  close(): Promise<void>;
}

/** Kinds that speak no TCP keep the same contract against their own silent peer. */
const silentPeers: Record<string, () => Promise<SilentPeer>> = {
  dns: async () => {
    const server = await startDnsServer({});
    server.mode = 'silent';
    return {
      target: dnsProbe.schema.parse({ query: 'api.example.com', resolver: server.address }),
      context: contexts.current(),
      get contacted() {
        return server.received;
      },
      refused: { target: { query: 'api.example.com', resolver: `127.0.0.1:${refused}` }, error: `connection refused to 127.0.0.1:${refused}` },
      close: () => server.close(),
    };
  },
  heartbeat: async () => {
    let reads = 0;
    const context = createProbeContext({ clock: systemClock, heartbeats: { read: () => (reads++, new Promise(() => {})) } });
    return {
      target: { ...heartbeatProbe.schema.parse({}), checkId: 'prod/backup/heartbeat', everyMs: 86_400_000 },
      context,
      get contacted() {
        return reads;
      },
      refused: null,
      close: () => context.close(),
    };
  },
};

/** A kind with several backends runs the contract once per backend: each has its own client library. */
const backendTargets: Record<string, { kind: string; target: (port: number) => Record<string, unknown> }> = {
  'queue_depth bullmq': { kind: 'queue_depth', target: (port) => ({ bullmq: `redis://127.0.0.1:${port}`, queue: 'emails' }) },
  'queue_depth celery': { kind: 'queue_depth', target: (port) => ({ celery: `redis://127.0.0.1:${port}`, queue: 'celery' }) },
  'queue_depth redis_stream': { kind: 'queue_depth', target: (port) => ({ redis_stream: `redis://127.0.0.1:${port}`, stream: 'events', group: 'workers' }) },
  'queue_depth rabbitmq': { kind: 'queue_depth', target: (port) => ({ rabbitmq: `amqp://guest:guest@127.0.0.1:${port}`, queue: 'jobs' }) },
  'queue_depth nats': { kind: 'queue_depth', target: (port) => ({ nats: `nats://127.0.0.1:${port}`, stream: 'ORDERS', consumer: 'billing' }) },
};

const cases: [string, string, (port: number) => Record<string, unknown>][] = [
  ...builtinProbes().kinds().filter((kind) => kind in targets).map((kind): [string, string, (port: number) => Record<string, unknown>] => [kind, kind, (port) => targets[kind](port)]),
  ...Object.entries(backendTargets).map(([name, { kind, target }]): [string, string, (port: number) => Record<string, unknown>] => [name, kind, target]),
];

afterAll(() => {
  // A kind registered without a target here would silently skip the contract.
  expect([...Object.keys(targets), ...Object.keys(silentPeers)].sort()).toEqual(builtinProbes().kinds().sort());
});

describe.each(Object.keys(silentPeers))('the %s probe (no TCP)', (kind) => {
  const probe = builtinProbes().get(kind);
  const peers: SilentPeer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
  });
  const start = async (): Promise<SilentPeer> => {
    const peer = await silentPeers[kind]!();
    peers.push(peer);
    return peer;
  };

  it('stops when the signal aborts against a peer that never answers', async () => {
    const peer = await start();
    const controller = new AbortController();
    const running = probe.run(peer.target, controller.signal, peer.context);
    await expect.poll(() => peer.contacted, { timeout: 2000 }).toBe(1);
    controller.abort(new ProbeTimeoutError(300));
    const outcome = await running;
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^timed out after 300ms (while|during) /);
  });

  it('returns at once, without contacting its peer, for a signal already aborted', async () => {
    const peer = await start();
    const outcome = await probe.run(peer.target, AbortSignal.abort(new ProbeTimeoutError(5000)), peer.context);
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^timed out after 5s /);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(peer.contacted).toBe(0);
  });

  it('reports a refusing peer as data, not an exception', async () => {
    const peer = await start();
    if (peer.refused === null) return;
    const outcome = await probe.run(probe.schema.parse(peer.refused.target), AbortSignal.timeout(2000), peer.context);
    expect(outcome).toMatchObject({ success: false, error: peer.refused.error });
  });
});

describe.each(cases)('the %s probe', (_name, kind, fields) => {
  const probe = builtinProbes().get(kind);
  const target = (port: number) => probe.schema.parse(fields(port));

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
