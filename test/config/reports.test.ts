// `reports:` in vigil.yaml: scheduled SLA reports with their defaults, and every mistake a person can
// make (cron, timezone, period, scope, receivers) refused with its line and path.
import { describe, expect, it } from 'vitest';
import { describeReports } from '../../config/describe-reports.js';
import { loadConfigText } from '../../config/load.js';
import { ConfigError } from '../../lib/errors.js';
import { builtinProbes } from '../../probes/index.js';

const registry = builtinProbes();
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;
const BASE = [
  'environments: [staging, prod]',
  'services:',
  '  api:',
  '    checks: []',
  'notify:',
  '  receivers:',
  '    team-chat: { slack: { url: "https://hooks.slack.com/services/T0/B0/X" } }',
  '    pager:     { pagerduty: { routing_key: "key-0123456789" } }',
  'reports:',
];

const load = (...report: string[]) => loadConfigText(yaml(...BASE, ...report), { file: 'vigil.yaml', env: {}, registry });

function problems(...report: string[]): string[] {
  try {
    load(...report);
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('reports: in the config', () => {
  it('compiles a report with its scope, target and receivers', () => {
    const config = load('  - { name: weekly-sla, schedule: "0 9 * * MON", timezone: Europe/Berlin, period: 7d, envs: [prod], sla: 99.95, receivers: [team-chat] }');
    expect(config.reports).toEqual([
      { name: 'weekly-sla', schedule: '0 9 * * MON', timezone: 'Europe/Berlin', periodDays: 7, envs: ['prod'], target: 0.9995, receivers: ['team-chat'] },
    ]);
  });

  it("defaults to UTC, the last 7 days, every environment, each service's target and no receivers", () => {
    const config = load('  - { name: weekly, schedule: "0 9 * * 1" }');
    expect(config.reports).toEqual([{ name: 'weekly', schedule: '0 9 * * 1', timezone: 'UTC', periodDays: 7, envs: null, target: null, receivers: [] }]);
  });

  it('is described by vigil check with its next run and the days it covers', () => {
    const config = load('  - { name: weekly-sla, schedule: "0 9 * * MON", timezone: Europe/Berlin, envs: [prod], sla: 99.9, receivers: [team-chat] }');
    // Wednesday 2026-01-07: the next run is Monday the 12th, 09:00 Berlin.
    expect(describeReports(config, Date.UTC(2026, 0, 7, 12))).toBe(
      [
        '',
        'reports: 1',
        '  weekly-sla  "0 9 * * MON" in Europe/Berlin: 7d of prod, target 99.9%, posted to team-chat',
        '    next 2026-01-12T08:00:00.000Z, covering 2026-01-05 – 2026-01-11 (Europe/Berlin)',
        '',
      ].join('\n'),
    );
  });

  it("reads a service's own sla for the reports that set none, and refuses a wrong one", () => {
    const text = yaml('environments: [prod]', 'services:', '  api:', '    sla: "99.95%"', '    checks: []', '  web:', '    checks: []');
    const config = loadConfigText(text, { file: 'vigil.yaml', env: {}, registry });
    expect(config.services.map((s) => [s.name, s.sla])).toEqual([['api', 0.9995], ['web', null]]);
    expect(() => loadConfigText(text.replace('"99.95%"', '101'), { file: 'vigil.yaml', env: {}, registry })).toThrow(
      /vigil\.yaml:4 services\.api\.sla: expected an availability target in percent above 0 and below 100/,
    );
  });

  it('has no reports when the section is absent', () => {
    expect(loadConfigText(yaml(...BASE.slice(0, -1)), { file: 'vigil.yaml', env: {}, registry }).reports).toEqual([]);
  });

  it.each([
    ['a bad cron', '  - { name: w, schedule: "0 9 * MON" }', /vigil\.yaml:10 reports\[0\]\.schedule: invalid cron "0 9 \* MON"/],
    ['an unknown timezone', '  - { name: w, schedule: "0 9 * * MON", timezone: Europe/Berln }', /vigil\.yaml:10 reports\[0\]\.timezone: unknown timezone "Europe\/Berln" \(did you mean "Europe\/Berlin"\?\)/],
    ['a period of hours', '  - { name: w, schedule: "0 9 * * MON", period: 36h }', /reports\[0\]\.period: expected whole days from 1d to 92d/],
    ['a period over a quarter', '  - { name: w, schedule: "0 9 * * MON", period: 100d }', /reports\[0\]\.period: expected whole days from 1d to 92d/],
    ['a target of 100 %', '  - { name: w, schedule: "0 9 * * MON", sla: 100 }', /reports\[0\]\.sla: expected an availability target in percent above 0 and below 100/],
    ['an unknown environment', '  - { name: w, schedule: "0 9 * * MON", envs: [prd] }', /reports\[0\]\.envs\[0\]: unknown environment "prd" \(did you mean "prod"\?\)/],
    ['an unknown receiver', '  - { name: w, schedule: "0 9 * * MON", receivers: [team-chta] }', /vigil\.yaml:10 reports\[0\]\.receivers\[0\]: unknown receiver "team-chta" \(did you mean "team-chat"\?\)/],
    ['a receiver that takes alerts only', '  - { name: w, schedule: "0 9 * * MON", receivers: [pager] }', /reports\[0\]\.receivers\[0\]: receiver "pager" is a pagerduty receiver, which takes alerts only/],
    ['the reserved name', '  - { name: ad-hoc, schedule: "0 9 * * MON" }', /reports\[0\]\.name: "ad-hoc" is the name of reports made on demand/],
    ['an unknown key', '  - { name: w, schedule: "0 9 * * MON", recievers: [team-chat] }', /reports\[0\].recievers: unknown key "recievers" \(did you mean "receivers"\?\)/],
  ])('refuses %s, naming the line and path', (_case, item, expected) => {
    expect(problems(item).join('\n')).toMatch(expected);
  });

  it('refuses two reports of one name', () => {
    expect(problems('  - { name: w, schedule: "0 9 * * MON" }', '  - { name: w, schedule: "0 9 * * TUE" }').join('\n')).toMatch(/vigil\.yaml:11 reports\[1\]\.name: duplicate report name "w"/);
  });
});
