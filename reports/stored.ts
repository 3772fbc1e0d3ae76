// Reading a stored report's body back: one of this Vigil's REPORT_VERSION, with every field the
// renderers and the API read of the right shape. A report written by a newer Vigil (another version)
// or a damaged body is an UnreadableDataError naming the report and the field, not a TypeError in a
// renderer.
import { z } from 'zod';
import { UnreadableDataError } from '../lib/errors.js';
import { checkStored, parseStoredJson, storedField } from '../lib/stored-json.js';
import { REPORT_VERSION, type SlaReport } from './types.js';

const count = z.number();
const maybe = z.number().nullable();
const latency = z.looseObject({ p50: maybe, p95: maybe, p99: maybe });
const timeAccount = { dataMs: count, noDataMs: count, maintenanceMs: count };
const incidents = z.looseObject({
  opened: count,
  acknowledged: count,
  resolved: count,
  mttaMs: maybe,
  mttrMs: maybe,
  longest: z.looseObject({ id: count, rule: z.string(), durationMs: count, resolved: z.boolean() }).nullable(),
});
const check = z.looseObject({ ...timeAccount, check: z.string(), availability: maybe, probes: count, failedProbes: count, latency });
const service = z.looseObject({
  ...timeAccount,
  env: z.string(),
  service: z.string(),
  target: count,
  availability: maybe,
  met: z.boolean().nullable(),
  previousAvailability: maybe,
  availabilityDelta: maybe,
  latency,
  incidents,
  checks: z.array(check),
});
const slo = z.looseObject({
  id: z.string(),
  env: z.string(),
  service: z.string(),
  sli: z.enum(['availability', 'latency']),
  objective: count,
  windowStart: count,
  windowEnd: count,
  periodSli: maybe,
  budgetConsumedInPeriod: maybe,
  budgetRemaining: maybe,
});
const fleet = z.looseObject({
  ...timeAccount,
  availability: maybe,
  previousAvailability: maybe,
  availabilityDelta: maybe,
  services: count,
  checks: count,
  servicesMet: count,
  servicesMissed: count,
  servicesWithoutData: count,
  incidents,
});

/** A stored report of this version, checked field by field (the type says the schema checks all of SlaReport). */
const storedReport: z.ZodType<SlaReport> = z.looseObject({
  version: z.literal(REPORT_VERSION),
  name: z.string(),
  from: count,
  to: count,
  timezone: z.string(),
  generatedAt: count,
  resolution: z.enum(['1m', '1h']),
  envs: z.array(z.string()).nullable(),
  fleet,
  services: z.array(service),
  slos: z.array(slo),
});

/**
 * The report stored as `body` under `id`; UnreadableDataError when it is of another version
 * (`stored report 7 has version 2; this Vigil reads version 1 …`) or damaged (`… at fleet.incidents: …`).
 */
export function readStoredReport(id: number, body: string): SlaReport {
  const parsed = parseStoredJson(body);
  if (!parsed.ok) throw new UnreadableDataError(`stored report ${id} is damaged: its body ${parsed.problem}`);
  const version = storedField(parsed.value, 'version');
  if (typeof version === 'number' && version !== REPORT_VERSION) {
    const newer = version > REPORT_VERSION ? ' (written by a newer Vigil: upgrade to read it)' : '';
    throw new UnreadableDataError(`stored report ${id} has version ${version}; this Vigil reads report version ${REPORT_VERSION} only${newer}`);
  }
  const checked = checkStored(parsed.value, storedReport);
  if (!checked.ok) throw new UnreadableDataError(`stored report ${id} is damaged: ${checked.problem}`);
  return checked.value;
}
