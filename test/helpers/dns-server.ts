// The dns probe's test resolver: the demo's UDP responder (demo/dns.ts) answering from a table, which a
// test can switch to answer NXDOMAIN or SERVFAIL to everything, or never to answer at all.
import { startDnsResponder, type DnsRecord } from '../../demo/dns.js';

export type { DnsRecord } from '../../demo/dns.js';

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

/** Starts a responder for `records` (keyed by lower-case name without the final dot). */
export async function startDnsServer(records: Readonly<Record<string, readonly DnsRecord[]>>): Promise<TestDnsServer> {
  let received = 0;
  let mode: DnsMode = 'table';
  const responder = await startDnsResponder({
    onQuery: () => received++,
    answer: (name) => {
      if (mode === 'silent') return null;
      if (mode !== 'table') return mode;
      const known = records[name];
      return known === undefined ? 'nxdomain' : { records: known };
    },
  });
  return {
    port: responder.port,
    address: responder.address,
    get received() {
      return received;
    },
    get mode() {
      return mode;
    },
    set mode(next: DnsMode) {
      mode = next;
    },
    close: responder.close,
  };
}
