import { describe, expect, it } from 'vitest';
import { matchersFromMap } from '../../lib/matchers.js';
import { compileInhibits, inhibitedAlerts, type InhibitCandidate } from '../../rules/inhibit.js';

const alert = (fingerprint: string, labels: Record<string, string>, firing = true): InhibitCandidate => ({ fingerprint, labels, firing });
const rule = (source: Record<string, string>, target: Record<string, string>, equal: string[]) =>
  compileInhibits([{ source: matchersFromMap(source), target: matchersFromMap(target), equal }]);

describe('inhibition', () => {
  const envDown = rule({ alertname: 'EnvironmentDown' }, {}, ['env']);

  it.each([
    {
      name: 'a dead environment mutes the other alerts of that environment only',
      alerts: [alert('env', { alertname: 'EnvironmentDown', env: 'prod' }), alert('a', { alertname: 'CheckDown', env: 'prod' }), alert('b', { alertname: 'CheckDown', env: 'staging' })],
      muted: ['a'],
    },
    {
      name: 'a pending source mutes nothing',
      alerts: [alert('env', { alertname: 'EnvironmentDown', env: 'prod' }, false), alert('a', { alertname: 'CheckDown', env: 'prod' })],
      muted: [],
    },
    {
      name: 'a pending target is muted too',
      alerts: [alert('env', { alertname: 'EnvironmentDown', env: 'prod' }), alert('a', { alertname: 'CheckDown', env: 'prod' }, false)],
      muted: ['a'],
    },
    {
      name: 'an alert never inhibits itself, and two sources matching both sides do not mute each other',
      alerts: [alert('env1', { alertname: 'EnvironmentDown', env: 'prod', zone: 'a' }), alert('env2', { alertname: 'EnvironmentDown', env: 'prod', zone: 'b' })],
      muted: [],
    },
    {
      name: 'a label absent on both sides counts as equal',
      alerts: [alert('env', { alertname: 'EnvironmentDown' }), alert('a', { alertname: 'CheckDown' }), alert('b', { alertname: 'CheckDown', env: 'prod' })],
      muted: ['a'],
    },
  ])('$name', ({ alerts, muted }) => {
    expect([...inhibitedAlerts(alerts, envDown)].sort()).toEqual(muted);
  });

  it('a page mutes the ticket of the same alert (source and target differ)', () => {
    const pageMutesTicket = rule({ severity: 'page' }, { severity: 'ticket' }, ['alertname', 'env']);
    const alerts = [
      alert('p', { alertname: 'SloBurnRate', severity: 'page', env: 'prod' }),
      alert('t', { alertname: 'SloBurnRate', severity: 'ticket', env: 'prod' }),
      alert('t2', { alertname: 'SloBurnRate', severity: 'ticket', env: 'dev' }),
    ];
    expect([...inhibitedAlerts(alerts, pageMutesTicket)]).toEqual(['t']);
  });
});
