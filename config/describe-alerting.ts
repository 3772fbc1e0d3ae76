// What `vigil check` prints of the alerting config: the compiled rules (how many of each origin, the
// written ones one by one, the default ones grouped), each SLO with its burn-rate tiers and the share
// of the budget each spends before it fires, inhibition, and each maintenance window's next occurrence.
// Everything comes from `publicConfig`, so no secret value can reach it.
import type { AlertingConfig, BurnRateTier, MaintenanceSpec, RuleSpec, SloSpec, SloWindow } from '../rules/types.js';
import { formatMatcher, type Matcher } from '../lib/matchers.js';
import { formatDuration } from '../lib/duration.js';
import { budgetConsumed } from '../rules/slo.js';
import { nominalWindowMs, wallParts } from '../rules/calendar.js';
import { nextMaintenance } from '../rules/maintenance.js';
import type { VigilConfig } from './types.js';
import { publicConfig } from './public.js';

const ANSI = { bold: '\x1b[1m', dim: '\x1b[2m', cyan: '\x1b[36m', reset: '\x1b[0m' } as const;

/** `{env="prod",check=~"pg.*"}`; empty for no matchers. */
function selector(matchers: readonly Matcher[]): string {
  return matchers.length ? `{${matchers.map(formatMatcher).join(',')}}` : '';
}

/** A number as printed: at most two decimals (0.933333333 → 0.93). */
function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** One line saying when a rule fires: `max(replica_lag_seconds{env="prod"}[5m]) > 30 for 2m`. */
export function describeRule(rule: RuleSpec): string {
  const holding = rule.forMs > 0 ? ` for ${formatDuration(rule.forMs)}` : '';
  const keeping = rule.keepFiringForMs > 0 ? `, keeps firing ${formatDuration(rule.keepFiringForMs)}` : '';
  switch (rule.kind) {
    case 'threshold': {
      const op = rule.op === 'above' ? '>' : '<';
      const recover = rule.recover === null ? '' : `, recovers ${rule.op === 'above' ? 'below' : 'above'} ${rule.recover}`;
      return `${rule.aggregate}(${rule.metric}${selector(rule.matchers)}[${formatDuration(rule.overMs)}]) ${op} ${rule.threshold}${holding}${recover}${keeping}`;
    }
    case 'nodata':
      return `no sample of ${rule.metric}${selector(rule.matchers)} for ${formatDuration(rule.nodataMs)}${rule.forMs > 0 ? `, pending ${formatDuration(rule.forMs)}` : ''}${keeping}`;
    case 'check_down':
      return `${rule.checkId} fails ${rule.afterFailures} run${rule.afterFailures === 1 ? '' : 's'} in a row or for ${formatDuration(rule.orAfterMs)}`;
    case 'burn_rate':
      return `${rule.sloId} burns its budget faster than ${rule.windows.map((w) => `${num(w.factor)}× over ${formatDuration(w.longWindowMs)} and ${formatDuration(w.shortWindowMs)}`).join(', or ')}`;
  }
}

/** How a default rule reads without the check it belongs to, so identical ones print as one line. */
function defaultRuleSummary(rule: RuleSpec): string {
  if (rule.kind === 'check_down') return `${rule.afterFailures} failed run${rule.afterFailures === 1 ? '' : 's'} in a row or failing for ${formatDuration(rule.orAfterMs)}`;
  if (rule.kind === 'threshold' && rule.name === 'TlsCertExpiring') return `a certificate expiring in under ${formatDuration(rule.threshold * 1000)}`;
  return describeRule(rule);
}

function windowText(window: SloWindow): string {
  return window.kind === 'rolling' ? `a rolling ${formatDuration(window.ms)}` : `each calendar ${window.unit} in ${window.timezone}`;
}

function percent(ratio: number): string {
  return `${String(Math.round(ratio * 100_000) / 1000)}%`;
}

/** `2026-12-01T22:00Z`; seconds only when there are some. */
function isoMinute(instant: number): string {
  return new Date(instant).toISOString().replace(/:00\.000Z$/, 'Z').replace(/\.000Z$/, 'Z');
}

/** `2026-12-06 02:00 Europe/Berlin`. */
function localTime(instant: number, timezone: string): string {
  const p = wallParts(instant, timezone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)} ${timezone}`;
}

function maintenanceLine(spec: MaintenanceSpec, now: number | null): string {
  const scope = [spec.environments && `environments ${spec.environments.join(', ')}`, spec.services && `services ${spec.services.join(', ')}`]
    .filter(Boolean)
    .join(', ');
  const { schedule } = spec;
  const when =
    schedule.kind === 'cron'
      ? `"${schedule.cron}" for ${formatDuration(schedule.durationMs)} in ${schedule.timezone}`
      : `${isoMinute(schedule.start)} to ${isoMinute(schedule.end)}`;
  let line = `${spec.id}  ${scope || 'everything'}: ${when}${spec.reason ? ` (${spec.reason})` : ''}`;
  if (now !== null) {
    const next = nextMaintenance(spec, now);
    const timezone = schedule.kind === 'cron' ? schedule.timezone : 'UTC';
    if (next === null) line += '; over';
    else if (next[0] <= now) line += `; on now, until ${localTime(next[1], timezone)}`;
    else line += `; next ${localTime(next[0], timezone)}`;
  }
  return line;
}

/** SLOs that differ only in their environment print as one, with the environments listed. */
function groupSlos(slos: readonly SloSpec[]): Array<{ slo: SloSpec; environments: string[] }> {
  const groups = new Map<string, { slo: SloSpec; environments: string[] }>();
  for (const slo of slos) {
    const key = JSON.stringify([slo.service, slo.name, slo.sli, slo.objective, slo.window, slo.tiers]);
    const group = groups.get(key);
    if (group) group.environments.push(slo.env);
    else groups.set(key, { slo, environments: [slo.env] });
  }
  return [...groups.values()];
}

function tierLine(tier: BurnRateTier, slo: SloSpec): string {
  const consumed = budgetConsumed(tier.factor, tier.longWindowMs, nominalWindowMs(slo.window));
  const windows = `over ${formatDuration(tier.longWindowMs)} and ${formatDuration(tier.shortWindowMs)}`;
  return `${tier.severity.padEnd(6)}  ${`${num(tier.factor)}×`.padEnd(7)}  ${windows.padEnd(16)}  ${percent(consumed)} of the budget in ${formatDuration(tier.longWindowMs)}`;
}

/**
 * Describes the alerting part of a loaded config for a person. `now` dates the maintenance windows'
 * next occurrences (left out without it); colour codes only when `opts.color`.
 */
export function describeAlerting(config: VigilConfig, opts: { color: boolean; now?: number }): string {
  const paint = (style: keyof typeof ANSI, text: string) => (opts.color ? `${ANSI[style]}${text}${ANSI.reset}` : text);
  const alerting: AlertingConfig = publicConfig(config).alerting;
  const byOrigin = { default: 0, config: 0, slo: 0 };
  for (const rule of alerting.rules) byOrigin[rule.origin] += 1;
  const lines = [
    '',
    `${paint('bold', 'alerting')}: evaluated every ${formatDuration(alerting.evaluationIntervalMs)}, reopen window ${formatDuration(alerting.reopenWindowMs)}`,
    `${paint('bold', 'rules')}: ${alerting.rules.length} (${byOrigin.default} default, ${byOrigin.config} written, ${byOrigin.slo} from SLOs)`,
  ];
  const grouped = new Map<string, { rule: RuleSpec; count: number }>();
  for (const rule of alerting.rules.filter((r) => r.origin === 'default')) {
    const key = `${rule.name}\u0000${rule.severity}\u0000${defaultRuleSummary(rule)}`;
    const group = grouped.get(key);
    if (group) group.count += 1;
    else grouped.set(key, { rule, count: 1 });
  }
  const written = alerting.rules.filter((r) => r.origin === 'config');
  const nameWidth = Math.max(0, ...[...grouped.values()].map((g) => g.rule.name.length), ...written.map((r) => r.name.length));
  for (const { rule, count } of grouped.values()) {
    const what = rule.kind === 'check_down' ? 'check' : 'service × environment';
    lines.push(`  ${rule.name.padEnd(nameWidth)}  ${rule.severity.padEnd(6)}  ${paint('dim', `default, ${count} ${what}${count === 1 ? '' : 's'}:`)} ${defaultRuleSummary(rule)}`);
  }
  for (const rule of written) lines.push(`  ${paint('cyan', rule.name.padEnd(nameWidth))}  ${rule.severity.padEnd(6)}  ${describeRule(rule)}`);

  const sloGroups = groupSlos(alerting.slos);
  lines.push(`${paint('bold', 'slos')}: ${alerting.slos.length}${alerting.slos.length ? ' (alerts: severity, burn rate, long and short window, budget spent at that rate)' : ''}`);
  for (const { slo, environments } of sloGroups) {
    const sli = slo.sli.kind === 'latency' ? `latency under ${formatDuration(slo.sli.thresholdSeconds * 1000)}` : 'availability';
    lines.push(`  ${paint('cyan', `${slo.service}/${slo.name}`)}  ${environments.join(', ')}: ${sli} ${percent(slo.objective)} over ${windowText(slo.window)}`);
    if (slo.tiers.length === 0) lines.push('    (no burn-rate alerts)');
    for (const tier of slo.tiers) lines.push(`    ${tierLine(tier, slo)}`);
  }

  lines.push(`${paint('bold', 'inhibit')}: ${alerting.inhibit.length}`);
  for (const rule of alerting.inhibit) {
    const target = rule.target.length ? rule.target.map(formatMatcher).join(', ') : 'every alert';
    const equal = rule.equal.length ? ` with the same ${rule.equal.join(', ')}` : '';
    lines.push(`  ${rule.source.map(formatMatcher).join(', ')} mutes ${target}${equal}`);
  }
  lines.push(`${paint('bold', 'maintenance')}: ${alerting.maintenance.length}`);
  for (const spec of alerting.maintenance) lines.push(`  ${maintenanceLine(spec, opts.now ?? null)}`);
  return `${lines.join('\n')}\n`;
}
