// A DNS lookup of one name and record type against a chosen resolver (or the system's): the answer's
// records, how many, and whether they hold the expected values. Latency is the run's duration. Each run
// has its own node:dns Resolver, so an abort cancels only its own query (`resolver.cancel()`).
import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import { z } from 'zod';
import type { Probe, ProbeOutcome } from './probe.js';
import { abortMessage } from './outcome-text.js';
import { startRunTimer } from './run-timer.js';

export const DNS_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV'] as const;
export type DnsType = (typeof DNS_TYPES)[number];

/** `10.0.0.2`, `10.0.0.2:5353`, `2001:db8::53` or `[2001:db8::53]:5353`. */
const resolverAddress = z.string().superRefine((text, ctx) => {
  if (!resolverProblem(text)) return;
  ctx.addIssue({ code: 'custom', message: `expected a resolver address like 10.0.0.2, 10.0.0.2:5353 or [2001:db8::53]:5353, got "${text}"` });
});

function resolverProblem(text: string): boolean {
  if (net.isIP(text)) return false;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (!match) return true;
  const host = match[1] ?? match[2]!;
  const port = Number(match[3]);
  return (match[1] !== undefined ? !net.isIPv6(host) : !net.isIPv4(host)) || port < 1 || port > 65535;
}

/** The address part of a resolver address (`[2001:db8::53]:5353` → `2001:db8::53`). */
function resolverHost(text: string): string {
  if (net.isIP(text)) return text;
  return text.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
}

const values = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

export const dnsSchema = z.strictObject({
  /** The name to look up. (`name` is every check's own name, so the looked-up one is `query`.) */
  query: z.string().min(1),
  type: z.enum(DNS_TYPES).default('A'),
  /** The resolver to ask; default the system's (/etc/resolv.conf). */
  resolver: resolverAddress.optional(),
  expect: z
    .strictObject({
      /** Each of these must be among the records: `10.1.2.3`, `10 mail.example.com` (MX), `0 5 5060 sip.example.com` (SRV). */
      contains: values.optional(),
      /** The records must be exactly these, in any order. */
      equals: values.optional(),
    })
    .default({}),
});

export type DnsTarget = z.output<typeof dnsSchema>;

/** The records of an answer as text: an address, a name, `priority exchange` (MX), `priority weight port target` (SRV), TXT joined. */
async function lookup(resolver: Resolver, name: string, type: DnsType): Promise<string[]> {
  switch (type) {
    case 'A':
      return resolver.resolve4(name);
    case 'AAAA':
      return resolver.resolve6(name);
    case 'CNAME':
      return resolver.resolveCname(name);
    case 'MX':
      return (await resolver.resolveMx(name)).map((mx) => `${mx.priority} ${mx.exchange}`);
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    case 'SRV':
      return (await resolver.resolveSrv(name)).map((srv) => `${srv.priority} ${srv.weight} ${srv.port} ${srv.name}`);
  }
}

/** Names compare without case and without the final dot; TXT compares as written. */
function normalized(record: string, type: DnsType): string {
  return type === 'TXT' ? record : record.toLowerCase().replace(/\.(\s|$)/g, '$1');
}

function lookupError(error: NodeJS.ErrnoException, target: DnsTarget, server: string): string {
  const question = `${target.type} ${target.query}`;
  switch (error.code) {
    case 'ENOTFOUND':
      return `${target.query} does not exist (NXDOMAIN from ${server})`;
    case 'ENODATA':
      return `${target.query} has no ${target.type} records (${server})`;
    case 'ESERVFAIL':
      return `${server} failed to answer ${question} (SERVFAIL)`;
    case 'EREFUSED':
      return `${server} refused to answer ${question} (REFUSED)`;
    case 'ECONNREFUSED':
      return `connection refused to ${server}`;
    case 'ETIMEOUT':
      return `no answer from ${server} for ${question} (ETIMEOUT)`;
    case 'EBADRESP':
    case 'EFORMERR':
      return `malformed answer from ${server} for ${question} (${error.code})`;
  }
  return `lookup of ${question} at ${server} failed: ${error.message}`;
}

/** Resolves `name` as `type`; fails on NXDOMAIN, no records, SERVFAIL, timeouts and unmet expectations. */
export const dnsProbe: Probe<DnsTarget> = {
  kind: 'dns',
  schema: dnsSchema,
  async run(target, signal, ctx): Promise<ProbeOutcome> {
    const { startedAt, seconds: elapsed } = startRunTimer();
    const server = target.resolver ?? 'the system resolver';
    // The resolver is always an IP literal (the schema says so), so checking it is checking what is asked.
    const refused = target.resolver ? ctx.outbound.checkHost(resolverHost(target.resolver)) : null;
    if (refused) return { success: false, error: refused.message, durationSeconds: 0, samples: [] };
    const phase = `while asking ${server} for ${target.type} ${target.query}`;
    if (signal.aborted) return { success: false, error: abortMessage(signal, `before asking ${server}`, startedAt), durationSeconds: 0, samples: [] };
    // One try: the run's signal is the timeout, and c-ares' own retries would only outlast it.
    const resolver = new Resolver({ tries: 1, timeout: 60_000 });
    if (target.resolver) resolver.setServers([target.resolver]);
    const onAbort = (): void => resolver.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    let records: string[];
    try {
      records = await lookup(resolver, target.query, target.type);
    } catch (error) {
      const message = signal.aborted ? abortMessage(signal, phase, startedAt) : lookupError(error as NodeJS.ErrnoException, target, server);
      return { success: false, error: message, durationSeconds: elapsed(), samples: [] };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    const durationSeconds = elapsed();
    // Not `_count`: Prometheus keeps that suffix for histograms and summaries (promtool refuses it on a gauge).
    const samples = [{ name: 'dns_answer_records', value: records.length }];
    const detail = records.length ? records.join(', ').slice(0, 1000) : 'no records';
    const problem = expectationProblem(records, target);
    return { success: problem === null, error: problem, durationSeconds, samples, detail };
  },
};

function expectationProblem(records: readonly string[], target: DnsTarget): string | null {
  const found = new Set(records.map((r) => normalized(r, target.type)));
  const shown = records.length ? records.map((r) => JSON.stringify(r)).join(', ') : 'no records';
  const { contains, equals } = target.expect;
  const missing = (contains ?? []).filter((value) => !found.has(normalized(value, target.type)));
  if (missing.length) {
    return `expected ${target.type} ${target.query} to contain ${missing.map((m) => JSON.stringify(m)).join(', ')}, got ${shown}`;
  }
  if (equals) {
    const wanted = new Set(equals.map((value) => normalized(value, target.type)));
    const same = wanted.size === found.size && [...wanted].every((value) => found.has(value));
    if (!same) return `expected ${target.type} ${target.query} to be exactly ${equals.map((e) => JSON.stringify(e)).join(', ')}, got ${shown}`;
  }
  return null;
}
