import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { httpProbe, httpSchema } from '../../probes/http.js';
import {
  closedPort,
  startEndlessBodyServer,
  startHttpServer,
  startSilentServer,
  startTlsServer,
  selfSignedCert,
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


function probe(config: Record<string, unknown>, timeoutMs = 1000) {
  return httpProbe.run(httpSchema.parse(config), deadline(timeoutMs));
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  startHttpServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body)));

describe('http probe', () => {
  it('succeeds on a 200 and records the status code', async () => {
    const server = await use(json({ status: 'ok' }));
    const outcome = await probe({ url: `${server.url}/health` });
    expect(outcome).toMatchObject({ success: true, error: null });
    expect(outcome.samples).toEqual([{ name: 'probe_http_status_code', value: 200 }]);
    expect(outcome.durationSeconds).toBeGreaterThan(0);
    expect(outcome.durationSeconds).toBeLessThan(1);
  });

  it.each([
    { name: 'a class', expect: { status: '2xx' }, got: 503, error: 'expected status 2xx, got 503' },
    { name: 'a number', expect: { status: 204 }, got: 200, error: 'expected status 204, got 200' },
    { name: 'a list', expect: { status: [200, '3xx'] }, got: 404, error: 'expected status 200 or 3xx, got 404' },
  ])('fails on a wrong status against $name', async ({ expect: expectation, got, error }) => {
    const server = await use(startHttpServer((_req, res) => res.writeHead(got).end('nope')));
    const outcome = await probe({ url: server.url, expect: expectation });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toBe(error);
    expect(outcome.samples).toContainEqual({ name: 'probe_http_status_code', value: got });
  });

  it('accepts a status in the expected list', async () => {
    const server = await use(startHttpServer((_req, res) => res.writeHead(302, { location: '/x' }).end()));
    expect((await probe({ url: server.url, expect: { status: [200, '3xx'] } })).success).toBe(true);
  });

  it('times out on a slow response, saying it was waiting for the headers', async () => {
    const server = await use(startHttpServer((_req, res) => setTimeout(() => res.end('late'), 2000).unref()));
    const t0 = performance.now();
    const outcome = await probe({ url: server.url }, 300);
    expect(performance.now() - t0).toBeLessThan(600);
    expect(outcome.success).toBe(false);
    expect(outcome.error).toBe('timed out after 300ms while waiting for the response headers');
  });

  it('reports a refused connection with the address', async () => {
    const port = await closedPort();
    const outcome = await probe({ url: `http://127.0.0.1:${port}/` });
    expect(outcome).toMatchObject({ success: false, error: `connection refused to 127.0.0.1:${port}`, samples: [] });
  });

  it('times out against a server that accepts and never answers', async () => {
    const server = await use(startSilentServer());
    const outcome = await probe({ url: server.url }, 300);
    expect(outcome.error).toBe('timed out after 300ms while waiting for the response headers');
  });

  it('times out on a body that never ends, saying it was reading the body', async () => {
    const server = await use(startEndlessBodyServer());
    const outcome = await probe({ url: server.url }, 300);
    expect(outcome.success).toBe(false);
    expect(outcome.error).toBe('timed out after 300ms while reading the body');
    expect(outcome.samples).toContainEqual({ name: 'probe_http_status_code', value: 200 });
    expect(outcome.durationSeconds).toBeGreaterThanOrEqual(0.29);
  });

  it('fails when the body is larger than max_body_bytes', async () => {
    const server = await use(startHttpServer((_req, res) => res.end('x'.repeat(5000))));
    const outcome = await probe({ url: server.url, max_body_bytes: 1000 });
    expect(outcome.error).toBe('body is 5000 bytes, over max_body_bytes (1000)');
    const chunked = await use(
      startHttpServer((_req, res) => {
        res.write('x'.repeat(800));
        setTimeout(() => res.end('y'.repeat(800)), 10);
      }),
    );
    expect((await probe({ url: chunked.url, max_body_bytes: 1000 })).error).toBe('body is over max_body_bytes (1000 bytes)');
  });

  it('checks body_contains, JSON values and headers, reporting every miss', async () => {
    const server = await use(json({ status: 'degraded', checks: [{ name: 'db' }], version: 3 }, 200, { 'x-served-by': 'edge-1' }));
    const ok = await probe({
      url: server.url,
      expect: {
        body_contains: 'degraded',
        json: [{ path: '$.checks[0].name', equals: 'db' }, { path: '$.version', equals: 3 }],
        headers: { 'Content-Type': 'json', 'X-Served-By': 'edge' },
      },
    });
    expect(ok).toMatchObject({ success: true, error: null });
    const bad = await probe({
      url: server.url,
      expect: {
        body_contains: '"ok"',
        json: [{ path: '$.status', equals: 'ok' }, { path: '$.missing.deep', equals: 1 }],
        headers: { 'content-type': 'text/html', 'x-absent': 'y' },
      },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.split('; ')).toEqual([
      'body does not contain "\\"ok\\""',
      '$.status is "degraded", expected "ok"',
      '$.missing.deep is missing, expected 1',
      'header content-type is "application/json", expected it to contain "text/html"',
      'header x-absent is missing, expected it to contain "y"',
    ]);
  });

  it('fails a JSON expectation on a body that is not JSON', async () => {
    const server = await use(startHttpServer((_req, res) => res.end('<html>')));
    const outcome = await probe({ url: server.url, expect: { json: [{ path: '$.status', equals: 'ok' }] } });
    expect(outcome.error).toMatch(/^body is not JSON \(.+\), expected \$\.status to be "ok"$/);
  });

  it('fails when the response is slower than latency_under', async () => {
    const server = await use(startHttpServer((_req, res) => setTimeout(() => res.end('ok'), 120)));
    const outcome = await probe({ url: server.url, expect: { latency_under: '50ms' } });
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^latency 1\d\dms over 50ms$/);
    expect((await probe({ url: server.url, expect: { latency_under: '2s' } })).success).toBe(true);
  });

  it('sends the method, headers and body', async () => {
    let seen: { method?: string; auth?: string; body: string } = { body: '' };
    const server = await use(
      startHttpServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          seen = { method: req.method, auth: req.headers.authorization, body };
          res.end('ok');
        });
      }),
    );
    const outcome = await probe({ url: server.url, method: 'POST', headers: { Authorization: 'Bearer t' }, body: '{"ping":1}' });
    expect(outcome.success).toBe(true);
    expect(seen).toEqual({ method: 'POST', auth: 'Bearer t', body: '{"ping":1}' });
  });

  it('follows redirects when asked, within a bounded number of hops', async () => {
    const server = await use(
      startHttpServer((req, res) => {
        if (req.url === '/final') return res.end('arrived');
        if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
        res.writeHead(301, { location: '/final' }).end();
      }),
    );
    expect((await probe({ url: `${server.url}/start` })).error).toBe('expected status 2xx, got 301');
    const followed = await probe({ url: `${server.url}/start`, follow_redirects: true, expect: { body_contains: 'arrived' } });
    expect(followed).toMatchObject({ success: true, samples: [{ name: 'probe_http_status_code', value: 200 }] });
    expect((await probe({ url: `${server.url}/loop`, follow_redirects: true })).error).toBe('more than 10 redirects (last one to /loop)');
  });

  it('retries once on a fresh connection when a reused keep-alive socket turns out closed', async () => {
    // A server that answers the first request of a connection with keep-alive, then resets the
    // connection on the next one, as a server closing an idle socket at the wrong moment does.
    let connections = 0;
    let requestsSeen = 0;
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      connections++;
      sockets.add(socket);
      let requests = 0;
      socket.on('data', () => {
        requestsSeen++;
        if (++requests === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
        else socket.resetAndDestroy();
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const first = await probe({ url: `http://127.0.0.1:${port}/` });
      const second = await probe({ url: `http://127.0.0.1:${port}/` });
      expect([first.success, second.success]).toEqual([true, true]);
      // The second run reused the first socket, was reset, and went again on a new connection.
      expect({ connections, requestsSeen }).toEqual({ connections: 2, requestsSeen: 3 });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe('over TLS with a self-signed certificate', () => {
    it('records the certificate expiry when tls.insecure accepts it', async () => {
      const server = await use(startTlsServer((_req, res) => res.end('ok'), cert));
      const outcome = await probe({ url: server.url, tls: { insecure: true } });
      expect(outcome).toMatchObject({ success: true, error: null });
      const expiry = outcome.samples.find((s) => s.name === 'tls_cert_expiry_seconds');
      const expected = (server.notAfter.getTime() - Date.now()) / 1000;
      expect(Math.abs(expiry!.value - expected)).toBeLessThan(5);
      expect(expiry!.value).toBeGreaterThan(29 * 86_400);
    });

    it('fails with a clear error when the certificate is not trusted', async () => {
      const server = await use(startTlsServer((_req, res) => res.end('ok'), cert));
      const outcome = await probe({ url: server.url });
      expect(outcome.success).toBe(false);
      expect(outcome.error).toBe(
        `TLS certificate of 127.0.0.1:${server.port} is not trusted: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT); set tls.insecure: true or tls.ca_file to accept it`,
      );
    });

    it('fails when the certificate expires sooner than cert_valid_for', async () => {
      const server = await use(startTlsServer((_req, res) => res.end('ok'), cert));
      const outcome = await probe({ url: server.url, tls: { insecure: true }, expect: { cert_valid_for: '60d' } });
      expect(outcome.error).toMatch(/^certificate expires in (29|30)d, expected at least 60d$/);
    });

    it('times out in the TLS handshake against a server that never answers', async () => {
      const server = await use(startSilentServer());
      const outcome = await probe({ url: `https://127.0.0.1:${server.port}/`, tls: { insecure: true } }, 300);
      expect(outcome.error).toBe(`timed out after 300ms during the TLS handshake with 127.0.0.1:${server.port}`);
    });
  });
});
