// A self-signed certificate made in-process for the demo target's TLS port: Node can sign (node:crypto)
// but has no certificate builder, and the demo must not shell out to openssl nor add a dependency for
// it, so this writes the few DER structures of an X.509 v3 certificate itself (RFC 5280 §4.1): an EC
// P-256 key, ecdsa-with-SHA256, a common name, a validity window and subjectAltNames. Made fresh at each
// start, so no private key is kept in the repository and the certificate never ages out.
import crypto from 'node:crypto';
import net from 'node:net';

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface DemoCertificate {
  readonly cert: string;
  readonly key: string;
  readonly notAfter: Date;
}

/** Makes a self-signed certificate for `names` (DNS names and IPv4/IPv6 addresses), valid from `notBefore` to `notAfter`. */
export function selfSignedCertificate(opts: { commonName: string; names: readonly string[]; notBefore: Date; notAfter: Date }): DemoCertificate {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signatureAlgorithm = sequence(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256, no parameters (RFC 5758 §3.2)
  const name = sequence(set(sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(opts.commonName, 'utf8')))));
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and without a leading zero byte (RFC 5280 §4.1.2.2)
  const altNames = opts.names.map((entry) =>
    net.isIP(entry) ? tlv(0x87, ipBytes(entry)) : tlv(0x82, Buffer.from(entry, 'ascii')),
  );
  const extensions = tlv(
    0xa3,
    sequence(
      sequence(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, sequence())), // basicConstraints: critical, not a CA
      sequence(oid('2.5.29.17'), tlv(0x04, sequence(...altNames))), // subjectAltName
    ),
  );
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(serial),
    signatureAlgorithm,
    name,
    sequence(time(opts.notBefore), time(opts.notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = crypto.sign('sha256', tbs, privateKey); // DER-encoded ECDSA-Sig-Value
  const der = sequence(tbs, signatureAlgorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const base64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    notAfter: opts.notAfter,
  };
}

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | bytes.length, ...bytes]), content]);
}

function sequence(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

/** A non-negative INTEGER from big-endian bytes whose top bit is clear. */
function integer(bytes: Buffer): Buffer {
  return tlv(0x02, bytes);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes: number[] = [first * 40 + second];
  for (const arc of rest) {
    const base128: number[] = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) base128.unshift((value & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
function time(at: Date): Buffer {
  const iso = at.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return at.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

function ipBytes(address: string): Buffer {
  if (net.isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  const [head, tail] = address.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16));
  const buffer = Buffer.alloc(16);
  groups.forEach((group, i) => buffer.writeUInt16BE(group, i * 2));
  return buffer;
}
