// IP addresses and CIDR ranges as numbers, for the outbound guard: parse once, match by masking. An
// IPv4-mapped IPv6 address (::ffff:169.254.169.254, also written ::ffff:a9fe:a9fe) is the IPv4 address
// it maps: a socket connecting to it reaches that IPv4 host, so it must match the IPv4 ranges.
import net from 'node:net';

/** An address as its family and its bits (32 for IPv4, 128 for IPv6). */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bits: bigint;
}

/** A range: the first `prefix` bits of `base`. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
  /** As written, normalised (`169.254.0.0/16`), for messages. */
  readonly text: string;
}

const MAPPED_PREFIX = 0xffffn << 32n;
const MAPPED_MASK = ~0xffffffffn & ((1n << 128n) - 1n);

function ipv4Bits(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Bits(text: string): bigint {
  // An embedded dotted quad (::ffff:1.2.3.4) is the last two groups: rewritten as hex, then parsed as the rest.
  const lastColon = text.lastIndexOf(':');
  let groupsText = text;
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = ipv4Bits(text.slice(lastColon + 1));
    groupsText = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = groupsText.split('::');
  const parse = (part: string): bigint[] => (part === '' ? [] : part.split(':').map((g) => BigInt(parseInt(g, 16))));
  const left = parse(halves[0]!);
  const right = halves.length > 1 ? parse(halves[1]!) : [];
  const zeros = Array<bigint>(8 - left.length - right.length).fill(0n);
  return [...left, ...zeros, ...right].reduce((acc, group) => (acc << 16n) | group, 0n);
}

/** Parses an IPv4 or IPv6 literal (brackets and a %zone allowed); null when it is not one. Mapped IPv6 becomes IPv4. */
export function parseIp(text: string): IpAddress | null {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = net.isIP(bare);
  if (family === 4) return { family: 4, bits: ipv4Bits(bare) };
  if (family !== 6) return null;
  const bits = ipv6Bits(bare);
  if ((bits & MAPPED_MASK) === MAPPED_PREFIX) return { family: 4, bits: bits & 0xffffffffn };
  return { family: 6, bits };
}

/** The address as text: dotted quad, or IPv6 in its shortest form. */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.bits >> shift) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((address.bits >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run of two or more zero groups becomes `::`.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Parses `10.0.0.0/8`, `fd00::/8`, or a bare address (a range of one); null when it is neither. A
 * mapped IPv6 range of /96 or longer (`::ffff:169.254.0.0/112`) is the IPv4 range it maps.
 */
export function parseCidr(text: string): Cidr | null {
  const match = /^([^/]+?)(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (!match) return null;
  const raw = match[1]!.replace(/^\[(.*)\]$/, '$1');
  const family = net.isIP(raw);
  if (family === 0) return null;
  const written = match[2] === undefined ? (family === 4 ? 32 : 128) : Number(match[2]);
  if (written > (family === 4 ? 32 : 128)) return null;
  let address: IpAddress = family === 4 ? { family: 4, bits: ipv4Bits(raw) } : { family: 6, bits: ipv6Bits(raw) };
  let prefix = written;
  if (address.family === 6 && (address.bits & MAPPED_MASK) === MAPPED_PREFIX && prefix >= 96) {
    address = { family: 4, bits: address.bits & 0xffffffffn };
    prefix -= 96;
  }
  const width = address.family === 4 ? 32 : 128;
  const base = address.bits & maskOf(prefix, width);
  return { family: address.family, base, prefix, text: `${formatIp({ family: address.family, bits: base })}/${prefix}` };
}

function maskOf(prefix: number, width: number): bigint {
  const all = (1n << BigInt(width)) - 1n;
  return prefix === 0 ? 0n : (all << BigInt(width - prefix)) & all;
}

/** True when `address` is in `range` (mapped IPv6 addresses already count as IPv4). */
export function cidrContains(range: Cidr, address: IpAddress): boolean {
  if (range.family !== address.family) return false;
  return (address.bits & maskOf(range.prefix, range.family === 4 ? 32 : 128)) === range.base;
}
