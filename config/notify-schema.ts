// The schema of `notify:` (receivers, routes, delivery), built from the receiver registry: a new kind
// brings its own schema and needs no change here. The loader validates receivers one by one
// (config/notify.ts) after `${VAR}`s are expanded; the JSON Schema for editors uses the union of kinds.
import { z } from 'zod';
import { duration } from '../lib/duration.js';
import type { ReceiverRegistry } from '../notify/receiver.js';

/** Receiver names: `oncall-slack`, `pager`. */
export const RECEIVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The keys of a receiver besides its kind. */
export const COMMON_RECEIVER_KEYS = ['rate_limit'] as const;

export const rateLimitSchema = z
  .strictObject({
    max: z.number().int().min(1).max(100_000).meta({ description: 'Messages a window' }),
    per: duration().pipe(z.number().min(1000, 'must be at least 1s')).meta({ description: 'The window: 1m, 1h' }),
  })
  .meta({ description: 'Past max messages in a window, the rest fold into one summary message' });

const receiverNames = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((to) => (typeof to === 'string' ? [to] : to))
  .meta({ description: 'A receiver name or a list of them' });

export const routeSchema = z
  .strictObject({
    match: z.record(z.string(), z.string()).optional().meta({ description: 'Label matchers: { severity: page, env: "=~prod|staging", service: "!=web" }' }),
    to: receiverNames,
    continue: z.boolean().default(false).meta({ description: 'Keep matching the routes after this one' }),
    group_by: z.array(z.string().min(1)).min(1).default(['...']).meta({ description: 'Labels that group incidents into one message (default ["..."]: each incident alone)' }),
    group_wait: duration().prefault('0s').meta({ description: 'How long a new group waits for more incidents before its first message (default 0s)' }),
    group_interval: duration().pipe(z.number().min(1000, 'must be at least 1s')).prefault('1m').meta({ description: 'How long a group waits after a message before the next about new changes (default 1m)' }),
    repeat: duration().pipe(z.number().min(60_000, 'must be at least 1m')).prefault('4h').meta({ description: 'Re-send a still-firing, unacknowledged group this often (default 4h; Alertmanager\'s repeat_interval)' }),
    send_resolved: z.boolean().default(true),
    escalate: z
      .array(z.strictObject({ after: duration().pipe(z.number().min(1000, 'must be at least 1s')), to: receiverNames }))
      .default([])
      .meta({ description: 'Not acknowledged `after` the incident opened → notify `to` (each step once)' }),
  })
  .meta({ description: 'A route: first match wins unless continue: true' });

export const deliverySchema = z
  .strictObject({
    timeout: duration().pipe(z.number().min(100).max(120_000, 'must be at most 2m')).prefault('10s'),
    max_age: duration().pipe(z.number().min(60_000, 'must be at least 1m')).prefault('24h').meta({ description: 'A message still failing this long after it was written is a dead letter (listable, replayable)' }),
    backoff: z.strictObject({ initial: duration().prefault('1s'), max: duration().prefault('5m') }).prefault({}),
    breaker: z
      .strictObject({ failures: z.number().int().min(1).max(1000).default(5), cooldown: duration().prefault('1m') })
      .prefault({})
      .meta({ description: 'A receiver\'s circuit opens after `failures` failures in a row and tries again after `cooldown`' }),
  })
  .prefault({});

/** A receiver entry as written: `{ <kind>: { …fields }, rate_limit? }`, for the JSON Schema. */
export function receiverEntrySchema(receivers: ReceiverRegistry): z.ZodType {
  const options = receivers.kinds().map((kind) => z.strictObject({ [kind]: receivers.get(kind).schema, rate_limit: rateLimitSchema.optional() }));
  return options.length === 1 ? options[0]! : z.union(options as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

/** `notify:`; `receiverEntry` is `z.unknown()` in the loader, which validates each receiver itself. */
export function notifySchema(receivers: ReceiverRegistry, receiverEntry: z.ZodType = receiverEntrySchema(receivers)) {
  return z
    .strictObject({
      receivers: z.record(z.string().regex(RECEIVER_NAME, 'expected a receiver name of letters, digits, ., - and _'), receiverEntry).default({}),
      routes: z.array(routeSchema).default([]),
      delivery: deliverySchema,
    })
    .meta({ description: 'Notifications: receivers (Slack, Teams, PagerDuty, webhooks, …), routes and delivery' });
}
