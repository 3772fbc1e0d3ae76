import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tcpProbe, tcpSchema } from '../../probes/tcp.js';
import {
  closedPort,
  selfSignedCert,
  startHttpServer,
  startSilentServer,
  startTlsServer,
  type SelfSignedCert,
  type TestServer,
  closeAfterEach,
  deadline,
  fixedClock,
  probeContextPerTest,
} from '../helpers/servers.js';
import type { ProbeContext } from '../../probes/context.js';

// One certificate per file: openssl takes ~100-300 ms per key.
let cert: SelfSignedCert;
beforeAll(async () => {
  cert = await selfSignedCert();
});

const use = closeAfterEach();
const contexts = probeContextPerTest();
const probe = (config: Record<string, unknown>, timeoutMs = 1000, ctx: ProbeContext = contexts.current()) =>
  tcpProbe.run(tcpSchema.parse(config), deadline(timeoutMs), ctx);

describe('tcp probe', () => {
  it('succeeds when the port accepts a connection', async () => {
    const server = await use(startSilentServer());
    const outcome = await probe({ host: '127.0.0.1', port: server.port });
    expect(outcome).toMatchObject({ success: true, error: null, samples: [] });
    expect(outcome.durationSeconds).toBeGreaterThan(0);
  });

  it('reports a refused connection with the address', async () => {
    const port = await closedPort();
    expect((await probe({ host: '127.0.0.1', port })).error).toBe(`connection refused to 127.0.0.1:${port}`);
  });

  it('completes a TLS handshake and records the certificate expiry with tls.insecure', async () => {
    const server = await use(startTlsServer((_req, res) => res.end(), cert));
    const now = Date.now();
    const outcome = await probe({ host: '127.0.0.1', port: server.port, tls: { insecure: true } }, 1000, contexts.create({ clock: fixedClock(now) }));
    expect(outcome.success).toBe(true);
    expect(outcome.samples[0].value).toBe(Math.round((server.notAfter.getTime() - now) / 1000));
    expect(outcome.samples[0].name).toBe('tls_cert_expiry_seconds');
  });

  it('reads "now" from the context clock for the certificate expiry', async () => {
    const server = await use(startTlsServer((_req, res) => res.end(), cert));
    const ctx = contexts.create({ clock: fixedClock(server.notAfter.getTime() - 3 * 86_400_000) });
    const outcome = await probe({ host: '127.0.0.1', port: server.port, tls: { insecure: true } }, 1000, ctx);
    expect(outcome.samples).toEqual([{ name: 'tls_cert_expiry_seconds', value: 3 * 86_400 }]);
  });

  it('trusts the certificate in tls.ca_file', async () => {
    const server = await use(startTlsServer((_req, res) => res.end(), cert));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ca-'));
    try {
      const caFile = path.join(dir, 'ca.pem');
      await writeFile(caFile, cert.cert);
      expect(await probe({ host: '127.0.0.1', port: server.port, tls: { ca_file: caFile } })).toMatchObject({ success: true, error: null });
      const missing = await probe({ host: '127.0.0.1', port: server.port, tls: { ca_file: path.join(dir, 'missing.pem') } });
      expect(missing.error).toMatch(/^cannot read tls\.ca_file: ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails on an untrusted certificate when verifying', async () => {
    const server = await use(startTlsServer((_req, res) => res.end(), cert));
    const outcome = await probe({ host: '127.0.0.1', port: server.port, tls: true });
    expect(outcome.error).toMatch(/^TLS certificate of 127\.0\.0\.1:\d+ is not trusted: self-signed certificate/);
  });

  it('fails the handshake against a plain HTTP server', async () => {
    const server = await use(startHttpServer((_req, res) => res.end()));
    const outcome = await probe({ host: '127.0.0.1', port: server.port, tls: { insecure: true } });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toContain(`127.0.0.1:${server.port}`);
  });

  it('times out in the TLS handshake when the server never answers', async () => {
    const server = await use(startSilentServer());
    const outcome = await probe({ host: '127.0.0.1', port: server.port, tls: { insecure: true } }, 300);
    expect(outcome.error).toBe(`timed out after 300ms during the TLS handshake with 127.0.0.1:${server.port}`);
  });

  it('reports a DNS failure naming the host', async () => {
    const outcome = await probe({ host: 'no-such-host.invalid', port: 80 });
    expect(outcome.error).toMatch(/^DNS lookup of no-such-host\.invalid failed/);
  });
});
