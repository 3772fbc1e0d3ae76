// Services' `slos:` → one SloSpec per environment, and per severity one BurnRateRule over that
// severity's tiers (the SRE workbook's multiwindow, multi-burn-rate alerts, scaled to the SLO's window
// unless written).
import { SEVERITIES, type Severity } from '../store/types.js';
import type { BurnRateRule, BurnRateTier, SloSpec, SloWindow } from '../rules/types.js';
import { nominalWindowMs } from '../rules/calendar.js';
import { defaultBurnRateTiers } from '../rules/slo.js';
import { formatDuration } from '../lib/duration.js';
import { sloItemSchema, type SloDocument } from './alerting-schema.js';
import type { AlertingContext } from './alerting.js';
import { parseItems, unknownNameMessage } from './alerting-parse.js';
import { isPlainObject } from './expand.js';
import type { PathSegment, RawProblem } from './issues.js';
import { MAX_EXPANDED_SLOS, formatCount } from './limits.js';

/** `checkout-latency` → `CheckoutLatencyBurnRate`; an SLO without a name alerts as `SloBurnRate`. */
export function burnRateRuleName(slo: { readonly name: string; readonly named: boolean }): string {
  if (!slo.named) return 'SloBurnRate';
  const pascal = slo.name
    .split(/[-_]+/)
    .filter(Boolean)
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');
  // A name may start with a digit ("99th"); an alert name may not.
  return `${/^[0-9]/.test(pascal) ? 'Slo' : ''}${pascal}BurnRate`;
}

/** Compiles the SLOs of every service that could be read. */
export function compileSlos(
  rawServices: Readonly<Record<string, unknown>>,
  context: AlertingContext,
  problems: RawProblem[],
): { slos: SloSpec[]; rules: BurnRateRule[] } {
  const slos: SloSpec[] = [];
  const rules: BurnRateRule[] = [];
  for (const [service, raw] of Object.entries(rawServices)) {
    const runsIn = context.services.get(service);
    if (!runsIn || !isPlainObject(raw)) continue;
    const seen = new Map<string, number>();
    for (const { index, item } of parseItems(sloItemSchema, raw.slos, ['services', service, 'slos'], problems)) {
      const path: PathSegment[] = ['services', service, 'slos', index, item.kind];
      const first = seen.get(item.name);
      if (first !== undefined) {
        const message = `duplicate SLO "${item.name}" (also slos[${first}]); give each SLO of a service its own name`;
        problems.push({ path: item.named ? [...path, 'name'] : path, message, at: item.named ? 'value' : 'key' });
        continue;
      }
      seen.set(item.name, index);
      const environments = sloEnvironments(item, service, runsIn, context, path, problems);
      const tiers = sloTiers(item, path, problems);
      if (environments === null || tiers === null) continue;
      if (slos.length + environments.length > MAX_EXPANDED_SLOS) {
        const message = `the services' SLOs expand to more than ${formatCount(MAX_EXPANDED_SLOS)} (each SLO times its environments)`;
        problems.push({ path: ['services'], message, at: 'key' });
        return { slos: [], rules: [] };
      }
      for (const env of environments) {
        const slo: SloSpec = {
          id: `${env}/${service}/${item.name}`,
          name: item.name,
          env,
          service,
          sli: item.kind === 'latency' ? { kind: 'latency', thresholdSeconds: item.thresholdMs! / 1000 } : { kind: 'availability' },
          objective: item.objective,
          window: item.window as SloWindow,
          tiers,
        };
        slos.push(slo);
        // One alert per severity, firing on any of its tiers (the workbook's OR), not one per tier.
        for (const severity of SEVERITIES) {
          const windows = tiers.filter((tier) => tier.severity === severity);
          if (windows.length) rules.push(burnRateRule(slo, severity, windows, burnRateRuleName(item)));
        }
      }
    }
  }
  return { slos, rules };
}

function sloEnvironments(
  item: SloDocument,
  service: string,
  runsIn: readonly string[],
  context: AlertingContext,
  path: readonly PathSegment[],
  problems: RawProblem[],
): readonly string[] | null {
  if (item.environments === null) return runsIn;
  let valid = true;
  item.environments.forEach((env, i) => {
    if (runsIn.includes(env)) return;
    valid = false;
    const message = context.environments.includes(env)
      ? `service "${service}" does not run in "${env}" (its environments are ${runsIn.join(', ')})`
      : unknownNameMessage('environment', env, context.environments);
    problems.push({ path: [...path, 'environments', i], message, at: 'value' });
  });
  // In the config's order, once each.
  return valid ? runsIn.filter((env) => item.environments!.includes(env)) : null;
}

/** The tiers as written, or the workbook's scaled to the window; null (with a problem) when a tier looks back past the window. */
function sloTiers(item: SloDocument, path: readonly PathSegment[], problems: RawProblem[]): BurnRateTier[] | null {
  const window = item.window as SloWindow;
  const windowMs = nominalWindowMs(window);
  if (item.tiers === null) {
    const tiers = defaultBurnRateTiers(window);
    const longest = Math.max(...tiers.map((t) => t.longWindowMs));
    if (longest <= windowMs) return tiers;
    problems.push({
      path: [...path, 'window'],
      message: `the default burn-rate alerts look back up to ${formatDuration(longest)}, longer than this window; use a window of at least ${formatDuration(longest)} or write alerts`,
      at: 'value',
    });
    return null;
  }
  let valid = true;
  const tiers = item.tiers.map((tier, i) => {
    if (tier.long_window > windowMs) {
      valid = false;
      problems.push({ path: [...path, 'alerts', i, 'long_window'], message: `must not be longer than the SLO window (${formatDuration(windowMs)})`, at: 'value' });
    }
    return { severity: tier.severity, factor: tier.burn_rate, longWindowMs: tier.long_window, shortWindowMs: tier.short_window };
  });
  return valid ? tiers : null;
}

function burnRateRule(slo: SloSpec, severity: Severity, tiers: readonly BurnRateTier[], name: string): BurnRateRule {
  const windows = [...tiers]
    .sort((a, b) => a.longWindowMs - b.longWindowMs)
    .map((tier) => ({ factor: tier.factor, longWindowMs: tier.longWindowMs, shortWindowMs: tier.shortWindowMs }));
  const conditions = windows.map((w) => `${w.factor}× over ${formatDuration(w.longWindowMs)} and ${formatDuration(w.shortWindowMs)}`).join(', or ');
  return {
    kind: 'burn_rate',
    name,
    severity,
    forMs: 0,
    keepFiringForMs: 0,
    summary: `{{labels.service}} in {{labels.env}} burns its ${slo.name} error budget at {{value}}× (alerting above ${conditions})`,
    runbook: null,
    labels: { slo: slo.name, env: slo.env, service: slo.service },
    origin: 'slo',
    sloId: slo.id,
    windows,
  };
}
