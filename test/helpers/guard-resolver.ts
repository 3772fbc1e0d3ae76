// Resolvers for outbound guard tests: a name answered by the test DNS server (a real UDP exchange), or
// from a table. Either way no test depends on the machine's DNS.
import type dns from 'node:dns';
import { Resolver } from 'node:dns';
import type { BaseLookup } from '../../lib/outbound-guard.js';

/** A lookup that asks the DNS server at `address` (`127.0.0.1:port`) for A records. */
export function dnsServerLookup(address: string): BaseLookup {
  return (hostname, _options, callback) => {
    const resolver = new Resolver({ tries: 1, timeout: 2000 });
    resolver.setServers([address]);
    resolver.resolve4(hostname, (error, addresses) => {
      if (error) return callback(error, []);
      callback(null, addresses.map((found) => ({ address: found, family: 4 })));
    });
  };
}

/** A lookup answering from `table` (name → addresses), ENOTFOUND for the rest. */
export function tableLookup(table: Readonly<Record<string, readonly string[]>>): BaseLookup {
  return (hostname: string, _options: dns.LookupAllOptions, callback) => {
    const found = table[hostname];
    if (!found) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
}
