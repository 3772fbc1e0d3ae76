// A minimal authoritative DNS responder on 127.0.0.1 over UDP (RFC 1035 wire format, no compression)
// for the dns probe's tests: answers A, AAAA, CNAME, MX, TXT and SRV questions from a table, and can be
// told to answer NXDOMAIN or SERVFAIL, or never to answer at all.
import dgram from 'node:dgram';
import net from 'node:net';

export type DnsRecord =
  | { readonly type: 'A' | 'AAAA'; readonly address: string }
  | { readonly type: 'CNAME'; readonly target: string }
  | { readonly type: 'MX'; readonly priority: number; readonly exchange: string }
  | { readonly type: 'TXT'; readonly chunks: readonly string[] }
  | { readonly type: 'SRV'; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string };

/** How the server answers every question: from its table, with an error code, or not at all. */
export type DnsMode = 'table' | 'nxdomain' | 'servfail' | 'silent';

export interface TestDnsServer {
  readonly port: number;
  /** `127.0.0.1:port`, as a check's `resolver:` is written. */
  readonly address: string;
  /** Datagrams received since the start (a probe that must not query leaves this at 0). */
  readonly received: number;
  mode: DnsMode;
  close(): Promise<void>;
}

const TYPE_CODES: Record<DnsRecord['type'], number> = { A: 1, CNAME: 5, MX: 15, TXT: 16, AAAA: 28, SRV: 33 };
const RCODE = { table: 0, nxdomain: 3, servfail: 2, silent: 0 } as const;

/** Starts a responder for `records` (keyed by lower-case name without the final dot). */
export async function startDnsServer(records: Readonly<Record<string, readonly DnsRecord[]>>): Promise<TestDnsServer> {
  const socket = dgram.createSocket('udp4');
  let received = 0;
  const server: TestDnsServer = {
    port: 0,
    address: '',
    get received() {
      return received;
    },
    mode: 'table',
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (query, peer) => {
    received++;
    if (server.mode === 'silent') return;
    const question = readQuestion(query);
    if (!question) return;
    const known = records[question.name.toLowerCase()];
    const answers = server.mode === 'table' ? (known ?? []).filter((r) => TYPE_CODES[r.type] === question.type) : [];
    const rcode = server.mode === 'table' && known === undefined ? RCODE.nxdomain : RCODE[server.mode];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    // QR, the query's RD, AA, RA; the response code.
    header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x0100) | 0x0400 | 0x0080 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const body = answers.map((record) => resourceRecord(question.nameBytes, record));
    socket.send(Buffer.concat([header, question.bytes, ...body]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  return Object.assign(server, { port, address: `127.0.0.1:${port}` });
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
