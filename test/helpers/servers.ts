// Real loopback servers on port 0 for probe tests; each start function returns a close function.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { afterEach } from 'vitest';
import type { Clock } from '../../lib/clock.js';
import { systemClock } from '../../lib/clock.js';
import type { SecretValues } from '../../lib/secret.js';
import type { OutboundGuard } from '../../lib/outbound-guard.js';
import { createProbeContext, type ProbeContext } from '../../probes/context.js';
import { ProbeTimeoutError } from '../../probes/outcome-text.js';

const run = promisify(execFile);

/** A server a test started; `close()` ends it and every connection it holds. */
export interface TestServer {
  readonly port: number;
  readonly url: string;
  /** TCP connections accepted since the start (a probe that must not connect leaves this at 0). */
  readonly accepted: number;
  /** TCP connections still open (a probe that leaks a socket leaves this above 0). */
  readonly open: number;
  /** Resolves once a connection from this client port has been accepted. */
  acceptedFrom(clientPort: number): Promise<void>;
  /** Resolves once `count` connections have been accepted in all. */
  acceptedAtLeast(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Connections a server accepted, by their client port, and the ones still open. */
interface Tracked {
  readonly sockets: Set<net.Socket>;
  readonly clientPorts: number[];
  readonly waiters: Set<() => void>;
}

function closeAll(server: net.Server, tracked: Tracked): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of tracked.sockets) socket.destroy();
      server.close(() => resolve());
    });
}

function track(server: net.Server): Tracked {
  const tracked: Tracked = { sockets: new Set(), clientPorts: [], waiters: new Set() };
  // Counted on the TCP accept: a TLS server's 'secureConnection' comes later (or never, for a stalled handshake).
  server.on('connection', (socket: net.Socket) => {
    tracked.sockets.add(socket);
    tracked.clientPorts.push(socket.remotePort ?? 0);
    socket.on('close', () => tracked.sockets.delete(socket));
    for (const wake of [...tracked.waiters]) wake();
  });
  return tracked;
}

function whenAccepted(tracked: Tracked, ok: () => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    if (ok()) return resolve();
    const wake = (): void => {
      if (!ok()) return;
      tracked.waiters.delete(wake);
      resolve();
    };
    tracked.waiters.add(wake);
  });
}

function testServer(server: net.Server, tracked: Tracked, port: number, url: string): TestServer {
  return {
    port,
    url,
    get accepted() {
      return tracked.clientPorts.length;
    },
    get open() {
      return tracked.sockets.size;
    },
    acceptedFrom: (clientPort) => whenAccepted(tracked, () => tracked.clientPorts.includes(clientPort)),
    acceptedAtLeast: (count) => whenAccepted(tracked, () => tracked.clientPorts.length >= count),
    close: closeAll(server, tracked),
  };
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** An HTTP server answering with `handler`. */
export async function startHttpServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  const tracked = track(server);
  const port = await listen(server);
  return testServer(server, tracked, port, `http://127.0.0.1:${port}`);
}

/** A self-signed certificate made by openssl for 127.0.0.1, with its notAfter. */
export interface SelfSignedCert {
  readonly key: string;
  readonly cert: string;
  readonly notAfter: Date;
}

/** Generates a self-signed certificate valid for `days` days (openssl, in a temp dir removed after). */
export async function selfSignedCert(days = 30): Promise<SelfSignedCert> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256',
      '-keyout', keyFile, '-out', certFile, '-days', String(days),
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    const [key, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
    return { key, cert, notAfter: new Date(new X509Certificate(cert).validTo) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An HTTPS server with a self-signed certificate; `notAfter` is the certificate's expiry. */
export async function startTlsServer(
  handler: http.RequestListener,
  cert?: SelfSignedCert,
): Promise<TestServer & { readonly notAfter: Date; readonly certPem: string }> {
  const { key, cert: certPem, notAfter } = cert ?? (await selfSignedCert());
  const server = https.createServer({ key, cert: certPem }, handler);
  const tracked = track(server);
  const port = await listen(server);
  return Object.assign(testServer(server, tracked, port, `https://127.0.0.1:${port}`), { notAfter, certPem });
}

/**
 * A TCP server that accepts connections and never sends a byte (stalls HTTP and TLS handshakes alike).
 * It reads and discards what clients send: an unread byte would keep it from seeing the client's close.
 */
export async function startSilentServer(): Promise<TestServer> {
  const server = net.createServer((socket) => socket.resume());
  const tracked = track(server);
  const port = await listen(server);
  return testServer(server, tracked, port, `http://127.0.0.1:${port}`);
}

/** An HTTP server that sends headers and a first chunk, then never ends the body. */
export async function startEndlessBodyServer(): Promise<TestServer> {
  return startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('still going…');
  });
}

/** A port that was just bound and released: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Servers a test file starts, closed after each test: `const use = closeAfterEach();` then
 * `const server = await use(startHttpServer(...))`.
 */
export function closeAfterEach(): <T extends TestServer>(server: Promise<T>) => Promise<T> {
  const started: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });
  return async (server) => {
    const s = await server;
    started.push(s);
    return s;
  };
}

/** A signal that aborts like the scheduler's: at `ms`, with the configured timeout as the reason. */
export function deadline(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new ProbeTimeoutError(ms)), ms).unref();
  return controller.signal;
}

/**
 * Opens and closes one TCP connection of the test's own, and waits until `server` accepted it: a
 * connection a probe had started before is accepted first (the accept queue is FIFO), so after this
 * `server.accepted - 1` is every connection the probe made.
 */
export async function connectAfter(server: TestServer): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port: server.port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const clientPort = socket.localPort!;
  await server.acceptedFrom(clientPort);
  socket.destroy();
}

/** Contexts a test file creates, closed after each test. */
export interface ContextsPerTest {
  /** The current test's context (system clock, no secrets), created on first use. */
  current(): ProbeContext;
  /** A further context for this test, with its own clock or secrets. */
  create(opts?: { readonly clock?: Clock; readonly secrets?: SecretValues; readonly outbound?: OutboundGuard }): ProbeContext;
}

/** `const contexts = probeContextPerTest();` then `probe.run(target, signal, contexts.current())`. */
export function probeContextPerTest(): ContextsPerTest {
  const created: ProbeContext[] = [];
  let current: ProbeContext | null = null;
  afterEach(async () => {
    current = null;
    await Promise.all(created.splice(0).map((ctx) => ctx.close()));
  });
  const create = (opts: { readonly clock?: Clock; readonly secrets?: SecretValues; readonly outbound?: OutboundGuard } = {}): ProbeContext => {
    const ctx = createProbeContext({ clock: opts.clock ?? systemClock, secrets: opts.secrets, outbound: opts.outbound });
    created.push(ctx);
    return ctx;
  };
  return { current: () => (current ??= create()), create };
}

/** A clock stopped at `at` (epoch ms): what a probe computes from "now" is then exact. */
export function fixedClock(at: number): Clock {
  return { now: () => at };
}

/** A TCP server running `onConnection` for each accepted socket: small protocol servers (SMTP, PostgreSQL). */
export async function startTcpServer(onConnection: (socket: net.Socket) => void): Promise<TestServer> {
  const server = net.createServer(onConnection);
  const tracked = track(server);
  const port = await listen(server);
  return testServer(server, tracked, port, `tcp://127.0.0.1:${port}`);
}
