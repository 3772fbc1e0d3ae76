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
import { ProbeTimeoutError } from '../../probes/outcome-text.js';

const run = promisify(execFile);

/** A server a test started; `close()` ends it and every connection it holds. */
export interface TestServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

function closeAll(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  const add = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  server.on('connection', add);
  server.on('secureConnection', add);
  return sockets;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** An HTTP server answering with `handler`. */
export async function startHttpServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  const sockets = track(server);
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}`, close: closeAll(server, sockets) };
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
  const sockets = track(server);
  const port = await listen(server);
  return { port, url: `https://127.0.0.1:${port}`, notAfter, certPem, close: closeAll(server, sockets) };
}

/** A TCP server that accepts connections and never sends a byte (stalls HTTP and TLS handshakes alike). */
export async function startSilentServer(): Promise<TestServer> {
  const server = net.createServer(() => {});
  const sockets = track(server);
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}`, close: closeAll(server, sockets) };
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
