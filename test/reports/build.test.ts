// A report computed from a real store: availability from probe_success with no-data and maintenance
// time left out, latency quantiles, incidents with MTTA and MTTR, the SLO budget, the period before,
// and the fleet summary worst first. Series are written minute by minute and rolled up as Vigil does.
import { expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import { builtinProbes } from '../../probes/index.js';
import { buildReport, MINUTE_POINTS_BUDGET } from '../../reports/read.js';
import type { Sample, Store } from '../../store/types.js';
import { describeEachEngine, type TestEngine } from '../helpers/stores.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 2026-01-05 00:00 UTC: the period is that day. */
const FROM = Date.UTC(2026, 0, 5);
const TO = FROM + DAY;
const GENERATED = TO + 9 * HOUR;

const CONFIG = `
environments: [staging, prod]
services:
  api:
    sla: 99.5
    checks:
      - http: { url: "http://127.0.0.1:1/health", every: 1m }
    slos:
      - availability: { objective: 99.9%, window: 28d }
  web:
    checks:
      - http: { url: "http://127.0.0.1:1/", every: 1m }
  db:
    environments: [prod]
    checks:
      - tcp: { host: 127.0.0.1, port: 1, every: 1m }
maintenance:
  - { environments: [prod], services: [web], cron: "0 2 * * *", duration: 1h, reason: nightly deploy }
`;

const config = loadConfigText(CONFIG, { file: 'vigil.yaml', env: {}, registry: builtinProbes() });

/** One probe_success (and probe_duration_seconds) per minute of [from, to) for one check; `value(minute)` null for none. */
function probes(env: string, service: string, check: string, from: number, to: number, value: (minute: number) => 0 | 1 | null, seconds = () => 0.1): Sample[] {
  const samples: Sample[] = [];
  const labels = { env, service, check };
  for (let ts = from, minute = 0; ts < to; ts += MINUTE, minute++) {
    const success = value(minute);
    if (success === null) continue;
    samples.push({ name: 'probe_success', labels, ts: ts + 5_000, value: success });
    samples.push({ name: 'probe_duration_seconds', labels, ts: ts + 5_000, value: seconds() });
  }
  return samples;
}

async function storeWith(engine: TestEngine, samples: readonly Sample[]): Promise<Store> {
  const store = await engine.open();
  for (let i = 0; i < samples.length; i += 5000) await store.samples.append(samples.slice(i, i + 5000));
  while ((await store.samples.rollUp(GENERATED)).more);
  return store;
}

const incident = (openedAt: number, ackAfter: number | null, resolveAfter: number | null, service = 'api') => ({ openedAt, ackAfter, resolveAfter, service });

async function addIncidents(store: Store, list: ReturnType<typeof incident>[]): Promise<void> {
  for (const [i, one] of list.entries()) {
    const created = await store.incidents.create(
      { fingerprint: `fp${i}`, rule: 'CheckDown', severity: 'page', labels: {}, env: 'prod', service: one.service, check: 'http', summary: 'down', runbook: null, openedAt: one.openedAt, lastValue: 1 },
      { at: one.openedAt, kind: 'opened', actor: null, text: null, value: 1 },
    );
    if (one.ackAfter !== null) await store.incidents.update(created.id, { state: 'acknowledged', acknowledgedAt: one.openedAt + one.ackAfter, acknowledgedBy: 'sre' }, null, one.openedAt + one.ackAfter);
    if (one.resolveAfter !== null) await store.incidents.update(created.id, { state: 'resolved', resolvedAt: one.openedAt + one.resolveAfter }, null, one.openedAt + one.resolveAfter);
  }
}

describeEachEngine('an SLA report computed from the store', (engine) => {
  it('counts availability over time with data, leaves maintenance out and says how much time had no data', async () => {
    let slow = 0;
    const store = await storeWith(engine, [
      // api: 30 failed minutes, and 2 hours with no result at all; all good the day before.
      ...probes('prod', 'api', 'http', FROM, TO, (m) => (m >= 600 && m < 720 ? null : m >= 100 && m < 130 ? 0 : 1)),
      ...probes('prod', 'api', 'http', FROM - DAY, FROM, () => 1),
      // web: down through the 02:00 maintenance window only; one run in 50 takes 2 s.
      ...probes('prod', 'web', 'http', FROM, TO, (m) => (m >= 120 && m < 180 ? 0 : 1), () => (++slow % 50 === 0 ? 2 : 0.1)),
      // staging is out of scope: its failures must not count.
      ...probes('staging', 'api', 'http', FROM, TO, () => 0),
    ]);
    await addIncidents(store, [
      incident(FROM + HOUR, 5 * MINUTE, 30 * MINUTE),
      incident(FROM + 5 * HOUR, 15 * MINUTE, HOUR),
      incident(FROM + 20 * HOUR, null, null),
      incident(FROM - HOUR, 1, 2),
    ]);
    const report = await buildReport(
      { store, checks: config.checks, services: config.services, alerting: config.alerting, retention: config.retention, log: () => {} },
      { name: 'daily', from: FROM, to: TO, timezone: 'UTC', envs: ['prod'], target: 0.999, generatedAt: GENERATED },
    );

    expect(report.resolution).toBe('1m');
    expect(report.services.map((s) => [s.env, s.service, s.met])).toEqual([
      ['prod', 'api', false],
      ['prod', 'web', true],
      ['prod', 'db', null],
    ]);
    const [api, web, db] = report.services;
    // 1,320 minutes with data, 30 of them failed.
    expect(api!.availability).toBeCloseTo(1290 / 1320, 6);
    expect(api!.checks[0]).toMatchObject({ check: 'http', probes: 1320, failedProbes: 30, dataMs: 1320 * MINUTE, noDataMs: 2 * HOUR, maintenanceMs: 0 });
    expect(api!.previousAvailability).toBe(1);
    expect(api!.availabilityDelta).toBeCloseTo(1290 / 1320 - 1, 6);
    // The hour of maintenance is neither up nor down, nor "no data".
    expect(web).toMatchObject({ availability: 1, maintenanceMs: HOUR, noDataMs: 0, dataMs: 23 * HOUR });
    expect(web!.latency.p50).toBeGreaterThan(0.05);
    expect(web!.latency.p50).toBeLessThan(0.2);
    expect(web!.latency.p95).toBeLessThan(0.2);
    expect(web!.latency.p99).toBeGreaterThan(1);
    // A declared check that never reported: all of its time is without data, and the SLA is neither met nor missed.
    expect(db).toMatchObject({ availability: null, met: null, noDataMs: DAY, dataMs: 0 });

    expect(api!.incidents).toEqual({
      opened: 3,
      acknowledged: 2,
      resolved: 2,
      mttaMs: 10 * MINUTE,
      mttrMs: 45 * MINUTE,
      longest: { id: 3, rule: 'CheckDown', durationMs: GENERATED - (FROM + 20 * HOUR), resolved: false },
    });
    expect(report.fleet).toMatchObject({ services: 3, checks: 3, servicesMet: 1, servicesMissed: 1, servicesWithoutData: 1, noDataMs: 2 * HOUR + DAY, maintenanceMs: HOUR });
    expect(report.fleet.incidents.opened).toBe(3);
    // Checks weigh by their time with data: (1290/1320 · 1320 min + 1 · 1380 min) / 2700 min.
    expect(report.fleet.availability).toBeCloseTo((1290 + 1380) / 2700, 6);

    // The SLO's 28-day window holds both days: 2,760 events, 30 bad, 2.76 allowed.
    expect(report.slos).toHaveLength(1);
    const slo = report.slos[0]!;
    expect(slo).toMatchObject({ id: 'prod/api/availability', sli: 'availability', objective: 0.999 });
    expect(slo.periodSli).toBeCloseTo(1290 / 1320, 4);
    expect(slo.budgetConsumedInPeriod).toBeCloseTo(30 / 2.76, 2);
    expect(slo.budgetRemaining).toBeCloseTo(1 - 30 / 2.76, 2);
  });

  it('reads hourly rollups for a period older than the 1-minute retention', async () => {
    const store = await storeWith(engine, probes('prod', 'api', 'http', FROM, TO, (m) => (m < 60 ? 0 : 1)));
    const report = await buildReport(
      { store, checks: [], services: [], alerting: { slos: [], maintenance: [] }, retention: { ...config.retention, oneMinuteMs: DAY }, log: () => {} },
      { name: 'old', from: FROM, to: TO, timezone: 'UTC', envs: null, target: 0.99, generatedAt: TO + 30 * DAY },
    );
    expect(report.resolution).toBe('1h');
    expect(report.services[0]).toMatchObject({ env: 'prod', service: 'api', met: false, dataMs: DAY });
    expect(report.services[0]!.availability).toBeCloseTo(1380 / 1440, 6);
  });

  it('reads a fleet too large for minutes in hours, with the same figures where failures, gaps and maintenance fall on whole hours', async () => {
    const store = await storeWith(engine, [
      // 10:00-12:00 without data and a failed hour at 05:00; web down through its 02:00 maintenance only.
      ...probes('prod', 'api', 'http', FROM, TO, (m) => (m >= 600 && m < 720 ? null : m >= 300 && m < 360 ? 0 : 1)),
      ...probes('prod', 'web', 'http', FROM, TO, (m) => (m >= 120 && m < 180 ? 0 : 1)),
    ]);
    const request = { name: 'daily', from: FROM, to: TO, timezone: 'UTC', envs: ['prod'], target: 0.999, generatedAt: GENERATED };
    const sources = { store, checks: config.checks, services: config.services, alerting: { slos: [], maintenance: config.alerting.maintenance }, retention: config.retention, log: () => {} };
    const small = await buildReport(sources, request);
    // 1,400 more declared checks: 1,403 × 1,440 minutes is past the 2,000,000 minute points a report reads.
    const fleet = Array.from({ length: 1_400 }, (_, i) => ({ ...config.checks[0]!, env: 'prod', id: `prod/pad-${i}/http`, service: `pad-${i}` }));
    const large = await buildReport({ ...sources, checks: [...config.checks, ...fleet] }, request);
    expect(Math.max(1, config.checks.filter((c) => c.env === 'prod').length) * 1_440).toBeLessThanOrEqual(MINUTE_POINTS_BUDGET);
    expect([small.resolution, large.resolution]).toEqual(['1m', '1h']);
    const figures = (report: typeof small) =>
      report.services.filter((s) => s.service === 'api' || s.service === 'web').map(({ service, availability, dataMs, noDataMs, maintenanceMs, checks }) => ({ service, availability, dataMs, noDataMs, maintenanceMs, probes: checks[0]!.probes, failed: checks[0]!.failedProbes }));
    expect(figures(large)).toEqual(figures(small));
    expect(figures(small)).toEqual([
      { service: 'api', availability: 1260 / 1320, dataMs: 22 * HOUR, noDataMs: 2 * HOUR, maintenanceMs: 0, probes: 1320, failed: 60 },
      { service: 'web', availability: 1, dataMs: 23 * HOUR, noDataMs: 0, maintenanceMs: HOUR, probes: 1380, failed: 0 },
    ]);
    // The padding checks never reported: all of their time is without data.
    expect(large.services.filter((s) => s.service.startsWith('pad-')).every((s) => s.noDataMs === DAY && s.availability === null)).toBe(true);
  });

  it("takes each service's own sla when the report sets none, else 99.9 %", async () => {
    const store = await storeWith(engine, [...probes('prod', 'api', 'http', FROM, TO, () => 1), ...probes('prod', 'web', 'http', FROM, TO, () => 1)]);
    const sources = { store, checks: [], services: config.services, alerting: { slos: [], maintenance: [] }, retention: config.retention, log: () => {} };
    const request = { name: 'daily', from: FROM, to: TO, timezone: 'UTC', envs: null, generatedAt: GENERATED };
    const own = await buildReport(sources, { ...request, target: null });
    expect(own.services.map((s) => [s.service, s.target])).toEqual([['api', 0.995], ['web', 0.999]]);
    const set = await buildReport(sources, { ...request, target: 0.9999 });
    expect(set.services.map((s) => s.target)).toEqual([0.9999, 0.9999]);
  });
});
