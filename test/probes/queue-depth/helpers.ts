// Shared by the queue_depth tests: a run with a chosen clock and secrets, and the series it returned.
import { queueDepthProbe, queueDepthSchema } from '../../../probes/queue-depth/index.js';
import type { ProbeContext } from '../../../probes/context.js';
import type { ProbeOutcome } from '../../../probes/probe.js';
import { deadline } from '../../helpers/servers.js';

/** Runs a queue_depth check with `fields` against `ctx`, with a 3 s deadline. */
export function runQueueDepth(fields: Record<string, unknown>, ctx: ProbeContext, timeoutMs = 3000): Promise<ProbeOutcome> {
  return queueDepthProbe.run(queueDepthSchema.parse(fields), deadline(timeoutMs), ctx);
}

/** `queue_depth` per state, from an outcome. */
export function depths(outcome: ProbeOutcome): Record<string, number> {
  return Object.fromEntries(outcome.samples.filter((s) => s.name === 'queue_depth').map((s) => [s.labels!.state, s.value]));
}

/** The value of the one sample named `name`, or undefined. */
export function sampleValue(outcome: ProbeOutcome, name: string): number | undefined {
  return outcome.samples.find((s) => s.name === name)?.value;
}

/** A name unique to this test run, for keys, queues and streams on the shared servers. */
export function uniqueName(what: string): string {
  return `vigil-test-${what}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
