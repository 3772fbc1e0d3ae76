// Inhibition with Alertmanager's semantics (inhibit_rules): a firing alert matching a rule's `source`
// mutes every alert matching its `target` that has the same values for the `equal` labels (a label absent
// on both counts as equal). An alert never inhibits itself, and an alert matching both sides of a rule is
// muted only by a source that does not itself match the target side (Alertmanager's two-sided rule), so
// two `EnvironmentDown`s cannot mute each other into silence.
import { compileMatchers, matchAll, type CompiledMatcher } from '../lib/matchers.js';
import type { Labels } from '../store/types.js';
import type { InhibitSpec } from './types.js';

export interface CompiledInhibit {
  readonly source: readonly CompiledMatcher[];
  readonly target: readonly CompiledMatcher[];
  readonly equal: readonly string[];
}

/** An alert as inhibition sees it. */
export interface InhibitCandidate {
  readonly fingerprint: string;
  readonly labels: Labels;
  /** Only firing alerts inhibit; pending and firing ones can be inhibited. */
  readonly firing: boolean;
}

export function compileInhibits(specs: readonly InhibitSpec[]): CompiledInhibit[] {
  return specs.map((spec) => ({ source: compileMatchers(spec.source), target: compileMatchers(spec.target), equal: spec.equal }));
}

/** The fingerprints of the alerts muted by some rule. Linear in alerts × rules. */
export function inhibitedAlerts(alerts: readonly InhibitCandidate[], rules: readonly CompiledInhibit[]): Set<string> {
  const muted = new Set<string>();
  for (const rule of rules) {
    // Per `equal` values: whether a firing source is there, and whether one that is not also a target is.
    const sources = new Map<string, { any: boolean; sourceOnly: boolean }>();
    for (const alert of alerts) {
      if (!alert.firing || !matchAll(alert.labels, rule.source)) continue;
      const key = equalKey(alert.labels, rule.equal);
      const seen = sources.get(key) ?? { any: false, sourceOnly: false };
      seen.any = true;
      if (!matchAll(alert.labels, rule.target)) seen.sourceOnly = true;
      sources.set(key, seen);
    }
    if (sources.size === 0) continue;
    for (const alert of alerts) {
      if (muted.has(alert.fingerprint) || !matchAll(alert.labels, rule.target)) continue;
      const seen = sources.get(equalKey(alert.labels, rule.equal));
      if (seen === undefined) continue;
      // A target that is also a source may only be muted by a source-only alert; that excludes itself.
      const twoSided = matchAll(alert.labels, rule.source);
      if (twoSided ? seen.sourceOnly : seen.any) muted.add(alert.fingerprint);
    }
  }
  return muted;
}

function equalKey(labels: Labels, equal: readonly string[]): string {
  return JSON.stringify(equal.map((label) => (Object.hasOwn(labels, label) ? labels[label] : '')));
}
