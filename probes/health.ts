import { z } from 'zod';
import type { Probe } from './probe.js';
import { tlsSchema } from './http.js';

/** A number in the health JSON recorded as a series. */
const healthMetric = z.strictObject({
  name: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected a metric name like queue_depth'),
  /** Where the number is: `$.replication.lag_seconds`, `$.queues[0].depth`. */
  path: z.string().regex(/^\$/, 'expected a JSON path starting with $, like $.queue.depth'),
  labels: z.record(z.string(), z.string()).default({}),
});

export const healthSchema = z.strictObject({
  /** The app's readiness endpoint, e.g. https://api.example.com/health/ready. */
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  headers: z.record(z.string(), z.string()).default({}),
  tls: tlsSchema.optional(),
  /** Numbers to read from the JSON as series: `{ name: replica_lag_seconds, path: $.replication.lag_seconds }`. */
  metrics: z.array(healthMetric).default([]),
});

export type HealthTarget = z.output<typeof healthSchema>;

export const healthProbe: Probe<HealthTarget> = {
  kind: 'health',
  schema: healthSchema,
  async run() {
    throw new Error('health probe: not implemented yet');
  },
};
