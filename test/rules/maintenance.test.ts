import { describe, expect, it } from 'vitest';
import { activeMaintenance, coveredMs, maintenanceWindows, nextMaintenance } from '../../rules/maintenance.js';
import type { MaintenanceSpec } from '../../rules/types.js';

const HOUR = 3_600_000;
const at = (text: string) => Date.parse(text);
const iso = (range: readonly [number, number]) => range.map((ms) => new Date(ms).toISOString().replace(':00.000Z', 'Z'));

const sundayNight: MaintenanceSpec = {
  id: 'maintenance[0]',
  environments: ['staging'],
  services: null,
  reason: null,
  schedule: { kind: 'cron', cron: '0 2 * * SUN', durationMs: HOUR, timezone: 'Europe/Berlin' },
};
const upgrade: MaintenanceSpec = {
  id: 'maintenance[1]',
  environments: null,
  services: ['api'],
  reason: 'PG 16 upgrade',
  schedule: { kind: 'once', start: at('2026-12-01T22:00:00Z'), end: at('2026-12-01T23:00:00Z') },
};
const everyHalfHour: MaintenanceSpec = {
  ...sundayNight,
  id: 'maintenance[2]',
  schedule: { kind: 'cron', cron: '*/30 * * * *', durationMs: HOUR, timezone: 'UTC' },
};

describe('maintenanceWindows', () => {
  it.each([
    {
      name: 'Sunday 02:00 Berlin over March: winter time, then the spring-forward night, then summer time',
      spec: sundayNight,
      from: '2026-03-20T00:00:00Z',
      to: '2026-04-06T00:00:00Z',
      // 2026-03-29 02:00 does not exist in Berlin: it runs as far past the gap, at 03:00 CEST (01:00Z).
      windows: [
        ['2026-03-22T01:00Z', '2026-03-22T02:00Z'],
        ['2026-03-29T01:00Z', '2026-03-29T02:00Z'],
        ['2026-04-05T00:00Z', '2026-04-05T01:00Z'],
      ],
    },
    {
      name: 'Sunday 02:00 Berlin over the fall-back: once, at the first 02:00',
      spec: sundayNight,
      from: '2026-10-20T00:00:00Z',
      to: '2026-11-02T00:00:00Z',
      windows: [
        ['2026-10-25T00:00Z', '2026-10-25T01:00Z'],
        ['2026-11-01T01:00Z', '2026-11-01T02:00Z'],
      ],
    },
    {
      name: 'a window already running at the start of the range is included whole',
      spec: sundayNight,
      from: '2026-12-06T01:30:00Z',
      to: '2026-12-07T00:00:00Z',
      windows: [['2026-12-06T01:00Z', '2026-12-06T02:00Z']],
    },
    {
      name: 'a window ending exactly at the start of the range is not',
      spec: sundayNight,
      from: '2026-12-06T02:00:00Z',
      to: '2026-12-07T00:00:00Z',
      windows: [],
    },
    {
      name: 'overlapping runs merge into one window',
      spec: everyHalfHour,
      from: '2026-05-04T10:10:00Z',
      to: '2026-05-04T11:10:00Z',
      windows: [['2026-05-04T09:30Z', '2026-05-04T12:00Z']],
    },
    {
      name: 'a one-off window inside the range',
      spec: upgrade,
      from: '2026-12-01T00:00:00Z',
      to: '2026-12-02T00:00:00Z',
      windows: [['2026-12-01T22:00Z', '2026-12-01T23:00Z']],
    },
    { name: 'a one-off window outside the range', spec: upgrade, from: '2026-12-02T00:00:00Z', to: '2026-12-03T00:00:00Z', windows: [] },
  ])('$name', ({ spec, from, to, windows }) => {
    expect(maintenanceWindows(spec, at(from), at(to)).map(iso)).toEqual(windows);
  });
});

describe('activeMaintenance', () => {
  const specs = [sundayNight, upgrade];
  it.each([
    { name: 'staging during its Sunday window', time: '2026-12-06T01:30:00Z', target: { env: 'staging', service: 'web' }, ids: ['maintenance[0]'] },
    { name: 'prod during the staging window', time: '2026-12-06T01:30:00Z', target: { env: 'prod', service: 'web' }, ids: [] },
    { name: 'staging just after its window', time: '2026-12-06T02:00:00Z', target: { env: 'staging', service: 'web' }, ids: [] },
    { name: 'api in any environment during the upgrade', time: '2026-12-01T22:59:59Z', target: { env: 'prod', service: 'api' }, ids: ['maintenance[1]'] },
    { name: 'web during the api upgrade', time: '2026-12-01T22:30:00Z', target: { env: 'prod', service: 'web' }, ids: [] },
    { name: 'an alert without a service during the api upgrade', time: '2026-12-01T22:30:00Z', target: { env: 'prod' }, ids: [] },
    { name: 'an alert without a service in staging on Sunday night', time: '2026-12-06T01:00:00Z', target: { env: 'staging' }, ids: ['maintenance[0]'] },
  ])('$name', ({ time, target, ids }) => {
    expect(activeMaintenance(specs, at(time), target).map((a) => a.spec.id)).toEqual(ids);
  });

  it('says when the running window started and ends', () => {
    const [active] = activeMaintenance(specs, at('2026-12-06T01:30:00Z'), { env: 'staging' });
    expect(iso([active.start, active.end])).toEqual(['2026-12-06T01:00Z', '2026-12-06T02:00Z']);
  });
});

describe('nextMaintenance and coveredMs', () => {
  it.each([
    { name: 'the next Sunday', spec: sundayNight, time: '2026-12-01T12:00:00Z', next: ['2026-12-06T01:00Z', '2026-12-06T02:00Z'] },
    { name: 'the running window', spec: sundayNight, time: '2026-12-06T01:15:00Z', next: ['2026-12-06T01:00Z', '2026-12-06T02:00Z'] },
    { name: 'a one-off still ahead', spec: upgrade, time: '2026-11-01T00:00:00Z', next: ['2026-12-01T22:00Z', '2026-12-01T23:00Z'] },
    { name: 'a one-off in the past', spec: upgrade, time: '2026-12-02T00:00:00Z', next: null },
  ])('$name', ({ spec, time, next }) => {
    const window = nextMaintenance(spec, at(time));
    expect(window === null ? null : iso(window)).toEqual(next);
  });

  it('counts time inside overlapping windows once, clipped to the range', () => {
    expect(coveredMs([[0, 10], [5, 20], [30, 40], [45, 100]], 8, 50)).toBe(12 + 10 + 5);
  });
});
