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
} from '../helpers/servers.js';

// One certificate per file: openssl takes ~100-300 ms per key.
let cert: SelfSignedCert;
beforeAll(async () => {
  cert = await selfSignedCert();
});

const use = closeAfterEach();
const probe = (config: Record<string, unknown>, timeoutMs = 1000) => tcpProbe.run(tcpSchema.parse(config), deadline(timeoutMs));

describe('tcp probe', () => {
  it('succeeds when the port accepts a connection', async () => {
    const server = await use(startSilentServer());
    const outcome = await probe({ host: '127.0.0.1', port: server.port });
    expect(outcome).toMatchObject({ success: true, error: null, samples: [] });
    expect(outcome.durationSeconds).toBeLessThan(0.5);
  });

  it('reports a refused connection with the address', async () => {
    const port = await closedPort();
    expect((await probe({ host: '127.0.0.1', port })).error).toBe(`connection refused to 127.0.0.1:${port}`);
  });

  it('completes a TLS handshake and records the certificate expiry with tls.insecure', async () => {
    const server = await use(startTlsServer((_req, res) => res.end(), cert));
    const outcome = await probe({ host: '127.0.0.1', port: server.port, tls: { insecure: true } });
    expect(outcome.success).toBe(true);
    const expected = (server.notAfter.getTime() - Date.now()) / 1000;
    expect(Math.abs(outcome.samples[0].value - expected)).toBeLessThan(5);
    expect(outcome.samples[0].name).toBe('tls_cert_expiry_seconds');
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
