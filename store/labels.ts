// Label sets: their canonical text (a series' identity) and matching against a query's matchers.
import type { LabelMatcher, Labels } from './types.js';

/** Canonical text of a label set: JSON with keys in sorted order (what `series.labels` stores). */
export function labelsKey(labels: Labels): string {
  let previous = '';
  for (const key in labels) {
    if (key < previous) return JSON.stringify(sortedLabels(labels));
    previous = key;
  }
  // Already sorted (what every source in Vigil produces): skip building a copy.
  return JSON.stringify(labels);
}

/**
 * `labelsKey` remembered per frozen label object: sources hand the same frozen object for a series run
 * after run (the scheduler's per-check labels, OTLP's interned sets), so a hot path keys it once. An
 * unfrozen object could change after being keyed, so it is keyed again each time. Held weakly: a label
 * set nobody uses any more takes its key with it.
 */
export class LabelKeys {
  readonly #keys = new WeakMap<Labels, string>();

  keyOf(labels: Labels): string {
    let key = this.#keys.get(labels);
    if (key === undefined) {
      key = labelsKey(labels);
      if (Object.isFrozen(labels)) this.#keys.set(labels, key);
    }
    return key;
  }
}

function sortedLabels(labels: Labels): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) sorted[key] = labels[key]!;
  return sorted;
}

/** True when `labels` satisfies every matcher; `!=` matches a label that is absent. */
export function matchesLabels(labels: Labels, matchers: readonly LabelMatcher[]): boolean {
  for (const matcher of matchers) {
    const actual = Object.hasOwn(labels, matcher.label) ? labels[matcher.label] : undefined;
    if (matcher.op === '=' ? actual !== matcher.value : actual === matcher.value) return false;
  }
  return true;
}
