import { computed, type ReadonlySignal } from '@preact/signals';
import type { ApiClient } from '../api-client.js';
import type { SloStatus } from '../../rules/types.js';
import type { VisibilitySource } from './poller.js';
import { createResource, type Resource } from './resource.js';

/** How much error budget is left, as a bar reads it: a width, a tone and a sentence. */
export interface BudgetBar {
  /** 0…100: the remaining share, clamped (an overspent budget is an empty bar). */
  readonly percent: number;
  readonly tone: 'ok' | 'low' | 'critical' | 'spent' | 'none';
  readonly label: string;
}

/** `errorBudgetRemaining` (1 = untouched, 0 = spent, negative = overspent, null = no events) as a bar. */
export function budgetBar(remaining: number | null): BudgetBar {
  if (remaining === null || !Number.isFinite(remaining)) return { percent: 0, tone: 'none', label: 'no data' };
  const percent = Math.max(0, Math.min(100, remaining * 100));
  if (remaining <= 0) return { percent: 0, tone: 'spent', label: remaining < 0 ? `overspent ${formatPercent(-remaining * 100)}` : 'spent' };
  return { percent, tone: remaining < 0.25 ? 'critical' : remaining < 0.5 ? 'low' : 'ok', label: `${formatPercent(percent)} left` };
}

/** `99.9%`, `99.95%`, `12%`: no more digits than the number has, at most three decimals. */
export function formatPercent(percent: number): string {
  const fixed = percent.toFixed(percent >= 10 ? 1 : 2);
  return `${fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed}%`;
}

/** An objective or SLI ratio as a percentage with up to three decimals: 0.999 → `99.9%`, 0.99987 → `99.987%`. */
export function formatRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '–';
  const fixed = (ratio * 100).toFixed(3);
  return `${fixed.replace(/\.?0+$/, '')}%`;
}

/** A burn-rate window: `5m`, `1h`, `6h`, `1d`, `3d`. */
export function formatWindow(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** How alarming a burn rate is: ≥ 6× pages (SRE workbook), ≥ 1× spends the budget before the window ends. */
export function burnTone(rate: number | null): 'ok' | 'warn' | 'page' | 'none' {
  if (rate === null || !Number.isFinite(rate)) return 'none';
  return rate >= 6 ? 'page' : rate >= 1 ? 'warn' : 'ok';
}

/** `0.4×`, `14.4×`, `120×`. */
export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '–';
  return `${rate >= 100 ? Math.round(rate) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2).replace(/0$/, '')}×`;
}

/** SLOs with the least budget left first (no data last), then by environment and service. */
export function orderSlos(slos: readonly SloStatus[]): SloStatus[] {
  const key = (slo: SloStatus) => slo.errorBudgetRemaining ?? Number.POSITIVE_INFINITY;
  return [...slos].sort((a, b) => key(a) - key(b) || a.env.localeCompare(b.env) || a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}

/** `#/slos` and the wall: every SLO, polled. */
export interface SloModel {
  readonly slos: ReadonlySignal<readonly SloStatus[] | null>;
  readonly error: ReadonlySignal<string | null>;
  readonly resource: Resource<{ readonly slos: readonly SloStatus[] }>;
}

export function createSloModel(options: { api: ApiClient; visibility?: VisibilitySource; intervalMs?: number }): SloModel {
  const resource = createResource({ load: (signal) => options.api.slos(signal), intervalMs: options.intervalMs ?? 15_000, visibility: options.visibility });
  return {
    slos: computed(() => (resource.data.value === null ? null : orderSlos(resource.data.value.slos))),
    error: resource.error,
    resource,
  };
}
