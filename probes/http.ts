import { z } from 'zod';
import { duration } from '../config/duration.js';
import type { Probe } from './probe.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** "200", 200, "2xx": a status code or a class of them. */
const statusPattern = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^[1-5](?:\d\d|xx)$/, 'expected a status like 200 or "2xx"'),
]);

/** TLS options shared by the probes that speak TLS. */
export const tlsSchema = z.strictObject({
  /** Accept certificates that do not verify (self-signed, wrong host); expiry is still recorded. */
  insecure: z.boolean().default(false),
  /** PEM file of a CA to trust besides the system's. */
  ca_file: z.string().optional(),
  server_name: z.string().optional(),
});

export const httpSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z.enum(METHODS).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  follow_redirects: z.boolean().default(false),
  /** Bodies larger than this fail the check rather than being read forever. */
  max_body_bytes: z.number().int().positive().default(1_048_576),
  tls: tlsSchema.optional(),
  expect: z
    .strictObject({
      status: z.union([statusPattern, z.array(statusPattern).min(1)]).default('2xx'),
      latency_under: duration().optional(),
      body_contains: z.string().optional(),
      /** `{ path: "$.status", equals: "ok" }`: a value in a JSON body. */
      json: z
        .array(z.strictObject({ path: z.string(), equals: z.union([z.string(), z.number(), z.boolean(), z.null()]) }))
        .optional(),
      /** Response headers that must be present and contain the given text (names are case-insensitive). */
      headers: z.record(z.string(), z.string()).optional(),
      /** Fail when the TLS certificate expires sooner than this. */
      cert_valid_for: duration().optional(),
    })
    .default({ status: '2xx' }),
});

export type HttpTarget = z.output<typeof httpSchema>;

export const httpProbe: Probe<HttpTarget> = {
  kind: 'http',
  schema: httpSchema,
  async run() {
    throw new Error('http probe: not implemented yet');
  },
};
