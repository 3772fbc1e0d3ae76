// SLO accounting: good and total events per SLO, fed live by the same sample subscription as the rules
// and backfilled from the store at start; minutes inside a maintenance window covering the SLO's env and
// service count neither good nor bad. Availability: probe_success of the service's checks in the env
// (1 good, 0 bad). Latency: probe_duration_seconds of those checks, good when under the threshold.
import { formatDuration } from '../lib/duration.js';
import type { Labels, Sample, SampleStore } from '../store/types.js';
import { sloWindowBounds } from './calendar.js';
import { coveredMs, coversTarget, maintenanceWindows, type TimeRange } from './maintenance.js';
import { SloEvents, MINUTE_HOURS } from './slo-events.js';
import { burnRate, errorBudget } from './slo.js';
import type { MaintenanceSpec, SloSpec, SloStatus } from './types.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The series SLIs (and SLA reports) are computed from: each check's success (0/1) and run time. */
export const AVAILABILITY_METRIC = 'probe_success';
export const LATENCY_METRIC = 'probe_duration_seconds';
/** Bounds of reading a whole SLO window (or report period) of every check's series: far above a chart's. */
export const ACCOUNTING_QUERY_LIMITS = { maxSeries: 100_000, maxPoints: 20_000_000, maxRowsScanned: 50_000_000 };
const QUERY_LIMITS = ACCOUNTING_QUERY_LIMITS;

interface SloRuntime {
  readonly spec: SloSpec;
  readonly events: SloEvents;
  readonly maintenance: readonly MaintenanceSpec[];
  /** Maintenance windows around the times samples arrive at, recomputed when a sample falls outside. */
  ranges: { from: number; to: number; windows: TimeRange[] };
  /** Distinct burn-rate windows of its tiers (long and short), for the status and the series. */
  readonly burnWindows: readonly number[];
  /** Maintenance time of the window, recomputed once a minute (a cron over 90 days is many windows). */
  maintenanceMs: { minute: number; ms: number };
}

/** Events of every SLO, their status, and the series that say it. */
export class SloAccounting {
  readonly #slos: SloRuntime[];
  readonly #byId = new Map<string, SloRuntime>();
  /** SLOs by `env\0service`: a sample finds its SLOs in one lookup. */
  readonly #byTarget = new Map<string, SloRuntime[]>();
  /** Samples before this time come from the backfill only (the live feed may repeat them). */
  #liveFrom = -Infinity;

  constructor(slos: readonly SloSpec[], maintenance: readonly MaintenanceSpec[]) {
    this.#slos = slos.map((spec) => ({
      spec,
      events: new SloEvents(),
      maintenance: maintenance.filter((m) => coversTarget(m, { env: spec.env, service: spec.service })),
      ranges: { from: 0, to: 0, windows: [] },
      burnWindows: [...new Set(spec.tiers.flatMap((tier) => [tier.longWindowMs, tier.shortWindowMs]))].sort((a, b) => a - b),
      maintenanceMs: { minute: -1, ms: 0 },
    }));
    for (const slo of this.#slos) {
      this.#byId.set(slo.spec.id, slo);
      const key = `${slo.spec.env}\0${slo.spec.service}`;
      this.#byTarget.set(key, [...(this.#byTarget.get(key) ?? []), slo]);
    }
  }

  /** Metrics the accounting reads. */
  get metrics(): readonly string[] {
    return [AVAILABILITY_METRIC, LATENCY_METRIC];
  }

  /** Live samples (the ingest subscription). */
  add(samples: readonly Sample[]): void {
    if (this.#slos.length === 0) return;
    for (const sample of samples) {
      if (sample.ts < this.#liveFrom || (sample.name !== AVAILABILITY_METRIC && sample.name !== LATENCY_METRIC)) continue;
      const { env, service } = sample.labels;
      const slos = env === undefined || service === undefined ? undefined : this.#byTarget.get(`${env}\0${service}`);
      if (slos === undefined) continue;
      for (const slo of slos) {
        const good = classify(slo.spec, sample.name, sample.value);
        if (good === null || this.#inMaintenance(slo, sample.ts)) continue;
        slo.events.add(sample.ts, good, 1);
      }
    }
  }

  /**
   * Reads each SLO's window before `at` from the store: the last hours per minute (1 m rollups), older
   * hours per hour (1 h rollups), with maintenance minutes left out (an hour partly in maintenance
   * counts for the part outside it). Latency: raw samples where the store still has them (within
   * `rawRetentionMs`), older hours estimated from their quantiles (see latencyGoodFraction).
   */
  async backfill(samples: Pick<SampleStore, 'query'>, at: number, rawRetentionMs: number, log: (line: string) => void): Promise<void> {
    this.#liveFrom = at;
    for (const slo of this.#slos) {
      const { spec, events } = slo;
      events.advance(at, 0);
      const start = Math.floor(sloWindowBounds(spec.window, at).start / HOUR_MS) * HOUR_MS;
      const minutesFrom = Math.max(start, Math.floor(at / HOUR_MS) * HOUR_MS - MINUTE_HOURS * HOUR_MS);
      const maintenance = slo.maintenance.flatMap((m) => maintenanceWindows(m, start, at));
      const outside = (from: number, to: number) => 1 - coveredMs(maintenance, from, to) / (to - from);
      const matchers = [
        { label: 'env', op: '=' as const, value: spec.env },
        { label: 'service', op: '=' as const, value: spec.service },
      ];
      const query = async (metric: string, from: number, to: number, stepMs: number, aggregate: 'sum' | 'count' | 'last' | 'max' | 'p50' | 'p90' | 'p95' | 'p99') =>
        from >= to ? [] : (await samples.query({ metric, matchers, from, to, stepMs, aggregate }, QUERY_LIMITS)).series;
      try {
        if (spec.sli.kind === 'availability') {
          for (const [stepMs, from, to] of [[HOUR_MS, start, minutesFrom], [MINUTE_MS, minutesFrom, at]] as const) {
            const [sums, counts] = await Promise.all([query(AVAILABILITY_METRIC, from, to, stepMs, 'sum'), query(AVAILABILITY_METRIC, from, to, stepMs, 'count')]);
            const sumAt = pointsByKey(sums);
            for (const series of counts) {
              for (const [ts, count] of series.points) {
                const good = sumAt.get(`${JSON.stringify(series.labels)}@${ts}`) ?? 0;
                const share = outside(ts, ts + stepMs);
                if (stepMs === HOUR_MS) events.addHour(ts, good * share, count * share);
                else if (share === 1) events.add(ts, good, count);
              }
            }
          }
        } else {
          const threshold = spec.sli.thresholdSeconds;
          const rawFrom = Math.max(start, at - rawRetentionMs);
          for (const series of await query(LATENCY_METRIC, rawFrom, at, 1, 'last')) {
            for (const [ts, value] of series.points) if (outside(ts, ts + 1) === 1) events.add(ts, value < threshold ? 1 : 0, 1);
          }
          const hourly = await Promise.all((['count', 'max', 'p99', 'p95', 'p90', 'p50'] as const).map((a) => query(LATENCY_METRIC, start, Math.floor(rawFrom / HOUR_MS) * HOUR_MS, HOUR_MS, a)));
          const byKey = hourly.map(pointsByKey);
          for (const series of hourly[0]!) {
            for (const [ts, count] of series.points) {
              const key = `${JSON.stringify(series.labels)}@${ts}`;
              const fraction = latencyGoodFraction(threshold, byKey.slice(1).map((m) => m.get(key) ?? Infinity) as [number, number, number, number, number]);
              const share = outside(ts, ts + HOUR_MS);
              events.addHour(ts, count * fraction * share, count * share);
            }
          }
        }
      } catch (error) {
        log(`rules: could not backfill SLO ${spec.id} from the store (it counts from now on): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** Moves every SLO to `at` and forgets hours that left the longest window it reads. */
  advance(at: number): void {
    for (const slo of this.#slos) {
      const start = sloWindowBounds(slo.spec.window, at).start;
      const longest = Math.max(0, ...slo.burnWindows);
      slo.events.advance(at, Math.min(start, at - longest) - HOUR_MS);
    }
  }

  /** Since when the SLO has events (backfilled or live); null with none yet. */
  dataSince(sloId: string): number | null {
    const earliest = this.#byId.get(sloId)?.events.earliest ?? Infinity;
    return Number.isFinite(earliest) ? earliest : null;
  }

  /** Good and total events of an SLO in [from, to), as far as it holds them (an SLA report's period); null for an unknown id. */
  eventsBetween(sloId: string, from: number, to: number): { good: number; total: number } | null {
    return this.#byId.get(sloId)?.events.sum(from, to) ?? null;
  }

  /** The burn rate of an SLO over the `windowMs` up to `at`; null with no events there. */
  burnRate(sloId: string, windowMs: number, at: number): number | null {
    const slo = this.#byId.get(sloId);
    if (slo === undefined) return null;
    // (at − window, at]: the sample taken at `at` counts.
    const { good, total } = slo.events.sum(at - windowMs + 1, at + 1);
    return total > 0 ? burnRate((total - good) / total, slo.spec.objective) : null;
  }

  statuses(at: number): SloStatus[] {
    return this.#slos.map((slo) => {
      const { spec } = slo;
      const bounds = sloWindowBounds(spec.window, at);
      const { good, total } = slo.events.sum(bounds.start, at + 1);
      const budget = errorBudget({ good, total, objective: spec.objective });
      const minute = Math.floor(at / MINUTE_MS);
      if (slo.maintenanceMs.minute !== minute) {
        const windows = slo.maintenance.flatMap((m) => maintenanceWindows(m, bounds.start, at));
        slo.maintenanceMs = { minute, ms: coveredMs(windows, bounds.start, at) };
      }
      return {
        id: spec.id,
        name: spec.name,
        env: spec.env,
        service: spec.service,
        sli: spec.sli.kind,
        objective: spec.objective,
        windowStart: bounds.start,
        windowEnd: bounds.end,
        sliValue: budget.sli,
        errorBudgetRemaining: budget.remaining,
        burnRates: slo.burnWindows.map((windowMs) => ({ windowMs, rate: this.burnRate(spec.id, windowMs, at) })),
        events: { good, total },
        maintenanceMs: slo.maintenanceMs.ms,
      };
    });
  }

  /** The SLO series at `at`: slo_sli_ratio, slo_error_budget_remaining_ratio, slo_burn_rate{window}. */
  series(statuses: readonly SloStatus[], at: number): Sample[] {
    const samples: Sample[] = [];
    for (const status of statuses) {
      const labels: Labels = { env: status.env, service: status.service, slo: status.name };
      if (status.sliValue !== null) samples.push({ name: 'slo_sli_ratio', labels, ts: at, value: status.sliValue });
      if (status.errorBudgetRemaining !== null) samples.push({ name: 'slo_error_budget_remaining_ratio', labels, ts: at, value: status.errorBudgetRemaining });
      for (const { windowMs, rate } of status.burnRates) {
        if (rate !== null) samples.push({ name: 'slo_burn_rate', labels: { ...labels, window: formatDuration(windowMs) }, ts: at, value: rate });
      }
    }
    return samples;
  }

  #inMaintenance(slo: SloRuntime, ts: number): boolean {
    if (slo.maintenance.length === 0) return false;
    if (ts < slo.ranges.from || ts >= slo.ranges.to) {
      // Windows of the day around the sample, so a cron is expanded once a day, not per sample.
      const from = Math.floor(ts / DAY_MS) * DAY_MS - DAY_MS;
      const to = from + 3 * DAY_MS;
      slo.ranges = { from, to, windows: slo.maintenance.flatMap((m) => maintenanceWindows(m, from, to)) };
    }
    return slo.ranges.windows.some(([start, end]) => start <= ts && ts < end);
  }
}

/** 1 (good), 0 (bad) or null (not an event of this SLO) for one sample. */
function classify(spec: SloSpec, metric: string, value: number): number | null {
  if (spec.sli.kind === 'availability') return metric === AVAILABILITY_METRIC ? (value > 0 ? 1 : 0) : null;
  return metric === LATENCY_METRIC ? (value < spec.sli.thresholdSeconds ? 1 : 0) : null;
}

/**
 * The share of an hour's runs under `threshold`, estimated from its max and quantiles (what the 1 h
 * rollups keep once raw samples are gone): 1 when the max is under it, else the highest of 0.99, 0.95,
 * 0.9, 0.5 whose quantile is under it, else 0. Pessimistic by at most one quantile step.
 */
export function latencyGoodFraction(threshold: number, [max, p99, p95, p90, p50]: readonly [number, number, number, number, number]): number {
  if (max < threshold) return 1;
  if (p99 < threshold) return 0.99;
  if (p95 < threshold) return 0.95;
  if (p90 < threshold) return 0.9;
  if (p50 < threshold) return 0.5;
  return 0;
}

function pointsByKey(series: ReadonlyArray<{ labels: Labels; points: ReadonlyArray<readonly [number, number]> }>): Map<string, number> {
  const map = new Map<string, number>();
  for (const one of series) for (const [ts, value] of one.points) map.set(`${JSON.stringify(one.labels)}@${ts}`, value);
  return map;
}
