import { X509Certificate, createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../demo/self-signed-cert.js';
import { demoDnsAnswer, DEMO_CERT_VALIDITY_MS, startDemoTarget, type DemoTarget } from '../../demo/target.js';
import { dnsProbe, dnsSchema } from '../../probes/dns.js';
import { tlsProbe, tlsProbeSchema } from '../../probes/tls/index.js';
import { deadline, probeContextPerTest } from '../helpers/servers.js';

const MINUTE = 60_000;
const contexts = probeContextPerTest();

// The demo target's DNS zone and HTTPS port, probed by the real dns and tls kinds with the demo
// config's own expectations. The demo target alone runs on a clock the test moves.
describe("the demo target's DNS zone and certificate", () => {
  // The start of a 6-minute cycle: staging's outage is 2:00–3:30 into each.
  const cycleStart = Date.now() - (Date.now() % (6 * MINUTE));
  let demoNow = cycleStart + 4 * MINUTE;
  let demo: DemoTarget;
  beforeAll(async () => {
    demo = await startDemoTarget({ clock: { now: () => demoNow } });
  });
  afterAll(async () => {
    await demo?.close();
  });

  const dns = (env: string) =>
    dnsProbe.run(
      dnsSchema.parse({ query: `api.${env}.demo.internal`, resolver: demo.dnsAddress, expect: { contains: '127.0.0.1' } }),
      deadline(2_000),
      contexts.current(),
    );

  it('answers A 127.0.0.1 for the API in every environment while staging is up', async () => {
    demoNow = cycleStart + 4 * MINUTE;
    for (const env of ['dev', 'staging', 'prod']) {
      expect(await dns(env)).toMatchObject({ success: true, error: null, detail: '127.0.0.1', samples: [{ name: 'dns_answer_records', value: 1 }] });
    }
  });

  it("loses staging's record during its outage, so the dns check fails", async () => {
    demoNow = cycleStart + 2.5 * MINUTE;
    expect(await dns('staging')).toMatchObject({ success: false, error: `api.staging.demo.internal does not exist (NXDOMAIN from ${demo.dnsAddress})` });
    expect(await dns('prod')).toMatchObject({ success: true });
  });

  it('answers NXDOMAIN for any other name', () => {
    expect(demoDnsAnswer('www.prod.demo.internal', cycleStart)).toBe('nxdomain');
    expect(demoDnsAnswer('api.qa.demo.internal', cycleStart)).toBe('nxdomain');
  });

  it('serves a self-signed certificate valid for a year that passes the demo check, chain aside', async () => {
    const run = (chainValid: boolean) =>
      tlsProbe.run(
        tlsProbeSchema.parse({ host: '127.0.0.1', port: String(demo.tlsPort), server_name: 'api.prod.demo.internal', expect: { valid_for: '14d', chain_valid: chainValid } }),
        deadline(2_000),
        contexts.current(),
      );
    const demoCheck = await run(false);
    expect(demoCheck).toMatchObject({ success: true, error: null });
    const expiry = demoCheck.samples.find((s) => s.name === 'tls_cert_expiry_seconds')!.value;
    expect(expiry).toBeGreaterThan(DEMO_CERT_VALIDITY_MS / 1000 - 10 * 60);
    expect(demoCheck.samples.find((s) => s.name === 'tls_cert_hostname_match')?.value).toBe(1);
    // Why the demo config turns chain_valid off:
    expect((await run(true)).error).toContain('self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
  });
});

describe('selfSignedCertificate', () => {
  it('writes an X.509 certificate Node and OpenSSL read, with GeneralizedTime past 2049', () => {
    const notAfter = new Date('2051-06-01T12:00:00Z');
    const made = selfSignedCertificate({ commonName: 'Vigil demo', names: ['127.0.0.1', '::1', 'localhost'], notBefore: new Date('2026-01-01T00:00:00Z'), notAfter });
    const cert = new X509Certificate(made.cert);
    expect(cert.subject).toBe('CN=Vigil demo');
    expect(cert.issuer).toBe('CN=Vigil demo');
    expect(new Date(cert.validTo)).toEqual(notAfter);
    expect(new Date(cert.validFrom)).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(made.key))).toBe(true);
  });
});
