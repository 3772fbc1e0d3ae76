// Reading an outbox row's content back: its incident ids and its message, checked field by field
// against what this Vigil's routing and receivers read. A kind written by a newer Vigil, or a damaged
// row, is answered as a problem naming the row and the field (the dispatcher records the message as
// failed with it), never as a message that breaks a receiver's render.
import { z } from 'zod';
import { checkStored, parseStoredJson, storedField } from '../lib/stored-json.js';
import { INCIDENT_STATES, SEVERITIES } from '../store/types.js';
import { CHANGE_KINDS, MESSAGE_KINDS, type NotificationMessage } from './types.js';

const labels = z.record(z.string(), z.string());
const time = z.number();
const incident = z.looseObject({
  id: z.int(),
  fingerprint: z.string(),
  rule: z.string(),
  severity: z.enum(SEVERITIES),
  labels,
  env: z.string().nullable(),
  service: z.string().nullable(),
  check: z.string().nullable(),
  summary: z.string(),
  runbook: z.string().nullable(),
  state: z.enum(INCIDENT_STATES),
  openedAt: time,
  acknowledgedAt: time.nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: time.nullable(),
  resolvedBy: z.string().nullable(),
  lastValue: z.number().nullable(),
  reopenCount: z.number(),
  updatedAt: time,
});
const alert = z.looseObject({ change: z.enum([...CHANGE_KINDS, 'repeat']), at: time, incident });
const maybe = z.number().nullable();
const digest = z.looseObject({
  id: z.int(),
  name: z.string(),
  from: time,
  to: time,
  timezone: z.string(),
  generatedAt: time,
  availability: maybe,
  previousAvailability: maybe,
  availabilityDelta: maybe,
  services: z.number(),
  servicesMet: z.number(),
  servicesMissed: z.number(),
  servicesWithoutData: z.number(),
  worst: z.array(z.looseObject({ env: z.string(), service: z.string(), availability: maybe, target: z.number(), met: z.boolean().nullable() })),
  incidents: z.looseObject({ opened: z.number(), mttaMs: maybe, mttrMs: maybe, longestMs: maybe }),
  noDataMs: z.number(),
  maintenanceMs: z.number(),
  slos: z.array(z.looseObject({ id: z.string(), objective: z.number(), budgetRemaining: maybe, budgetConsumedInPeriod: maybe })),
});

/** A stored message, checked field by field (the type says the schema checks all of NotificationMessage). */
const storedMessage: z.ZodType<NotificationMessage> = z.looseObject({
  kind: z.enum(MESSAGE_KINDS),
  groupKey: z.string(),
  groupLabels: labels,
  alerts: z.array(alert),
  folded: z.number(),
  escalation: z.looseObject({ level: z.int(), afterMs: z.number() }).nullable(),
  report: digest.optional(),
});
const incidentIds = z.array(z.int());

/** An outbox row's content as read: its incident ids and message, or why it cannot be read. */
export type OutboxContent =
  | { readonly ok: true; readonly incidentIds: readonly number[]; readonly message: NotificationMessage }
  | { readonly ok: false; readonly incidentIds: readonly number[]; readonly problem: string };

/**
 * Reads the `incident_ids` and `message` columns of outbox row `id`. A problem reads like
 * `outbox row 12: message.kind is "page", a kind this Vigil does not know (alert, summary, test, report); written by a newer Vigil?`;
 * its incident ids are kept when they alone are readable.
 */
export function readOutboxContent(id: number, incidentIdsText: string, messageText: string): OutboxContent {
  const problems: string[] = [];
  const ids = parseStoredJson(incidentIdsText);
  const checkedIds = ids.ok ? checkStored(ids.value, incidentIds, 'incident_ids') : { ok: false as const, problem: `incident_ids ${ids.problem}` };
  if (!checkedIds.ok) problems.push(checkedIds.problem);
  const message = messageOf(messageText);
  if (!message.ok) problems.push(message.problem);
  const readIds = checkedIds.ok ? checkedIds.value : [];
  if (problems.length || !message.ok) return { ok: false, incidentIds: readIds, problem: `outbox row ${id}: ${problems.join('; ')}` };
  return { ok: true, incidentIds: readIds, message: message.value };
}

function messageOf(text: string): { ok: true; value: NotificationMessage } | { ok: false; problem: string } {
  const parsed = parseStoredJson(text);
  if (!parsed.ok) return { ok: false, problem: `message ${parsed.problem}` };
  const kind = storedField(parsed.value, 'kind');
  if (typeof kind === 'string' && !(MESSAGE_KINDS as readonly string[]).includes(kind)) {
    // Bounded: the kind came from a row, and a reason is shown in lists and logs.
    return { ok: false, problem: `message.kind is ${JSON.stringify(kind.slice(0, 40))}, a kind this Vigil does not know (${MESSAGE_KINDS.join(', ')}); written by a newer Vigil?` };
  }
  return checkStored(parsed.value, storedMessage, 'message');
}
