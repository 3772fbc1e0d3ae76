// Reading a stored report's body back: this version's reports as stored (unknown fields kept), and a
// clear UnreadableDataError naming the report and the field for another version or a damaged body.
import { describe, expect, it } from 'vitest';
import { UnreadableDataError } from '../../lib/errors.js';
import { readStoredReport } from '../../reports/stored.js';
import { REPORT_VERSION, type SlaReport } from '../../reports/types.js';

const incidents = { opened: 1, acknowledged: 1, resolved: 1, mttaMs: 60_000, mttrMs: 600_000, longest: { id: 3, rule: 'CheckDown', durationMs: 600_000, resolved: true } };
const latency = { p50: 0.01, p95: 0.05, p99: null };
const REPORT: SlaReport = {
  version: REPORT_VERSION,
  name: 'weekly',
  from: 0,
  to: 86_400_000,
  timezone: 'UTC',
  generatedAt: 90_000_000,
  resolution: '1m',
  envs: null,
  fleet: { dataMs: 1, noDataMs: 0, maintenanceMs: 0, availability: 0.99, previousAvailability: null, availabilityDelta: null, services: 1, checks: 1, servicesMet: 0, servicesMissed: 1, servicesWithoutData: 0, incidents },
  services: [
    {
      env: 'prod', service: 'api', target: 0.999, availability: 0.99, met: false, previousAvailability: null, availabilityDelta: null, latency, incidents,
      dataMs: 1, noDataMs: 0, maintenanceMs: 0,
      checks: [{ check: 'http', availability: 0.99, probes: 100, failedProbes: 1, latency, dataMs: 1, noDataMs: 0, maintenanceMs: 0 }],
    },
  ],
  slos: [{ id: 'api-availability', env: 'prod', service: 'api', sli: 'availability', objective: 0.999, windowStart: 0, windowEnd: 86_400_000, periodSli: 0.99, budgetConsumedInPeriod: 0.5, budgetRemaining: 0.5 }],
};

function problemOf(body: string): string {
  try {
    readStoredReport(7, body);
  } catch (error) {
    expect(error).toBeInstanceOf(UnreadableDataError);
    return (error as Error).message;
  }
  throw new Error('expected the report to be unreadable');
}

describe('reading a stored report', () => {
  it('reads a report of this version as it was stored, fields it does not know kept', () => {
    const stored = { ...REPORT, note: 'added by a patch release' };
    expect(readStoredReport(7, JSON.stringify(stored))).toEqual(stored);
  });

  it.each([
    ['a newer version', { ...REPORT, version: 2 }, 'stored report 7 has version 2; this Vigil reads report version 1 only (written by a newer Vigil: upgrade to read it)'],
    ['an older version', { ...REPORT, version: 0 }, 'stored report 7 has version 0; this Vigil reads report version 1 only'],
    ['no version', { ...REPORT, version: undefined }, 'stored report 7 is damaged: version: Invalid input: expected 1'],
    ['an array', [REPORT], 'stored report 7 is damaged: (the whole value): Invalid input: expected object, received array'],
    ['services not a list', { ...REPORT, services: {} }, 'stored report 7 is damaged: services: Invalid input: expected array, received object'],
    ['a check without its latency', { ...REPORT, services: [{ ...REPORT.services[0], checks: [{ ...REPORT.services[0]!.checks[0], latency: undefined }] }] }, 'stored report 7 is damaged: services[0].checks[0].latency: Invalid input: expected object, received undefined'],
    ['an SLO of an unknown SLI', { ...REPORT, slos: [{ ...REPORT.slos[0], sli: 'freshness' }] }, 'stored report 7 is damaged: slos[0].sli: Invalid option: expected one of "availability"|"latency"'],
  ])('names what is wrong with %s', (_name, body, message) => {
    expect(problemOf(JSON.stringify(body))).toBe(message);
  });

  it('does not quote a body that is not JSON', () => {
    expect(problemOf('{"version":1,"name":"secret-ish')).toBe('stored report 7 is damaged: its body is not valid JSON');
  });
});
