import { describe, expect, it } from 'vitest';
import { SloAccounting, latencyGoodFraction } from '../../rules/slo-accounting.js';
import { SloEvents } from '../../rules/slo-events.js';
import type { BurnRateRule, MaintenanceSpec, SloSpec } from '../../rules/types.js';
import type { Sample } from '../../store/types.js';
import { MemoryAlertingStore } from '../helpers/memory-alerting-store.js';
import { alerting, Harness, MINUTE, T0 } from './harness.js';
import { parseSeries } from './series.js';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function slo(overrides: Partial<SloSpec> = {}): SloSpec {
  return {
    id: 'prod/api/availability', name: 'availability', env: 'prod', service: 'api', sli: { kind: 'availability' }, objective: 0.99,
    window: { kind: 'rolling', ms: DAY }, tiers: [{ severity: 'page', factor: 10, longWindowMs: HOUR, shortWindowMs: 5 * MINUTE }], ...overrides,
  };
}

/** One sample a minute from `start`, in the series notation. */
function stream(values: string, start = T0, name = 'probe_success', labels = { check: 'http', env: 'prod', service: 'api' }): Sample[] {
  return parseSeries(values).flatMap((value, i) => (value === null ? [] : [{ name, labels, ts: start + i * MINUTE, value }]));
}

describe('SLO events', () => {
  it('sums per minute in the recent hours and per hour before, prorating a partial first hour', () => {
    const events = new SloEvents();
    for (let minute = 0; minute < 10 * 60; minute++) events.add(T0 + minute * MINUTE, minute % 10 === 0 ? 0 : 1, 1);
    expect(events.sum(T0, T0 + 10 * HOUR)).toEqual({ good: 540, total: 600 });
    expect(events.sum(T0 + 9 * HOUR, T0 + 10 * HOUR)).toEqual({ good: 54, total: 60 });
    // 9 h before the newest sample is older than the minute ring: the hour counts for its half.
    expect(events.sum(T0 + 30 * MINUTE, T0 + HOUR)).toEqual({ good: 27, total: 30 });
  });
});

describe('SLO accounting', () => {
  it('computes the SLI, the error budget left and the burn rate of a known stream', () => {
    const accounting = new SloAccounting([slo()], []);
    accounting.add(stream('1x58 0 0 1x40'));
    const at = T0 + 99 * MINUTE;
    accounting.advance(at);
    const [status] = accounting.statuses(at);
    expect(status).toMatchObject({ sliValue: 0.98, events: { good: 98, total: 100 }, maintenanceMs: 0 });
    // Allowed bad: 1 % of 100 = 1; 2 spent: −100 % left.
    expect(status!.errorBudgetRemaining).toBeCloseTo(-1, 9);
    // The hour up to the last sample holds both failures in its 60 runs: (2/60) / 0.01.
    expect(accounting.burnRate('prod/api/availability', HOUR, at)).toBeCloseTo(2 / 60 / 0.01, 9);
    expect(accounting.burnRate('prod/api/availability', 5 * MINUTE, at)).toBe(0);
    expect(status!.burnRates.map((b) => b.windowMs)).toEqual([5 * MINUTE, HOUR]);
  });

  it('counts the runs of a latency SLO under the threshold as good', () => {
    const accounting = new SloAccounting([slo({ id: 'prod/api/latency', name: 'latency', sli: { kind: 'latency', thresholdSeconds: 0.3 } })], []);
    accounting.add(stream('0.1 0.2 0.5 0.29 0.3', T0, 'probe_duration_seconds'));
    accounting.add(stream('0 0 0', T0)); // probe_success: not an event of a latency SLO
    expect(accounting.statuses(T0 + 5 * MINUTE)[0]).toMatchObject({ events: { good: 3, total: 5 } });
  });

  it('leaves minutes inside a maintenance window of the env out, and says how long they were', () => {
    const maintenance: MaintenanceSpec[] = [
      { id: 'maintenance[0]', environments: ['prod'], services: null, reason: 'PG upgrade', schedule: { kind: 'once', start: T0 + 10 * MINUTE, end: T0 + 20 * MINUTE } },
      { id: 'maintenance[1]', environments: ['staging'], services: null, reason: null, schedule: { kind: 'once', start: T0, end: T0 + 100 * MINUTE } },
    ];
    const accounting = new SloAccounting([slo()], maintenance);
    accounting.add(stream('1x10 0x10 1x10'));
    const [status] = accounting.statuses(T0 + 30 * MINUTE);
    expect(status).toMatchObject({ events: { good: 20, total: 20 }, sliValue: 1, errorBudgetRemaining: 1, maintenanceMs: 10 * MINUTE });
  });

  it('backfills from the store at start: minutes and hours, maintenance left out, nothing counted twice', async () => {
    const store = new MemoryAlertingStore();
    await store.samples.append(stream(`1x${12 * 60 - 1} 0`));
    const maintenance: MaintenanceSpec[] = [{ id: 'm', environments: null, services: ['api'], reason: null, schedule: { kind: 'once', start: T0, end: T0 + 30 * MINUTE } }];
    const accounting = new SloAccounting([slo()], maintenance);
    const at = T0 + 12 * HOUR;
    await accounting.backfill(store.samples, at, 7 * DAY, () => {});
    // The live feed repeats a sample already stored: ignored; a new one counts.
    accounting.add([...stream('0', at - MINUTE), ...stream('1', at)]);
    const [status] = accounting.statuses(at + 1);
    expect(status!.events).toEqual({ good: 12 * 60 - 30 - 1 + 1, total: 12 * 60 - 30 + 1 });
  });

  it('estimates old latency hours from their quantiles', () => {
    expect([[0.2, 0.1, 0.1, 0.1, 0.1], [0.5, 0.25, 0.2, 0.1, 0.1], [0.5, 0.4, 0.35, 0.2, 0.1], [0.5, 0.5, 0.5, 0.5, 0.4]].map((q) => latencyGoodFraction(0.3, q as [number, number, number, number, number]))).toEqual([1, 0.99, 0.9, 0]);
  });
});

describe('SLO burn-rate alerts in the engine', () => {
  const spec = slo();
  const rule: BurnRateRule = {
    kind: 'burn_rate', name: 'SloBurnRate', severity: 'page', forMs: 0, keepFiringForMs: 0, summary: '{{labels.service}} in {{labels.env}} burns {{value}}×', runbook: null,
    labels: { slo: 'availability', env: 'prod', service: 'api' }, origin: 'slo', sloId: spec.id, windows: [{ factor: 10, longWindowMs: HOUR, shortWindowMs: 5 * MINUTE }],
  };

  it('fires once both windows burn faster than the factor, opens one incident, and writes the SLO series', async () => {
    const h = await new Harness(alerting([rule], { slos: [spec] })).begin();
    const states = await h.run({ probe: { name: 'probe_success', labels: { check: 'http', env: 'prod', service: 'api' }, values: '1x60 0x8 1x10' } });
    // After k failures the hour holds k bad of 60 runs: above 10× from the 7th (7/60 = 11.7 %).
    const firstFiring = states.findIndex((s) => s.includes('firing'));
    expect(firstFiring).toBe(60 + 6);
    expect(h.store.allIncidents()).toMatchObject([{ rule: 'SloBurnRate', labels: { slo: 'availability', env: 'prod', service: 'api' }, summary: 'api in prod burns 11.667×' }]);
    // The short window recovers within minutes of the errors stopping: resolved.
    expect(h.store.allIncidents()[0]!.state).toBe('resolved');
    const [status] = h.engine.slos();
    expect(status).toMatchObject({ id: spec.id, events: { total: 78, good: 70 } });
    const written = new Set(h.feed.written.map((s) => `${s.name}${s.labels.window ? `{window=${s.labels.window}}` : ''}`));
    expect([...written].sort()).toEqual(['slo_burn_rate{window=1h}', 'slo_burn_rate{window=5m}', 'slo_error_budget_remaining_ratio', 'slo_sli_ratio']);
  });
});

describe('an SLO alert with two window pairs', () => {
  const spec = slo({
    tiers: [
      { severity: 'page', factor: 20, longWindowMs: HOUR, shortWindowMs: 5 * MINUTE },
      { severity: 'page', factor: 4, longWindowMs: 6 * HOUR, shortWindowMs: 30 * MINUTE },
    ],
  });
  const rule: BurnRateRule = {
    kind: 'burn_rate', name: 'SloBurnRate', severity: 'page', forMs: 0, keepFiringForMs: 0, summary: '{{labels.service}} in {{labels.env}} burns {{value}}×', runbook: null,
    labels: { slo: 'availability', env: 'prod', service: 'api' }, origin: 'slo', sloId: spec.id,
    windows: [
      { factor: 20, longWindowMs: HOUR, shortWindowMs: 5 * MINUTE },
      { factor: 4, longWindowMs: 6 * HOUR, shortWindowMs: 30 * MINUTE },
    ],
  };

  it('fires on a slow burn that only the longer pair sees, as one incident', async () => {
    const h = await new Harness(alerting([rule], { slos: [spec] })).begin();
    // One failure in 20 runs: 5 % bad = 5× a 1 % budget; under the 1h pair's 20×, over the 6h pair's 4×.
    const states = await h.run({ probe: { name: 'probe_success', labels: { check: 'http', env: 'prod', service: 'api' }, values: '1x19 0 1x19 0 1x19 0 1x19 0' } });
    expect(states.some((s) => s.includes('firing'))).toBe(true);
    expect(h.store.allIncidents()).toHaveLength(1);
    expect(h.store.allIncidents()[0]).toMatchObject({ rule: 'SloBurnRate', severity: 'page', labels: { slo: 'availability', env: 'prod', service: 'api' } });
  });

  it('waits for a short window of data before judging: a fresh install\'s first bad minutes do not page at once', async () => {
    const h = await new Harness(alerting([rule], { slos: [spec] })).begin();
    // Every run fails from the first: 100 % bad is 100× the budget, over both pairs' factors.
    const states = await h.run({ probe: { name: 'probe_success', labels: { check: 'http', env: 'prod', service: 'api' }, values: '0x9' } });
    const firstFiring = states.findIndex((s) => s.includes('firing'));
    // The 1h/5m pair holds once 5 minutes of data exist (the 6h/30m pair needs 30).
    expect(firstFiring).toBe(5);
    expect(h.store.allIncidents()).toHaveLength(1);
  });
});
