import { z } from 'zod';
import type { Probe } from './probe.js';
import { tlsSchema } from './http.js';

export const tcpSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** Also complete a TLS handshake (and record the certificate's expiry). */
  tls: z.union([z.boolean(), tlsSchema]).default(false),
});

export type TcpTarget = z.output<typeof tcpSchema>;

export const tcpProbe: Probe<TcpTarget> = {
  kind: 'tcp',
  schema: tcpSchema,
  async run() {
    throw new Error('tcp probe: not implemented yet');
  },
};
