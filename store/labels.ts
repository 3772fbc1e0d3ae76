// Label sets: their canonical text (a series' identity) and matching against a query's matchers.
import type { LabelMatcher, Labels } from './types.js';

/**
 * The canonical text a label set made by `frozenLabels` carries: a symbol-keyed, non-enumerable property,
 * invisible to `for…in`, `Object.keys`, JSON, spread and structured clone (a copy is keyed again).
 */
const KEY = Symbol('vigil.labelsKey');

/** Canonical text of a label set: JSON with keys in sorted order (what `series.labels` stores). */
export function labelsKey(labels: Labels): string {
  const carried = (labels as { [KEY]?: string })[KEY];
  if (carried !== undefined) return carried;
  let previous = '';
  for (const key in labels) {
    if (key < previous) return JSON.stringify(sortedLabels(labels));
    previous = key;
  }
  // Already sorted (what every source in Vigil produces): skip building a copy.
  return JSON.stringify(labels);
}

/** The canonical text `labels` carries when `frozenLabels` made it, else undefined (a lookup, no work). */
export function carriedKey(labels: Labels): string | undefined {
  return (labels as { [KEY]?: string })[KEY];
}

/**
 * `labels` frozen, carrying its canonical text: for a label set a source hands again and again (the
 * scheduler's per-check labels, OTLP's interned sets), so that the hot paths key it without work. The
 * key used to be remembered in WeakMaps keyed by the object; at 40,000 checks their ~160,000 entries
 * were marked and cleared inside every pause of V8's full GC.
 */
export function frozenLabels<T extends Record<string, string>>(labels: T): Readonly<T> {
  Object.defineProperty(labels, KEY, { value: labelsKey(labels), enumerable: false });
  return Object.freeze(labels);
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
