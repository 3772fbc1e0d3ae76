// The outbound guard on the probes' connections, with real loopback servers and a real test DNS server:
// refused targets fail the check with the guard's reason and no connection is made; redirects are
// checked hop by hop; an allow-listed range passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../lib/cidr.js';
import { OutboundGuard, type OutboundPolicy } from '../../lib/outbound-guard.js';
import { dnsProbe, dnsSchema } from '../../probes/dns.js';
import { healthProbe, healthSchema } from '../../probes/health.js';
import { httpProbe, httpSchema } from '../../probes/http.js';
import { tcpProbe, tcpSchema } from '../../probes/tcp.js';
import { tlsProbe, tlsProbeSchema } from '../../probes/tls/index.js';
import { sqlProbe, sqlSchema } from '../../probes/sql/index.js';
import { postgresReplicaLagProbe, postgresReplicaLagSchema } from '../../probes/postgres-replica-lag.js';
import { mysqlReplicaLagProbe, mysqlReplicaLagSchema } from '../../probes/mysql-replica-lag.js';
import { queueDepthProbe, queueDepthSchema } from '../../probes/queue-depth/index.js';
import { startDnsServer, type DnsRecord, type TestDnsServer } from '../helpers/dns-server.js';
import { dnsServerLookup } from '../helpers/guard-resolver.js';
import { closeAfterEach, connectAfter, deadline, probeContextPerTest, startHttpServer, startTcpServer, type TestServer } from '../helpers/servers.js';

const METADATA_REFUSAL = 'refused by the outbound guard: 169.254.169.254 is a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]';

// Names the test DNS server answers; `rebinding.test` answers loopback first and the metadata address after.
const records: Record<string, DnsRecord[]> = {
  'metadata.test': [{ type: 'A', address: '169.254.169.254' }],
  'internal.test': [{ type: 'A', address: '127.0.0.1' }],
  'this-host.test': [{ type: 'A', address: '0.0.0.0' }],
  'rebinding.test': [{ type: 'A', address: '127.0.0.1' }],
};
let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer(records);
});
afterAll(() => dns.close());

const use = closeAfterEach();
const contexts = probeContextPerTest();

/** A probe context whose guard resolves names with the test DNS server. */
function guarded(policy?: OutboundPolicy) {
  return contexts.create({ outbound: new OutboundGuard(policy, { lookup: dnsServerLookup(dns.address) }) });
}

const http = (config: Record<string, unknown>, ctx = guarded()) => httpProbe.run(httpSchema.parse(config), deadline(3000), ctx);

/** Nothing connected to `server` but the test's own connection made after the probe. */
async function expectNoConnection(server: TestServer): Promise<void> {
  await connectAfter(server);
  expect(server.accepted).toBe(1);
}

describe('outbound guard on the http probe', () => {
  it('refuses a name that resolves to 169.254.169.254, naming the name and the address', async () => {
    const outcome = await http({ url: 'http://metadata.test/latest/meta-data/' });
    expect(outcome).toMatchObject({
      success: false,
      error: 'refused by the outbound guard: metadata.test resolves to 169.254.169.254, a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]',
    });
  });

  it('refuses 0.0.0.0 (which Linux connects to this host) without connecting, and lets it through when allow-listed', async () => {
    const server = await use(startHttpServer((_req, res) => res.end('ok')));
    const refused = await http({ url: `http://0.0.0.0:${server.port}/` });
    expect(refused.error).toBe(
      'refused by the outbound guard: 0.0.0.0 is in 0.0.0.0/8 ("this network", which connects to this host); allow it with security.outbound.allow: [0.0.0.0]',
    );
    const byName = await http({ url: `http://this-host.test:${server.port}/` });
    expect(byName.error).toMatch(/^refused by the outbound guard: this-host\.test resolves to 0\.0\.0\.0/);
    await expectNoConnection(server);

    const allowing = guarded({ enabled: true, allow: [parseCidr('0.0.0.0/8')!] });
    expect(await http({ url: `http://0.0.0.0:${server.port}/` }, allowing)).toMatchObject({ success: true, error: null });
    expect(await http({ url: `http://this-host.test:${server.port}/` }, allowing)).toMatchObject({ success: true, error: null });
  });

  it('lets everything through when the guard is off', async () => {
    const server = await use(startHttpServer((_req, res) => res.end('ok')));
    const off = guarded({ enabled: false, allow: [] });
    expect(await http({ url: `http://0.0.0.0:${server.port}/` }, off)).toMatchObject({ success: true });
  });

  it.each([
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/iam/', 'redirect to http://169.254.169.254/latest/meta-data/iam/ ' + METADATA_REFUSAL],
    [
      "AWS's IPv6 metadata address",
      'http://[fd00:ec2::254]/latest/',
      'redirect to http://[fd00:ec2::254]/latest/ refused by the outbound guard: fd00:ec2::254 is a cloud metadata address; allow it with security.outbound.allow: [fd00:ec2::254]',
    ],
    ['a mapped IPv6 form of the metadata address', 'http://[::ffff:169.254.169.254]/', 'redirect to http://[::ffff:a9fe:a9fe]/ ' + METADATA_REFUSAL],
    [
      'a name that resolves to the metadata address',
      'http://metadata.test/',
      'refused by the outbound guard: metadata.test resolves to 169.254.169.254, a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]',
    ],
  ])('refuses a redirect from 127.0.0.1 to %s at the redirect', async (_name, location, error) => {
    const server = await use(startHttpServer((_req, res) => res.writeHead(302, { location }).end()));
    const outcome = await http({ url: `${server.url}/start`, follow_redirects: true });
    expect(outcome).toMatchObject({ success: false, error });
  });

  it('follows a redirect to an allowed loopback name (loopback and private ranges stay allowed)', async () => {
    const target = await use(startHttpServer((_req, res) => res.end('ok')));
    const server = await use(startHttpServer((_req, res) => res.writeHead(302, { location: `http://internal.test:${target.port}/` }).end()));
    expect(await http({ url: `${server.url}/`, follow_redirects: true })).toMatchObject({ success: true, error: null });
  });

  it('refuses a mapped IPv6 literal of the metadata address', async () => {
    const outcome = await http({ url: 'http://[::ffff:169.254.169.254]/' });
    expect(outcome).toMatchObject({ success: false, error: METADATA_REFUSAL });
  });

  it('guards the health probe too', async () => {
    const outcome = await healthProbe.run(healthSchema.parse({ url: 'http://metadata.test/health' }), deadline(3000), guarded());
    expect(outcome).toMatchObject({ success: false, error: expect.stringMatching(/^refused by the outbound guard: metadata\.test resolves to 169\.254\.169\.254/) });
  });
});

describe('outbound guard on socket probes', () => {
  it('refuses tcp and tls probes to a metadata address or a name resolving to one, without connecting', async () => {
    const ctx = guarded();
    for (const host of ['169.254.169.254', 'metadata.test', '::ffff:169.254.169.254']) {
      const tcp = await tcpProbe.run(tcpSchema.parse({ host, port: 80 }), deadline(3000), ctx);
      expect(tcp.error).toMatch(/^refused by the outbound guard: .*169\.254\.169\.254/);
      const tls = await tlsProbe.run(tlsProbeSchema.parse({ host, port: 443 }), deadline(3000), ctx);
      expect(tls.error).toMatch(/^refused by the outbound guard: .*169\.254\.169\.254/);
      const starttls = await tlsProbe.run(tlsProbeSchema.parse({ host, port: 25, starttls: 'smtp' }), deadline(3000), ctx);
      expect(starttls.error).toMatch(/^refused by the outbound guard: .*169\.254\.169\.254/);
    }
  });

  it('checks the address each connection resolves to: a name rebound to the metadata address is refused on the run that sees it', async () => {
    const server = await use(startTcpServer((socket) => socket.end()));
    const ctx = guarded();
    records['rebinding.test'] = [{ type: 'A', address: '127.0.0.1' }];
    const first = await tcpProbe.run(tcpSchema.parse({ host: 'rebinding.test', port: server.port }), deadline(3000), ctx);
    expect(first).toMatchObject({ success: true, error: null });
    records['rebinding.test'] = [{ type: 'A', address: '169.254.169.254' }];
    const asked = dns.received;
    const second = await tcpProbe.run(tcpSchema.parse({ host: 'rebinding.test', port: server.port }), deadline(3000), ctx);
    expect(second.error).toMatch(/^refused by the outbound guard: rebinding\.test resolves to 169\.254\.169\.254/);
    // One question for the refused run: the answer checked is the answer the socket would have used.
    expect(dns.received - asked).toBe(1);
    await connectAfter(server);
    expect(server.accepted).toBe(2);
  });

  it('refuses a dns check whose resolver is a link-local address, without asking it', async () => {
    const outcome = await dnsProbe.run(dnsSchema.parse({ query: 'example.com', resolver: '169.254.169.253' }), deadline(3000), guarded());
    expect(outcome).toMatchObject({
      success: false,
      error: 'refused by the outbound guard: 169.254.169.253 is a link-local address; allow it with security.outbound.allow: [169.254.169.253]',
    });
  });
});

describe('outbound guard on data-layer probes', () => {
  const metadata = /^refused by the outbound guard: (metadata\.test resolves to 169\.254\.169\.254, a|169\.254\.169\.254 is a) cloud metadata address/;
  const hosts = ['metadata.test', '169.254.169.254', '[::ffff:169.254.169.254]'];

  it.each(hosts)('refuses sql and replica-lag checks whose DSN host is %s', async (host) => {
    const ctx = guarded();
    const sql = await sqlProbe.run(sqlSchema.parse({ dsn: `postgres://vigil@${host}:5432/app`, query: 'select 1' }), deadline(3000), ctx);
    expect(sql.error).toMatch(metadata);
    const mysqlSql = await sqlProbe.run(sqlSchema.parse({ dsn: `mysql://vigil@${host}:3306/app`, query: 'select 1' }), deadline(3000), ctx);
    expect(mysqlSql.error).toMatch(metadata);
    const pgLag = await postgresReplicaLagProbe.run(postgresReplicaLagSchema.parse({ dsn: `postgres://vigil@${host}:5432/postgres` }), deadline(3000), ctx);
    expect(pgLag.error).toMatch(metadata);
    const mysqlLag = await mysqlReplicaLagProbe.run(mysqlReplicaLagSchema.parse({ dsn: `mysql://vigil:pw@${host}:3306/` }), deadline(3000), ctx);
    expect(mysqlLag.error).toMatch(metadata);
  });

  it.each(hosts)('refuses queue_depth checks whose broker host is %s', async (host) => {
    const ctx = guarded();
    for (const fields of [
      { redis: `redis://${host}:6379`, queue: 'jobs' },
      { rabbitmq: `amqp://${host}:5672`, queue: 'jobs' },
      { nats: `nats://${host}:4222`, stream: 's', consumer: 'c' },
    ]) {
      const outcome = await queueDepthProbe.run(queueDepthSchema.parse(fields), deadline(3000), ctx);
      expect(outcome.error, JSON.stringify(fields)).toMatch(metadata);
    }
  });
});
