import { describe, expect, it } from 'vitest';
import { builtinProbes } from '../../probes/index.js';
import { loadConfigText } from '../../config/load.js';
import { describeAlerting, describeRule } from '../../config/describe-alerting.js';
import type { RuleSpec } from '../../rules/types.js';

const registry = builtinProbes();

describe('what vigil check prints of the alerting config', () => {
  const text = [
    'environments: [dev, prod]',
    'services:',
    '  api:',
    '    checks: [ { http: { url: "https://{{env}}.example.com/" } }, { tcp: { host: db, port: 5432 } } ]',
    '    slos:',
    '      - availability: { objective: 99.9%, window: 30d, environments: [prod] }',
    '      - latency: { under: 300ms, objective: 99%, window: quarter, timezone: Europe/Berlin, alerts: false }',
    'defaults: { environments: { dev: { down: { severity: ticket } } } }',
    'rules:',
    '  - { name: ExportsStalled, metric: queue_depth, match: { queue: exports }, nodata: 10m, for: 1m, severity: ticket }',
    'inhibit:',
    '  - { source: { rule: CheckDown }, equal: [env, service] }',
    'maintenance:',
    '  - { environments: [prod], cron: "30 2 * * *", duration: 30m, timezone: Europe/Berlin, reason: backups }',
    '  - { services: [api], start: 2026-03-01T00:00:00Z, end: 2026-03-01T01:00:00Z }',
  ].join('\n');
  const config = loadConfigText(text, { file: 'vigil.yaml', env: {}, registry });

  it.each([
    {
      name: 'on the night Berlin springs forward: 02:30 does not exist, so the window starts at 03:30 CEST',
      now: '2026-03-28T12:00:00Z',
      maintenance: [
        '  maintenance[0]  environments prod: "30 2 * * *" for 30m in Europe/Berlin (backups); next 2026-03-29 03:30 Europe/Berlin',
        '  maintenance[1]  services api: 2026-03-01T00:00Z to 2026-03-01T01:00Z; over',
      ],
    },
    {
      name: 'during a window',
      now: '2026-02-28T01:45:00Z',
      maintenance: [
        '  maintenance[0]  environments prod: "30 2 * * *" for 30m in Europe/Berlin (backups); on now, until 2026-02-28 03:00 Europe/Berlin',
        '  maintenance[1]  services api: 2026-03-01T00:00Z to 2026-03-01T01:00Z; next 2026-03-01 00:00 UTC',
      ],
    },
  ])('$name', ({ now, maintenance }) => {
    expect(describeAlerting(config, { color: false, now: Date.parse(now) })).toBe(
      [
        '',
        'alerting: evaluated every 5s, reopen window 30m',
        'rules: 9 (6 default, 1 written, 2 from SLOs)',
        '  CheckDown        ticket  default, 2 checks: 2 failed runs in a row or failing for 1m',
        '  CheckDown        page    default, 2 checks: 2 failed runs in a row or failing for 1m',
        '  TlsCertExpiring  ticket  default, 2 service × environments: a certificate expiring in under 14d',
        '  ExportsStalled   ticket  no sample of queue_depth{queue="exports"} for 10m, pending 1m',
        'slos: 3 (alerts: severity, burn rate, long and short window, budget spent at that rate)',
        '  api/availability  prod: availability 99.9% over a rolling 30d',
        '    page    14.4×    over 1h and 5m    2% of the budget in 1h',
        '    page    6×       over 6h and 30m   5% of the budget in 6h',
        '    ticket  3×       over 1d and 2h    10% of the budget in 1d',
        '    ticket  1×       over 3d and 6h    10% of the budget in 3d',
        '  api/latency  dev, prod: latency under 300ms 99% over each calendar quarter in Europe/Berlin',
        '    (no burn-rate alerts)',
        'inhibit: 1',
        '  alertname="CheckDown" mutes every alert with the same env, service',
        'maintenance: 2',
        ...maintenance,
        '',
      ].join('\n'),
    );
  });

  it('leaves out the next maintenance without a time', () => {
    expect(describeAlerting(config, { color: false })).toContain('  maintenance[0]  environments prod: "30 2 * * *" for 30m in Europe/Berlin (backups)\n');
  });

  it('never prints a secret, also not one that a rule happens to contain', () => {
    const secretConfig = loadConfigText(
      ['environments: [dev]', 'services:', '  api:', '    checks: [ { http: { url: "https://x/?k=${TOK}" } } ]', 'rules:', '  - { name: A, metric: up, match: { k: hunter2 }, above: 1, severity: page }'].join('\n'),
      { file: 'vigil.yaml', env: { TOK: 'hunter2' }, registry },
    );
    const shown = describeAlerting(secretConfig, { color: true, now: 0 });
    expect(shown).not.toContain('hunter2');
    expect(shown).toContain('up{k="***"}');
  });
});

describe('describeRule', () => {
  const common = { severity: 'page', forMs: 0, keepFiringForMs: 0, summary: null, runbook: null, labels: {}, origin: 'config' } as const;
  it.each<{ name: string; rule: RuleSpec; text: string }>([
    {
      name: 'a threshold rule with its recovery',
      rule: { ...common, kind: 'threshold', name: 'A', metric: 'up', matchers: [{ label: 'env', op: '!=', value: 'dev' }], aggregate: 'p99', overMs: 60_000, op: 'below', threshold: 1, recover: 2 },
      text: 'p99(up{env!="dev"}[1m]) < 1, recovers above 2',
    },
    {
      name: 'a check down rule',
      rule: { ...common, kind: 'check_down', name: 'CheckDown', checkId: 'prod/api/http', env: 'prod', service: 'api', check: 'http', afterFailures: 1, orAfterMs: 30_000 },
      text: 'prod/api/http fails 1 run in a row or for 30s',
    },
    {
      name: 'a burn-rate rule',
      rule: {
        ...common,
        kind: 'burn_rate',
        name: 'SloBurnRate',
        sloId: 'prod/api/availability',
        windows: [
          { factor: 13.44, longWindowMs: 3_600_000, shortWindowMs: 300_000 },
          { factor: 5.6, longWindowMs: 21_600_000, shortWindowMs: 1_800_000 },
        ],
      },
      text: 'prod/api/availability burns its budget faster than 13.44× over 1h and 5m, or 5.6× over 6h and 30m',
    },
  ])('$name', ({ rule, text }) => {
    expect(describeRule(rule)).toBe(text);
  });
});
