// The tls probe against loopback servers with certificates from a test CA: expiry, chain and host name
// judged apart; STARTTLS for SMTP and PostgreSQL on small servers speaking those exchanges, and the
// real PostgreSQL's answer when ssl is off.
import tls from 'node:tls';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeContext } from '../../probes/context.js';
import type { ProbeOutcome } from '../../probes/probe.js';
import { tlsProbe, tlsProbeSchema } from '../../probes/tls/index.js';
import {
  closeAfterEach,
  deadline,
  fixedClock,
  probeContextPerTest,
  startSilentServer,
  startTcpServer,
  startTlsServer,
  type SelfSignedCert,
  type TestServer,
} from '../helpers/servers.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';

const DAY_MS = 86_400_000;
const contexts = probeContextPerTest();
const use = closeAfterEach();
const probe = (config: Record<string, unknown>, ctx: ProbeContext = contexts.current(), timeoutMs = 3000): Promise<ProbeOutcome> =>
  tlsProbe.run(tlsProbeSchema.parse(config), deadline(timeoutMs), ctx);
const value = (outcome: ProbeOutcome, name: string) => outcome.samples.find((s) => s.name === name)?.value;

let ca: TestCa;
let good: SelfSignedCert;
let expiringSoon: SelfSignedCert;
let expired: SelfSignedCert;
beforeAll(async () => {
  ca = await createTestCa();
  const now = Date.now();
  [good, expiringSoon, expired] = await Promise.all([
    ca.issue({ names: ['localhost', '127.0.0.1'], from: new Date(now - DAY_MS), to: new Date(now + 30 * DAY_MS) }),
    ca.issue({ names: ['localhost', '127.0.0.1'], from: new Date(now - DAY_MS), to: new Date(now + 5 * DAY_MS) }),
    ca.issue({ names: ['localhost', '127.0.0.1'], from: new Date(now - 30 * DAY_MS), to: new Date(now - 2 * DAY_MS) }),
  ]);
});
afterAll(() => ca?.remove());

/** Upgrades an accepted socket to TLS as a server. */
function serveTls(socket: net.Socket, cert: SelfSignedCert): void {
  const secure = new tls.TLSSocket(socket, { isServer: true, key: cert.key, cert: cert.cert });
  secure.on('error', () => {});
}

/** A tiny SMTP server: greets, answers EHLO (offering STARTTLS when asked to) and upgrades on STARTTLS. */
function startSmtpServer(cert: SelfSignedCert, offerStartTls = true): Promise<TestServer> {
  return startTcpServer((socket) => {
    socket.write('220 mail.test ESMTP ready\r\n');
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (/^EHLO /i.test(line)) socket.write(`250-mail.test greets you\r\n250-SIZE 10240000\r\n${offerStartTls ? '250-STARTTLS\r\n' : ''}250 8BITMIME\r\n`);
        else if (/^STARTTLS$/i.test(line)) {
          socket.off('data', onData);
          socket.write('220 2.0.0 Ready to start TLS\r\n', () => serveTls(socket, cert));
          return;
        } else socket.write('502 5.5.2 command not recognized\r\n');
      }
    };
    socket.on('data', onData);
  });
}

/** A server answering PostgreSQL's SSLRequest: S and a TLS handshake with `cert`, or N without one. */
function startPostgresSslServer(cert: SelfSignedCert | null): Promise<TestServer> {
  return startTcpServer((socket) => {
    socket.once('data', (request: Buffer) => {
      if (request.length !== 8 || request.readInt32BE(4) !== 80877103) return socket.destroy();
      if (!cert) return void socket.write('N');
      socket.write('S', () => serveTls(socket, cert));
    });
  });
}

describe('tls probe', () => {
  it('passes a certificate that verifies, names the host and lasts long enough, recording all three', async () => {
    const server = await use(startTlsServer((_req, res) => res.end(), good));
    const ctx = contexts.create({ clock: fixedClock(good.notAfter.getTime() - 20 * DAY_MS) });
    const outcome = await probe({ host: '127.0.0.1', port: server.port, ca_file: ca.caFile, expect: { valid_for: '14d' } }, ctx);
    expect(outcome).toMatchObject({ success: true, error: null, detail: 'CN=localhost, issued by CN=Vigil Test CA, expires in 20d' });
    expect(outcome.samples).toEqual([
      { name: 'tls_cert_expiry_seconds', value: 20 * 86_400 },
      { name: 'tls_cert_chain_valid', value: 1 },
      { name: 'tls_cert_hostname_match', value: 1 },
    ]);
  });

  it('fails a certificate expiring in 5 days when it must last 14', async () => {
    const server = await use(startTlsServer((_req, res) => res.end(), expiringSoon));
    const ctx = contexts.create({ clock: fixedClock(expiringSoon.notAfter.getTime() - 5 * DAY_MS) });
    const outcome = await probe({ host: 'localhost', port: server.port, ca_file: ca.caFile, expect: { valid_for: '14d' } }, ctx);
    expect(outcome).toMatchObject({ success: false, error: `certificate expires in 5d, expected at least 14d (localhost:${server.port})` });
    expect(value(outcome, 'tls_cert_expiry_seconds')).toBe(5 * 86_400);
  });

  it('fails an expired certificate, still measuring how long ago it expired', async () => {
    const server = await use(startTlsServer((_req, res) => res.end(), expired));
    const outcome = await probe({ host: '127.0.0.1', port: server.port, ca_file: ca.caFile });
    expect(outcome).toMatchObject({ success: false, error: `certificate of 127.0.0.1:${server.port} expired 2d ago` });
    expect(value(outcome, 'tls_cert_expiry_seconds')).toBeLessThan(-86_400);
    expect(value(outcome, 'tls_cert_chain_valid')).toBe(0);
  });

  it('fails a certificate that does not name the host, unless hostname_match is off', async () => {
    const server = await use(startTlsServer((_req, res) => res.end(), good));
    const config = { host: '127.0.0.1', port: server.port, server_name: 'db.wrong.example', ca_file: ca.caFile };
    const outcome = await probe(config);
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(new RegExp(`^certificate of 127\\.0\\.0\\.1:${server.port} does not match db\\.wrong\\.example: .*DNS:localhost`));
    expect(value(outcome, 'tls_cert_hostname_match')).toBe(0);
    expect(value(outcome, 'tls_cert_chain_valid')).toBe(1);
    expect(await probe({ ...config, expect: { hostname_match: false } })).toMatchObject({ success: true, error: null });
  });

  it('fails a chain from a CA it does not trust, unless chain_valid is off', async () => {
    const server = await use(startTlsServer((_req, res) => res.end(), good));
    const outcome = await probe({ host: 'localhost', port: server.port });
    expect(outcome.error).toBe(
      `certificate chain of localhost:${server.port} does not verify: unable to verify the first certificate (missing intermediate?) (UNABLE_TO_VERIFY_LEAF_SIGNATURE); set ca_file to trust its CA`,
    );
    expect(await probe({ host: 'localhost', port: server.port, expect: { chain_valid: false } })).toMatchObject({ success: true });
  });

  it('reads the certificate after SMTP STARTTLS', async () => {
    const server = await use(startSmtpServer(good));
    const outcome = await probe({ host: '127.0.0.1', port: server.port, starttls: 'smtp', ca_file: ca.caFile, expect: { valid_for: '14d' } });
    expect(outcome).toMatchObject({ success: true, error: null });
    expect(value(outcome, 'tls_cert_expiry_seconds')).toBeGreaterThan(29 * 86_400);
    await expect.poll(() => server.open, { timeout: 2000 }).toBe(0);
  });

  it('says when an SMTP server does not offer STARTTLS', async () => {
    const server = await use(startSmtpServer(good, false));
    expect((await probe({ host: '127.0.0.1', port: server.port, starttls: 'smtp' })).error).toBe(
      `SMTP server at 127.0.0.1:${server.port} does not offer STARTTLS (not in its EHLO reply)`,
    );
  });

  it('reads the certificate after the PostgreSQL SSLRequest', async () => {
    const server = await use(startPostgresSslServer(expiringSoon));
    const outcome = await probe({ host: 'localhost', port: server.port, starttls: 'postgres', ca_file: ca.caFile, expect: { valid_for: '14d' } });
    expect(outcome.error).toMatch(new RegExp(`^certificate expires in [45]d, expected at least 14d \\(localhost:${server.port}\\)$`));
    expect(value(outcome, 'tls_cert_chain_valid')).toBe(1);
  });

  it('says when PostgreSQL does not accept TLS, on a test server and on the real one with ssl off', async () => {
    const server = await use(startPostgresSslServer(null));
    expect((await probe({ host: '127.0.0.1', port: server.port, starttls: 'postgres' })).error).toBe(
      `PostgreSQL at 127.0.0.1:${server.port} does not accept TLS (it answered N to the SSLRequest: ssl is off)`,
    );
    // This machine's PostgreSQL runs with ssl off; with it on, the probe reads its certificate instead.
    const real = await probe({ host: '127.0.0.1', port: 5432, starttls: 'postgres', expect: { chain_valid: false, hostname_match: false } });
    if (real.success) expect(value(real, 'tls_cert_expiry_seconds')).toBeTypeOf('number');
    else expect(real.error).toBe('PostgreSQL at 127.0.0.1:5432 does not accept TLS (it answered N to the SSLRequest: ssl is off)');
  });

  it('times out during the STARTTLS exchange with a server that never greets, leaving no socket open', async () => {
    const server = await use(startSilentServer());
    const outcome = await probe({ host: '127.0.0.1', port: server.port, starttls: 'smtp' }, contexts.current(), 300);
    expect(outcome.error).toBe(`timed out after 300ms during the SMTP STARTTLS exchange with 127.0.0.1:${server.port}`);
    await expect.poll(() => server.open, { timeout: 2000 }).toBe(0);
  });

  it('says when ca_file cannot be read', async () => {
    const outcome = await probe({ host: '127.0.0.1', port: 1, ca_file: '/nonexistent/vigil-ca.pem' });
    expect(outcome.error).toMatch(/^cannot read ca_file: ENOENT/);
  });
});
