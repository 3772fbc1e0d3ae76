// The dns probe against a UDP DNS server the test starts on 127.0.0.1 (test/helpers/dns-server.ts):
// each record type, expectations, NXDOMAIN, no records, SERVFAIL, a resolver that never answers, and
// a refused port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsProbe, dnsSchema, type DnsTarget } from '../../probes/dns.js';
import { ProbeTimeoutError } from '../../probes/outcome-text.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { closedPort, deadline, probeContextPerTest } from '../helpers/servers.js';

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer({
    'api.prod.example.com': [
      { type: 'A', address: '10.1.2.3' },
      { type: 'A', address: '10.1.2.4' },
      { type: 'AAAA', address: '2001:db8::10' },
    ],
    'www.example.com': [{ type: 'CNAME', target: 'edge.cdn.example.net' }],
    'example.com': [
      { type: 'MX', priority: 10, exchange: 'mail.example.com' },
      { type: 'MX', priority: 20, exchange: 'backup-mail.example.com' },
      { type: 'TXT', chunks: ['v=spf1 ', 'include:_spf.example.com ~all'] },
    ],
    '_sip._udp.example.com': [{ type: 'SRV', priority: 10, weight: 5, port: 5060, target: 'sip.example.com' }],
  });
});
afterAll(() => dns.close());

const contexts = probeContextPerTest();

function target(fields: Record<string, unknown>): DnsTarget {
  return dnsSchema.parse({ resolver: dns.address, ...fields });
}

async function check(fields: Record<string, unknown>, signal: AbortSignal = AbortSignal.timeout(3000)) {
  return dnsProbe.run(target(fields), signal, contexts.current());
}

describe('the dns probe', () => {
  it.each([
    { type: 'A', name: 'api.prod.example.com', records: ['10.1.2.3', '10.1.2.4'] },
    { type: 'AAAA', name: 'api.prod.example.com', records: ['2001:db8::10'] },
    { type: 'CNAME', name: 'www.example.com', records: ['edge.cdn.example.net'] },
    { type: 'MX', name: 'example.com', records: ['10 mail.example.com', '20 backup-mail.example.com'] },
    { type: 'TXT', name: 'example.com', records: ['v=spf1 include:_spf.example.com ~all'] },
    { type: 'SRV', name: '_sip._udp.example.com', records: ['10 5 5060 sip.example.com'] },
  ])('resolves $type records into the detail and dns_answer_records', async ({ type, name, records }) => {
    dns.mode = 'table';
    const outcome = await check({ query: name, type });
    expect(outcome).toMatchObject({ success: true, error: null, samples: [{ name: 'dns_answer_records', value: records.length }] });
    expect(outcome.detail!.split(', ').sort()).toEqual([...records].sort());
    expect(outcome.durationSeconds).toBeGreaterThan(0);
  });

  it('passes when the answer contains the expected values, names compared without case or final dot', async () => {
    dns.mode = 'table';
    expect((await check({ query: 'api.prod.example.com', expect: { contains: '10.1.2.3' } })).success).toBe(true);
    expect((await check({ query: 'example.com', type: 'MX', expect: { contains: ['10 MAIL.example.com.'] } })).success).toBe(true);
    expect((await check({ query: 'api.prod.example.com', expect: { equals: ['10.1.2.4', '10.1.2.3'] } })).success).toBe(true);
  });

  it('fails naming what was expected and what was found', async () => {
    dns.mode = 'table';
    expect(await check({ query: 'api.prod.example.com', expect: { contains: '10.9.9.9' } })).toMatchObject({
      success: false,
      error: 'expected A api.prod.example.com to contain "10.9.9.9", got "10.1.2.3", "10.1.2.4"',
      samples: [{ name: 'dns_answer_records', value: 2 }],
    });
    expect((await check({ query: 'api.prod.example.com', expect: { equals: '10.1.2.3' } })).error).toBe(
      'expected A api.prod.example.com to be exactly "10.1.2.3", got "10.1.2.3", "10.1.2.4"',
    );
  });

  it.each([
    { mode: 'table', name: 'missing.example.com', type: 'A', error: (at: string) => `missing.example.com does not exist (NXDOMAIN from ${at})` },
    { mode: 'table', name: 'www.example.com', type: 'MX', error: (at: string) => `www.example.com has no MX records (${at})` },
    { mode: 'nxdomain', name: 'api.prod.example.com', type: 'A', error: (at: string) => `api.prod.example.com does not exist (NXDOMAIN from ${at})` },
    { mode: 'servfail', name: 'api.prod.example.com', type: 'A', error: (at: string) => `${at} failed to answer A api.prod.example.com (SERVFAIL)` },
  ] as const)('fails with a distinct error for $mode $type $name', async ({ mode, name, type, error }) => {
    dns.mode = mode;
    const outcome = await check({ query: name, type });
    expect(outcome).toMatchObject({ success: false, error: error(dns.address), samples: [] });
  });

  it('stops at the timeout when the resolver never answers', async () => {
    dns.mode = 'silent';
    const before = dns.received;
    const outcome = await check({ query: 'api.prod.example.com' }, deadline(300));
    expect(outcome.success).toBe(false);
    expect(outcome.error).toBe(`timed out after 300ms while asking ${dns.address} for A api.prod.example.com`);
    expect(dns.received - before).toBe(1);
    expect(outcome.durationSeconds).toBeLessThan(2);
  });

  it('sends nothing for a signal already aborted', async () => {
    const before = dns.received;
    const outcome = await check({ query: 'api.prod.example.com' }, AbortSignal.abort(new ProbeTimeoutError(5000)));
    expect(outcome.error).toBe(`timed out after 5s before asking ${dns.address}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(dns.received).toBe(before);
  });

  it('reports a resolver port that refuses as a refused connection', async () => {
    const port = await closedPort();
    const outcome = await dnsProbe.run(dnsSchema.parse({ query: 'api.prod.example.com', resolver: `127.0.0.1:${port}` }), AbortSignal.timeout(3000), contexts.current());
    expect(outcome).toMatchObject({ success: false, error: `connection refused to 127.0.0.1:${port}` });
  });

  it.each(['10.0.0.2', '10.0.0.2:5353', '2001:db8::53', '[2001:db8::53]:5353'])('accepts the resolver address %s', (resolver) => {
    expect(dnsSchema.safeParse({ query: 'a.example', resolver }).success).toBe(true);
  });

  it.each(['dns.example.com', '10.0.0.2:99999', '2001:db8::zz', '10.0.0'])('refuses the resolver address %s', (resolver) => {
    expect(dnsSchema.safeParse({ query: 'a.example', resolver }).error?.issues[0]?.message).toMatch(/^expected a resolver address like 10\.0\.0\.2/);
  });
});
