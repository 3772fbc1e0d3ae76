import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, formatIp, parseCidr, parseIp } from '../../lib/cidr.js';
import { OutboundGuard, OutboundRefused } from '../../lib/outbound-guard.js';
import { tableLookup } from '../helpers/guard-resolver.js';

const inRange = (cidr: string, address: string) => cidrContains(parseCidr(cidr)!, parseIp(address)!);

describe('CIDR matcher', () => {
  it.each([
    ['IPv4 inside', '169.254.0.0/16', '169.254.169.254', true],
    ['IPv4 edge low', '169.254.0.0/16', '169.254.0.0', true],
    ['IPv4 edge high', '169.254.0.0/16', '169.254.255.255', true],
    ['IPv4 just outside', '169.254.0.0/16', '169.255.0.0', false],
    ['IPv4 /0 holds everything', '0.0.0.0/0', '8.8.8.8', true],
    ['IPv4 single address', '100.100.100.200', '100.100.100.200', true],
    ['IPv4 single address, neighbour', '100.100.100.200', '100.100.100.201', false],
    ['IPv6 link-local', 'fe80::/10', 'fe80::1', true],
    ['IPv6 link-local, upper end of /10', 'fe80::/10', 'febf:ffff::1', true],
    ['IPv6 outside /10', 'fe80::/10', 'fec0::1', false],
    ['IPv6 metadata, long form', 'fd00:ec2::254', 'fd00:0ec2:0000:0000:0000:0000:0000:0254', true],
    ['IPv6 with a zone id', 'fe80::/10', 'fe80::1%eth0', true],
    ['mapped IPv6 in an IPv4 range', '169.254.0.0/16', '::ffff:169.254.169.254', true],
    ['mapped IPv6 in hex in an IPv4 range', '169.254.0.0/16', '::ffff:a9fe:a9fe', true],
    ['mapped IPv6 range written as IPv6', '::ffff:169.254.0.0/112', '169.254.1.2', true],
    ['families never mix', '::/0', '127.0.0.1', false],
    ['IPv6 unspecified', '::/128', '::', true],
    ['IPv6 loopback is not unspecified', '::/128', '::1', false],
  ])('%s: %s ∋ %s is %s', (_name, cidr, address, expected) => {
    expect(inRange(cidr, address)).toBe(expected);
  });

  it.each(['10.0.0.0/33', 'fe80::/129', 'not-an-ip', '1.2.3/8', '', '10.0.0.0/'])('refuses %j as a range', (text) => {
    expect(parseCidr(text)).toBeNull();
  });

  it('normalises a range to its base and shortest text', () => {
    expect(parseCidr('169.254.169.254/16')!.text).toBe('169.254.0.0/16');
    expect(parseCidr('FD00:0EC2:0:0:0:0:0:254')!.text).toBe('fd00:ec2::254/128');
    expect(parseCidr('::ffff:10.0.0.0/104')!.text).toBe('10.0.0.0/8');
  });

  it('formats every IPv4 address back to what it parsed from', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        expect(formatIp(parseIp(address)!)).toBe(address);
      }),
    );
  });

  it('finds an IPv4 address in the same place as its mapped IPv6 form, for any range', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (address, base, prefix) => {
        const range = parseCidr(`${base}/${prefix}`)!;
        expect(cidrContains(range, parseIp(`::ffff:${address}`)!)).toBe(cidrContains(range, parseIp(address)!));
      }),
    );
  });

  it('parses IPv6 like the URL parser normalises it', () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const normal = new URL(`http://[${address}]/`).hostname.slice(1, -1);
        const parsed = parseIp(address)!;
        if (parsed.family === 6) expect(formatIp(parsed)).toBe(normal);
        else expect(parseIp(normal)).toEqual(parsed);
      }),
    );
  });
});

function lookupOnce(guard: OutboundGuard, host: string, all = false): Promise<unknown> {
  return new Promise((resolve, reject) => {
    guard.lookup(host, { all }, (error, address, family) => (error ? reject(error) : resolve(all ? address : { address, family })));
  });
}

describe('outbound guard', () => {
  const guard = new OutboundGuard();

  it.each([
    ['169.254.169.254', 'refused by the outbound guard: 169.254.169.254 is a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]'],
    ['fd00:ec2::254', 'refused by the outbound guard: fd00:ec2::254 is a cloud metadata address; allow it with security.outbound.allow: [fd00:ec2::254]'],
    ['100.100.100.200', 'refused by the outbound guard: 100.100.100.200 is a cloud metadata address; allow it with security.outbound.allow: [100.100.100.200]'],
    ['169.254.170.2', 'refused by the outbound guard: 169.254.170.2 is a link-local address; allow it with security.outbound.allow: [169.254.170.2]'],
    ['fe80::1', 'refused by the outbound guard: fe80::1 is a link-local address; allow it with security.outbound.allow: [fe80::1]'],
    ['::ffff:169.254.169.254', 'refused by the outbound guard: 169.254.169.254 is a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]'],
    ['[::ffff:a9fe:a9fe]', 'refused by the outbound guard: 169.254.169.254 is a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]'],
    ['0.0.0.0', 'refused by the outbound guard: 0.0.0.0 is in 0.0.0.0/8 ("this network", which connects to this host); allow it with security.outbound.allow: [0.0.0.0]'],
    ['::', 'refused by the outbound guard: :: is the unspecified address; allow it with security.outbound.allow: [::]'],
  ])('refuses %s by default', (address, message) => {
    const refused = guard.checkHost(address);
    expect(refused).toBeInstanceOf(OutboundRefused);
    expect(refused!.message).toBe(message);
  });

  it.each(['127.0.0.1', '::1', '10.1.2.3', '172.16.0.1', '192.168.1.1', 'fd12:3456::1', '100.64.0.1', '8.8.8.8', '::ffff:127.0.0.1', 'example.com'])(
    'lets %s through by default (loopback, private and public ranges; names are checked when resolved)',
    (address) => {
      expect(guard.checkHost(address)).toBeNull();
    },
  );

  it('lets an allow-listed range through, and only that range', () => {
    const allowing = new OutboundGuard({ enabled: true, allow: [parseCidr('169.254.169.254/32')!] });
    expect(allowing.checkHost('169.254.169.254')).toBeNull();
    expect(allowing.checkHost('::ffff:169.254.169.254')).toBeNull();
    expect(allowing.checkHost('169.254.169.253')).not.toBeNull();
    expect(allowing.checkHost('fd00:ec2::254')).not.toBeNull();
  });

  it('refuses nothing when turned off', () => {
    const off = new OutboundGuard({ enabled: false, allow: [] });
    expect(off.checkHost('169.254.169.254')).toBeNull();
  });

  describe('lookup', () => {
    const resolving = new OutboundGuard(undefined, {
      lookup: tableLookup({
        'metadata.test': ['169.254.169.254'],
        'mixed.test': ['127.0.0.1', 'fd00:ec2::254'],
        'mapped.test': ['::ffff:169.254.169.254'],
        'internal.test': ['127.0.0.1', '::1'],
      }),
    });

    it('refuses a name that resolves to a metadata address, naming both', async () => {
      await expect(lookupOnce(resolving, 'metadata.test')).rejects.toThrow(
        'refused by the outbound guard: metadata.test resolves to 169.254.169.254, a cloud metadata address; allow it with security.outbound.allow: [169.254.169.254]',
      );
    });

    it('refuses a name when any of its addresses is denied (happy eyeballs may connect to any)', async () => {
      await expect(lookupOnce(resolving, 'mixed.test', true)).rejects.toThrow('mixed.test resolves to fd00:ec2::254');
    });

    it('refuses a name that resolves to a mapped metadata address', async () => {
      await expect(lookupOnce(resolving, 'mapped.test')).rejects.toBeInstanceOf(OutboundRefused);
    });

    it('answers an allowed name in the shape asked for (one address, or all)', async () => {
      await expect(lookupOnce(resolving, 'internal.test')).resolves.toEqual({ address: '127.0.0.1', family: 4 });
      await expect(lookupOnce(resolving, 'internal.test', true)).resolves.toEqual([
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ]);
    });

    it("passes the resolver's own error on", async () => {
      await expect(lookupOnce(resolving, 'nowhere.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    });

    it('resolves for a client that connects to the checked address itself', async () => {
      await expect(resolving.resolve('internal.test')).resolves.toEqual({ address: '127.0.0.1', family: 4 });
      await expect(resolving.resolve('metadata.test')).rejects.toBeInstanceOf(OutboundRefused);
      await expect(resolving.resolve('169.254.169.254')).rejects.toBeInstanceOf(OutboundRefused);
      await expect(resolving.resolve('::1')).resolves.toEqual({ address: '::1', family: 6 });
    });
  });
});
