// The outbound guard: every connection Vigil opens to an address from the config (a probe target, a
// webhook, an SMTP server) is checked against a short deny list of addresses no monitor has reason to
// reach and an attacker who can write a check has every reason to: cloud metadata services (which hand
// out the host's credentials), link-local addresses, 0.0.0.0/8 and the unspecified address (which Linux
// connects to this host). Loopback and private ranges stay allowed: a self-hosted monitor probes
// internal services. The check runs on the address actually connected to: inside the socket's DNS lookup
// (`lookup` below, given to net/tls/http), so a name that resolves to an allowed address when checked and
// to a metadata address when connected (DNS rebinding) cannot slip through; an IP literal, which skips
// the lookup, is checked by `checkHost` before connecting.
import dns from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import { cidrContains, formatIp, parseCidr, parseIp, type Cidr } from './cidr.js';

/** `security.outbound` as loaded: the guard on or off, and the ranges it lets through anyway. */
export interface OutboundPolicy {
  readonly enabled: boolean;
  readonly allow: readonly Cidr[];
}

export const DEFAULT_OUTBOUND_POLICY: OutboundPolicy = { enabled: true, allow: [] };

const METADATA = 'a cloud metadata address';

/** What is refused, most specific first (the first match names the address in the message). */
const DENIED: ReadonlyArray<{ readonly range: Cidr; readonly what: string }> = (
  [
    // AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack: the instance metadata service.
    ['169.254.169.254', METADATA],
    // AWS's IMDS over IPv6 (inside fd00::/8, which is otherwise a private range and allowed).
    ['fd00:ec2::254', METADATA],
    // Alibaba Cloud (inside 100.64.0.0/10, carrier-grade NAT, otherwise allowed).
    ['100.100.100.200', METADATA],
    // Also ECS task credentials (169.254.170.2) and every other service a host reaches only on its own link.
    ['169.254.0.0/16', 'a link-local address'],
    ['fe80::/10', 'a link-local address'],
    ['0.0.0.0/8', 'in 0.0.0.0/8 ("this network", which connects to this host)'],
    ['::', 'the unspecified address'],
  ] as const
).map(([text, what]) => ({ range: parseCidr(text)!, what }));

/** A connection the guard refused; its message is the whole reason, for a probe's error or a delivery's record. */
export class OutboundRefused extends Error {
  override name = 'OutboundRefused';
  readonly code = 'EOUTBOUNDGUARD';
  /** The refused address, normalised (a mapped IPv6 address as the IPv4 address it maps). */
  readonly address: string;

  constructor(address: string, what: string, host: string | null) {
    const subject = host !== null ? `${host} resolves to ${address}, ${what.replace(/^in /, 'an address in ')}` : `${address} is ${what}`;
    super(`refused by the outbound guard: ${subject}; allow it with security.outbound.allow: [${address}]`);
    this.address = address;
  }
}

/** The resolver the guard checks the answers of: dns.lookup's shape with `all: true`. */
export type BaseLookup = (hostname: string, options: dns.LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

const systemLookup: BaseLookup = (hostname, options, callback) => dns.lookup(hostname, options, callback);

/**
 * Checks outbound addresses against the policy. One per running Vigil, shared by probes and notifications.
 *
 * @example
 * const refused = guard.checkHost(host);            // IP literals: no lookup happens for them
 * if (refused) return failure(refused.message);
 * net.connect({ host, port, lookup: guard.lookup }); // names: checked on the resolved addresses
 */
export class OutboundGuard {
  readonly policy: OutboundPolicy;
  readonly #baseLookup: BaseLookup;

  /** `lookup` replaces the system resolver (tests resolve a name to a metadata address without DNS). */
  constructor(policy: OutboundPolicy = DEFAULT_OUTBOUND_POLICY, opts: { readonly lookup?: BaseLookup } = {}) {
    this.policy = policy;
    this.#baseLookup = opts.lookup ?? systemLookup;
  }

  /** Why connecting to `address` (an IP literal) is refused, or null when allowed; `host` is the name it came from. */
  refusal(address: string, host: string | null = null): OutboundRefused | null {
    if (!this.policy.enabled) return null;
    const ip = parseIp(address);
    if (!ip) return null;
    const denied = DENIED.find((entry) => cidrContains(entry.range, ip));
    if (!denied || this.policy.allow.some((range) => cidrContains(range, ip))) return null;
    return new OutboundRefused(formatIp(ip), denied.what, host);
  }

  /** For a host as configured: the refusal when it is a denied IP literal; null for a name (checked when resolved by `lookup`). */
  checkHost(host: string): OutboundRefused | null {
    return this.refusal(host);
  }

  /**
   * A `lookup` for net.connect, tls.connect and http(s).request: resolves, then refuses the connection
   * (no socket connects) when any address the name resolves to is denied. Any, not only the one tried
   * first: with happy eyeballs any of them may be the one connected to.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const opts: dns.LookupOptions = typeof options === 'object' && options !== null ? options : {};
    this.#baseLookup(hostname, { ...opts, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      for (const { address } of addresses) {
        const refused = this.refusal(address, hostname);
        if (refused) return callback(refused, '', 0);
      }
      if (addresses.length === 0) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '', 0);
      if (opts.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };

  /**
   * A TCP socket to `host:port` through the guard, for a client that takes a socket factory (mysql2's
   * `stream`, nodemailer's `getSocket`): a refused one connects to nothing and emits the refusal as its
   * 'error'.
   */
  connect(options: { readonly host: string; readonly port: number }): net.Socket {
    const refused = this.checkHost(options.host);
    if (!refused) return net.connect({ host: options.host, port: options.port, lookup: this.lookup });
    const socket = new net.Socket();
    process.nextTick(() => socket.destroy(refused));
    return socket;
  }

  /**
   * An unconnected socket whose `connect(port, host)` goes through the guard, for a client that connects
   * the socket it is handed (node-postgres's `stream`). A Unix socket path is passed through.
   */
  socket(): net.Socket {
    const socket = new net.Socket();
    const connect = socket.connect.bind(socket) as (...args: unknown[]) => net.Socket;
    socket.connect = ((...args: unknown[]) => {
      const [port, host] = args;
      if (typeof port !== 'number' || typeof host !== 'string') return connect(...args);
      const refused = this.checkHost(host);
      if (refused) {
        process.nextTick(() => socket.destroy(refused));
        return socket;
      }
      return connect({ port, host, lookup: this.lookup });
    }) as typeof socket.connect;
    return socket;
  }

  /**
   * Resolves `host` and checks every address, for a client that cannot take a `lookup`: the caller
   * connects to the returned address itself, so what was checked is what is connected to. Rejects with
   * OutboundRefused, or the resolver's error.
   */
  resolve(host: string): Promise<dns.LookupAddress> {
    const literal = parseIp(host);
    if (literal) {
      const refused = this.refusal(host);
      return refused ? Promise.reject(refused) : Promise.resolve({ address: host.replace(/^\[(.*)\]$/, '$1'), family: literal.family === 4 && !host.includes(':') ? 4 : 6 });
    }
    return new Promise((resolve, reject) => {
      this.lookup(host, {}, (error, address, family) => (error ? reject(error) : resolve({ address: address as string, family: family ?? 4 })));
    });
  }
}
