// Label sets: their canonical text (a series' identity) and matching against a query's matchers.
import { flatString } from '../lib/flat-string.js';
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
 * A frozen copy of `labels` carrying its canonical text: for a label set a source hands again and again
 * (the scheduler's per-check labels, OTLP's interned sets), so that the hot paths key it without work. The
 * key used to be remembered in WeakMaps keyed by the object; at 40,000 checks their ~160,000 entries
 * were marked and cleared inside every pause of V8's full GC. The copy is filled into an empty literal,
 * which has room for four properties inside the object and shares its hidden class with every other copy
 * of the same label names: a set of three labels and its key fit there, where the key added to a
 * three-label literal spilled into a separate property array (one more object per set), and a spread
 * copy got a hidden class of its own, ~7 objects more per set.
 */
export function frozenLabels<T extends Record<string, string>>(labels: T): Readonly<T> {
  const copy: Record<string, string> = {};
  for (const key of Object.keys(labels)) {
    // `copy.__proto__ = …` would set the prototype; a label of that name is a property like any other.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: labels[key], enumerable: true, writable: true, configurable: true });
    else copy[key] = labels[key]!;
  }
  Object.defineProperty(copy, KEY, { value: flatString(labelsKey(labels)), enumerable: false });
  return Object.freeze(copy) as Readonly<T>;
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
