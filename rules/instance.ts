// A rule instance as the engine keeps it in memory, and as the store keeps it (RuleInstanceRecord):
// what must be saved at once when it changes, what only now and then, and what need not be kept at all.
import type { Labels, RuleInstanceRecord } from '../store/types.js';
import { inactive, type InstanceState } from './state.js';

export interface Instance {
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly seriesLabels: Labels;
  readonly state: InstanceState;
  readonly counters: Readonly<Record<string, number>>;
  readonly incidentId: number | null;
  readonly inhibited: boolean;
  /** What was last saved (its persist key) and when; null when the store holds no record of it. */
  readonly saved: { readonly key: string; readonly at: number } | null;
}

/** A rule instance's value and last value are saved at least this often while they change (not every cycle). */
export const SAVE_EVERY_MS = 60_000;

/** The instance differs from what the store holds in a way that matters, or its value is a minute old there. */
export function needsSave(instance: Instance, at: number): boolean {
  if (isResting(instance)) return instance.saved !== null;
  return instance.saved === null || instance.saved.key !== persistKey(instance, at) || at - instance.saved.at >= SAVE_EVERY_MS;
}

/** Inactive, with no incident and nothing counted: nothing to keep in the store. */
export function isResting(instance: Instance): boolean {
  return instance.state.state === 'inactive' && instance.incidentId === null && !((instance.counters.failures ?? 0) > 0);
}

/**
 * What must reach the store as soon as it changes; the value only rides along now and then. Whether the
 * condition still holds is part of it, so the last breach time that keep_firing_for counts from is
 * saved when the condition stops holding.
 */
export function persistKey(instance: Instance, at: number): string {
  const { state, activeSince, firingSince, lastBreachAt } = instance.state;
  return JSON.stringify([state, activeSince, firingSince, lastBreachAt === at, instance.incidentId, instance.counters.failures ?? 0, instance.counters.failingSince ?? null]);
}

export function toRecord(rule: string, instance: Instance, at: number): RuleInstanceRecord {
  return {
    fingerprint: instance.fingerprint,
    rule,
    labels: instance.labels,
    ...instance.state,
    counters: instance.counters,
    incidentId: instance.incidentId,
    updatedAt: at,
  };
}

/** An instance read back from the store after a restart. */
export function fromRecord(record: RuleInstanceRecord, seriesLabels: Labels): Instance {
  const { state, activeSince, firingSince, lastBreachAt, value } = record;
  const instance: Instance = {
    fingerprint: record.fingerprint,
    labels: record.labels,
    seriesLabels,
    state: state === 'inactive' && activeSince === null && firingSince === null && lastBreachAt === null ? inactive(value) : { state, activeSince, firingSince, lastBreachAt, value },
    counters: record.counters,
    incidentId: record.incidentId,
    inhibited: false,
    saved: null,
  };
  return { ...instance, saved: { key: persistKey(instance, record.updatedAt), at: record.updatedAt } };
}
