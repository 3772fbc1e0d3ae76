// Rule state after a restart: which rule of the current config a persisted instance belongs to (by its
// alert labels), and the series labels it was evaluated on. An instance no rule owns any more (the rule
// was removed or renamed) is an orphan: its incident resolves, its record goes.
import { matchAll } from '../lib/matchers.js';
import type { Labels } from '../store/types.js';
import type { CompiledRule } from './evaluate.js';

/** True when the alert labels could have come from this rule. */
export function ownsInstance(rule: CompiledRule, labels: Labels): boolean {
  const { spec } = rule;
  if (labels.alertname !== spec.name || labels.severity !== spec.severity) return false;
  for (const [key, value] of Object.entries(spec.labels)) if (labels[key] !== value) return false;
  switch (spec.kind) {
    case 'threshold':
      return matchAll(labels, rule.matchers);
    case 'nodata':
      // The instance fired because nothing matched at all carries no series labels to match.
      return matchAll(labels, rule.matchers) || Object.keys(seriesLabelsOf(rule, labels)).length === 0;
    case 'check_down':
    case 'burn_rate': {
      const own = spec.kind === 'check_down' ? rule.checkLabels : rule.sloLabels;
      return own !== null && Object.entries(own).every(([key, value]) => labels[key] === value);
    }
  }
}

/** The series labels inside alert labels: without alertname, severity and the rule's own labels. */
export function seriesLabelsOf(rule: CompiledRule, labels: Labels): Labels {
  const series: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (key === 'alertname' || key === 'severity' || Object.hasOwn(rule.spec.labels, key)) continue;
    series[key] = value;
  }
  return series;
}
