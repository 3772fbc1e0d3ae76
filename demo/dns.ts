// A minimal authoritative DNS responder over UDP (RFC 1035 wire format, no compression): the demo
// target's zone (demo/target.ts), and the dns probe's tests (test/helpers/dns-server.ts). It answers A,
// AAAA, CNAME, MX, TXT and SRV questions with whatever its `answer` function returns for each one.
import dgram from 'node:dgram';
import net from 'node:net';

export type DnsRecord =
  | { readonly type: 'A' | 'AAAA'; readonly address: string }
  | { readonly type: 'CNAME'; readonly target: string }
  | { readonly type: 'MX'; readonly priority: number; readonly exchange: string }
  | { readonly type: 'TXT'; readonly chunks: readonly string[] }
  | { readonly type: 'SRV'; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string };

/** A question's answer: the name's records (of any type; those of the asked type are sent), or an error code. */
export type DnsAnswer = { readonly records: readonly DnsRecord[] } | 'nxdomain' | 'servfail';

/** Answers one question; `name` is lower-case without the final dot. Null sends nothing (a lost answer). */
export type DnsAnswerer = (name: string) => DnsAnswer | null;

export interface DnsResponder {
  readonly port: number;
  /** `127.0.0.1:port`, as a dns check's `resolver:` is written. */
  readonly address: string;
  close(): Promise<void>;
}

const TYPE_CODES: Record<DnsRecord['type'], number> = { A: 1, CNAME: 5, MX: 15, TXT: 16, AAAA: 28, SRV: 33 };
const RCODE = { noerror: 0, servfail: 2, nxdomain: 3 } as const;

/** Starts a responder on `host` (default 127.0.0.1), port 0 = any free port; `onQuery` sees every datagram. */
export async function startDnsResponder(opts: { answer: DnsAnswerer; host?: string; port?: number; onQuery?: () => void }): Promise<DnsResponder> {
  const host = opts.host ?? '127.0.0.1';
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  socket.on('message', (query, peer) => {
    opts.onQuery?.();
    const question = readQuestion(query);
    if (!question) return;
    const answer = opts.answer(question.name.toLowerCase());
    if (answer === null) return;
    const answers = typeof answer === 'string' ? [] : answer.records.filter((r) => TYPE_CODES[r.type] === question.type);
    const rcode = typeof answer === 'string' ? RCODE[answer] : RCODE.noerror;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    // QR, the query's RD, AA, RA; the response code.
    header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x0100) | 0x0400 | 0x0080 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const body = answers.map((record) => resourceRecord(question.nameBytes, record));
    // A reply to a peer gone meanwhile is lost, as UDP replies are.
    socket.send(Buffer.concat([header, question.bytes, ...body]), peer.port, peer.address, () => {});
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port ?? 0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const port = socket.address().port;
  return {
    port,
    address: net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

interface Question {
  readonly name: string;
  readonly nameBytes: Buffer;
  readonly type: number;
  /** The question section as sent (name, type, class). */
  readonly bytes: Buffer;
}

function readQuestion(query: Buffer): Question | null {
  if (query.length < 17 || query.readUInt16BE(4) !== 1) return null;
  const labels: string[] = [];
  let at = 12;
  while (at < query.length && query[at] !== 0) {
    const length = query[at]!;
    labels.push(query.subarray(at + 1, at + 1 + length).toString('latin1'));
    at += 1 + length;
  }
  const nameEnd = at + 1;
  if (nameEnd + 4 > query.length) return null;
  return { name: labels.join('.'), nameBytes: query.subarray(12, nameEnd), type: query.readUInt16BE(nameEnd), bytes: query.subarray(12, nameEnd + 4) };
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...parts.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')])), Buffer.from([0])]);
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

function recordData(record: DnsRecord): Buffer {
  switch (record.type) {
    case 'A':
      return Buffer.from(record.address.split('.').map(Number));
    case 'AAAA':
      return ipv6Bytes(record.address);
    case 'CNAME':
      return encodeName(record.target);
    case 'MX':
      return Buffer.concat([u16(record.priority), encodeName(record.exchange)]);
    case 'TXT':
      return Buffer.concat(record.chunks.map((chunk) => Buffer.concat([Buffer.from([Buffer.byteLength(chunk)]), Buffer.from(chunk)])));
    case 'SRV':
      return Buffer.concat([u16(record.priority), u16(record.weight), u16(record.port), encodeName(record.target)]);
  }
}

function resourceRecord(name: Buffer, record: DnsRecord): Buffer {
  const data = recordData(record);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE_CODES[record.type], 0);
  fixed.writeUInt16BE(1, 2); // IN
  fixed.writeUInt32BE(300, 4); // TTL
  fixed.writeUInt16BE(data.length, 8);
  return Buffer.concat([name, fixed, data]);
}

function ipv6Bytes(address: string): Buffer {
  if (net.isIPv6(address) === false) throw new Error(`not an IPv6 address: ${address}`);
  const [head, tail] = address.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill('0');
  return Buffer.concat([...headGroups, ...zeros, ...tailGroups].map((group) => u16(parseInt(group, 16))));
}
