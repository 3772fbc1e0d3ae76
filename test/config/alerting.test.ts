import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../../lib/errors.js';
import { builtinProbes } from '../../probes/index.js';
import { loadConfigText } from '../../config/load.js';
import type { BurnRateRule, CheckDownRule, ThresholdRule } from '../../rules/types.js';

const registry = builtinProbes();
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;
const load = (text: string) => loadConfigText(text, { file: 'vigil.yaml', env: {}, registry });

function problemsOf(text: string): string[] {
  try {
    load(text);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map(formatProblem);
  }
  throw new Error('expected the config to be rejected');
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Three environments, api in staging and prod, web everywhere; one check each. */
const base = [
  'environments: [dev, staging, prod]',
  'services:',
  '  api:',
  '    environments: [staging, prod]',
  '    checks: [ { http: { url: "https://{{env}}.example.com/" } } ]',
  '  web:',
  '    checks: [ { tcp: { host: web, port: 443, every: 1m } } ]',
];

describe('default rules', () => {
  it('gives every check a CheckDown rule and every service × environment a TlsCertExpiring rule, built-in values', () => {
    const { alerting } = load(yaml(...base));
    const down = alerting.rules.filter((r): r is CheckDownRule => r.kind === 'check_down');
    expect(down.map((r) => r.checkId)).toEqual(['dev/web/tcp', 'staging/api/http', 'staging/web/tcp', 'prod/api/http', 'prod/web/tcp']);
    expect(down[0]).toMatchObject({ name: 'CheckDown', origin: 'default', severity: 'page', afterFailures: 2, orAfterMs: 60_000, env: 'dev', service: 'web', check: 'tcp' });
    const tls = alerting.rules.filter((r): r is ThresholdRule => r.name === 'TlsCertExpiring');
    expect(tls).toHaveLength(5);
    expect(tls.find((r) => r.matchers[0].value === 'dev')).toMatchObject({
      kind: 'threshold',
      metric: 'tls_cert_expiry_seconds',
      matchers: [
        { label: 'env', op: '=', value: 'dev' },
        { label: 'service', op: '=', value: 'web' },
      ],
      aggregate: 'last',
      op: 'below',
      threshold: 14 * 86_400,
      severity: 'ticket',
      // Three runs of the check (1m) plus its timeout (10s).
      overMs: 190_000,
    });
    expect(alerting).toMatchObject({ evaluationIntervalMs: 5_000, reopenWindowMs: 30 * 60_000, slos: [], inhibit: [], maintenance: [] });
  });

  it.each([
    {
      name: 'top-level values',
      defaults: ['defaults:', '  down: { after: 3 failures, or_after: 2m, severity: ticket }', '  tls_expiry: { under: 21d, severity: info }'],
      service: [],
      expect: { 'prod/api': { down: [3, 120_000, 'ticket'], tls: [21 * 86_400, 'info'] }, 'dev/web': { down: [3, 120_000, 'ticket'], tls: [21 * 86_400, 'info'] } },
    },
    {
      name: 'per environment over top-level, field by field',
      defaults: ['defaults:', '  down: { after: 3 }', '  environments:', '    dev: { down: { severity: ticket }, tls_expiry: false }'],
      service: [],
      expect: { 'dev/web': { down: [3, 60_000, 'ticket'], tls: null }, 'prod/web': { down: [3, 60_000, 'page'], tls: [14 * 86_400, 'ticket'] } },
    },
    {
      name: 'a service over the top-level environment, its environment over itself',
      defaults: ['defaults:', '  environments: { prod: { down: { after: 5, severity: ticket } } }'],
      service: ['    defaults:', '      down: { after: 1, or_after: 30s }', '      environments: { prod: { down: { severity: page } } }'],
      expect: { 'prod/api': { down: [1, 30_000, 'page'], tls: [14 * 86_400, 'ticket'] }, 'prod/web': { down: [5, 60_000, 'ticket'], tls: [14 * 86_400, 'ticket'] } },
    },
    {
      name: 'false turns a rule off; a mapping tunes it but does not turn it back on; true does',
      defaults: ['defaults:', '  down: false', '  tls_expiry: false'],
      service: ['    defaults:', '      down: { after: 4 }', '      environments: { prod: { tls_expiry: true } }'],
      expect: { 'prod/api': { down: null, tls: [14 * 86_400, 'ticket'] }, 'staging/api': { down: null, tls: null }, 'prod/web': { down: null, tls: null } },
    },
  ])('$name', ({ defaults, service, expect: expected }) => {
    const lines = [...base.slice(0, 5), ...service, ...base.slice(5), ...defaults];
    const { alerting } = load(yaml(...lines));
    for (const [where, want] of Object.entries(expected)) {
      const [env, name] = where.split('/');
      const down = alerting.rules.find((r): r is CheckDownRule => r.kind === 'check_down' && r.env === env && r.service === name);
      const tls = alerting.rules.find(
        (r): r is ThresholdRule => r.kind === 'threshold' && r.name === 'TlsCertExpiring' && r.matchers[0].value === env && r.matchers[1].value === name,
      );
      expect(down ? [down.afterFailures, down.orAfterMs, down.severity] : null, `${where} down`).toEqual(want.down);
      expect(tls ? [tls.threshold, tls.severity] : null, `${where} tls`).toEqual(want.tls);
    }
  });
});

describe('rules, SLOs, inhibition and maintenance', () => {
  const text = yaml(
    ...base.slice(0, 5),
    '    slos:',
    '      - availability: { objective: 99.9%, window: 28d }',
    '      - latency: { name: checkout-latency, under: 300ms, objective: 0.99, window: month, timezone: europe/berlin, environments: [prod] }',
    '      - availability: { name: strict, objective: 99.99%, window: 30d, alerts: [ { severity: page, burn_rate: 10, long_window: 1h, short_window: 5m } ] }',
    ...base.slice(5),
    'alerting: { evaluation_interval: 10s, reopen_window: 1h }',
    'rules:',
    '  - name: ReplicaLagHigh',
    '    metric: replica_lag_seconds',
    '    match: { env: prod, check: "=~pg.*", service: "!=web", queue: "!~tmp.*", code: 500 }',
    '    aggregate: max',
    '    over: 5m',
    '    above: 30',
    '    recover_below: 10',
    '    for: 2m',
    '    keep_firing_for: 5m',
    '    severity: page',
    '    summary: "Replica lag {{value}}s on {{labels.env}}"',
    '    runbook: https://runbooks.example.com/replica-lag',
    '    labels: { team: db }',
    '  - { name: ExportsStalled, metric: queue_depth, match: { queue: exports }, nodata: 10m, severity: ticket }',
    '  - { name: CertsLow, metric: tls_cert_expiry_seconds, below: 86400, recover_above: 172800, severity: info }',
    'inhibit:',
    '  - { source: { rule: CheckDown, env: prod }, target: { severity: ticket }, equal: [env, service] }',
    'maintenance:',
    '  - { environments: [staging], cron: "0 2 * * SUN", duration: 1h, timezone: Europe/Berlin }',
    '  - { services: [api], start: 2026-12-01T22:00:00Z, end: "2026-12-02T00:00:00+01:00", reason: PG 16 upgrade }',
  );
  const { alerting } = load(text);

  it('reads the engine settings', () => {
    expect(alerting).toMatchObject({ evaluationIntervalMs: 10_000, reopenWindowMs: HOUR });
  });

  it('compiles written threshold and nodata rules', () => {
    const written = alerting.rules.filter((r) => r.origin === 'config');
    expect(written).toEqual([
      {
        kind: 'threshold',
        name: 'ReplicaLagHigh',
        origin: 'config',
        metric: 'replica_lag_seconds',
        matchers: [
          { label: 'env', op: '=', value: 'prod' },
          { label: 'check', op: '=~', value: 'pg.*' },
          { label: 'service', op: '!=', value: 'web' },
          { label: 'queue', op: '!~', value: 'tmp.*' },
          { label: 'code', op: '=', value: '500' },
        ],
        aggregate: 'max',
        overMs: 5 * 60_000,
        op: 'above',
        threshold: 30,
        recover: 10,
        forMs: 2 * 60_000,
        keepFiringForMs: 5 * 60_000,
        severity: 'page',
        summary: 'Replica lag {{value}}s on {{labels.env}}',
        runbook: 'https://runbooks.example.com/replica-lag',
        labels: { team: 'db' },
      },
      {
        kind: 'nodata',
        name: 'ExportsStalled',
        origin: 'config',
        metric: 'queue_depth',
        matchers: [{ label: 'queue', op: '=', value: 'exports' }],
        nodataMs: 10 * 60_000,
        forMs: 0,
        keepFiringForMs: 0,
        severity: 'ticket',
        summary: null,
        runbook: null,
        labels: {},
      },
      expect.objectContaining({ name: 'CertsLow', op: 'below', threshold: 86_400, recover: 172_800, aggregate: 'last', overMs: 5 * 60_000 }),
    ]);
  });

  it('expands each SLO per environment of its service', () => {
    expect(alerting.slos.map((s) => s.id)).toEqual(['staging/api/availability', 'prod/api/availability', 'prod/api/checkout-latency', 'staging/api/strict', 'prod/api/strict']);
    expect(alerting.slos[1]).toMatchObject({ objective: 0.999, window: { kind: 'rolling', ms: 28 * DAY }, sli: { kind: 'availability' } });
    expect(alerting.slos[2]).toMatchObject({
      name: 'checkout-latency',
      objective: 0.99,
      sli: { kind: 'latency', thresholdSeconds: 0.3 },
      window: { kind: 'calendar', unit: 'month', timezone: 'Europe/Berlin' },
    });
    expect(alerting.slos[2].tiers.map((t) => t.factor)).toEqual([14.4, 6, 3, 1]);
    expect(alerting.slos[3].tiers).toEqual([{ severity: 'page', factor: 10, longWindowMs: HOUR, shortWindowMs: 5 * 60_000 }]);
  });

  it('compiles each SLO severity to one burn-rate rule over its tiers, scaled to the window', () => {
    const burn = alerting.rules.filter((r): r is BurnRateRule => r.kind === 'burn_rate');
    const prodAvailability = burn.filter((r) => r.sloId === 'prod/api/availability');
    expect(prodAvailability.map((r) => [r.name, r.severity, r.windows.map((w) => [w.factor, w.longWindowMs, w.shortWindowMs])])).toEqual([
      ['SloBurnRate', 'page', [[13.44, HOUR, 5 * 60_000], [5.6, 6 * HOUR, 30 * 60_000]]],
      ['SloBurnRate', 'ticket', [[2.8, DAY, 2 * HOUR], [0.933333333, 3 * DAY, 6 * HOUR]]],
    ]);
    expect(prodAvailability[0]).toMatchObject({ origin: 'slo', labels: { slo: 'availability', env: 'prod', service: 'api' } });
    expect(burn.find((r) => r.sloId === 'prod/api/checkout-latency')?.name).toBe('CheckoutLatencyBurnRate');
    expect(burn.filter((r) => r.sloId.endsWith('/strict')).map((r) => r.name)).toEqual(['StrictBurnRate', 'StrictBurnRate']);
  });

  it('compiles inhibition, rule meaning alertname', () => {
    expect(alerting.inhibit).toEqual([
      {
        source: [
          { label: 'alertname', op: '=', value: 'CheckDown' },
          { label: 'env', op: '=', value: 'prod' },
        ],
        target: [{ label: 'severity', op: '=', value: 'ticket' }],
        equal: ['env', 'service'],
      },
    ]);
  });

  it('compiles recurring and one-off maintenance windows', () => {
    expect(alerting.maintenance).toEqual([
      {
        id: 'maintenance[0]',
        environments: ['staging'],
        services: null,
        reason: null,
        schedule: { kind: 'cron', cron: '0 2 * * SUN', durationMs: HOUR, timezone: 'Europe/Berlin' },
      },
      {
        id: 'maintenance[1]',
        environments: null,
        services: ['api'],
        reason: 'PG 16 upgrade',
        schedule: { kind: 'once', start: Date.parse('2026-12-01T22:00:00Z'), end: Date.parse('2026-12-01T23:00:00Z') },
      },
    ]);
  });
});

describe('alerting problems name the file, line and path', () => {
  const head = base.slice(0, 5);
  it.each([
    {
      name: 'an unknown environment under defaults, with a suggestion',
      text: yaml(...base, 'defaults:', '  environments: { stagin: { down: false } }'),
      problems: ['vigil.yaml:9 defaults.environments.stagin: unknown environment "stagin" (did you mean "staging"?); environments are dev, staging, prod'],
    },
    {
      name: 'a service default for an environment it does not run in',
      text: yaml(...head, '    defaults: { environments: { dev: { down: false } } }'),
      problems: ['vigil.yaml:6 services.api.defaults.environments.dev: service "api" does not run in "dev" (its environments are staging, prod)'],
    },
    {
      name: 'an unknown key in a default rule',
      text: yaml(...base, 'defaults:', '  down: { after: 2, or_afer: 1m }'),
      problems: ['vigil.yaml:9 defaults.down.or_afer: unknown key "or_afer" (did you mean "or_after"?)'],
    },
    {
      name: 'a failure count that is not one',
      text: yaml(...base, 'defaults:', '  down: { after: two failures }'),
      problems: ['vigil.yaml:9 defaults.down.after: expected a number of failures from 1 to 1000 like 2 or "2 failures", got "two failures"'],
    },
    {
      name: 'an SLO kind misspelt',
      text: yaml(...head, '    slos:', '      - availabilty: { objective: 99.9%, window: 28d }'),
      problems: [
        'vigil.yaml:7 services.api.slos[0].availabilty: unknown key "availabilty" (did you mean "availability"?)',
        'vigil.yaml:7 services.api.slos[0]: an SLO needs its kind: availability: {…} or latency: {…}',
      ],
    },
    {
      name: 'an objective of 100% or more',
      text: yaml(...head, '    slos:', '      - availability: { objective: 100%, window: 28d }'),
      problems: ['vigil.yaml:7 services.api.slos[0].availability.objective: expected an objective above 0 and below 100% like 99.9% or 0.999, got "100%"'],
    },
    {
      name: 'a window that is neither rolling nor calendar',
      text: yaml(...head, '    slos:', '      - availability: { objective: 0.99, window: fortnight }'),
      problems: ['vigil.yaml:7 services.api.slos[0].availability.window: expected a rolling window from 1d to 366d like 28d, or week, month or quarter, got "fortnight"'],
    },
    {
      name: 'an unknown timezone, with a suggestion',
      text: yaml(...head, '    slos:', '      - availability: { objective: 0.99, window: month, timezone: Europe/Berln }'),
      problems: ['vigil.yaml:7 services.api.slos[0].availability.timezone: unknown timezone "Europe/Berln" (did you mean "Europe/Berlin"?); expected an IANA name like Europe/Berlin'],
    },
    {
      name: 'a timezone on a rolling window',
      text: yaml(...head, '    slos:', '      - availability: { objective: 0.99, window: 28d, timezone: UTC }'),
      problems: ['vigil.yaml:7 services.api.slos[0].availability.timezone: a timezone applies to calendar windows (week, month, quarter) only'],
    },
    {
      name: 'a window shorter than the default alerts look back',
      text: yaml(...head, '    slos:', '      - availability: { objective: 0.99, window: 2d }'),
      problems: [
        'vigil.yaml:7 services.api.slos[0].availability.window: the default burn-rate alerts look back up to 3d, longer than this window; use a window of at least 3d or write alerts',
      ],
    },
    {
      name: 'an SLO in an environment the service does not run in',
      text: yaml(...head, '    slos:', '      - availability: { objective: 0.99, window: 28d, environments: [dev, prd] }'),
      problems: [
        'vigil.yaml:7 services.api.slos[0].availability.environments[0]: service "api" does not run in "dev" (its environments are staging, prod)',
        'vigil.yaml:7 services.api.slos[0].availability.environments[1]: unknown environment "prd" (did you mean "prod"?); environments are dev, staging, prod',
      ],
    },
    {
      name: 'two SLOs of one name in a service',
      text: yaml(...head, '    slos:', '      - latency: { under: 300ms, objective: 0.99, window: 28d }', '      - latency: { under: 1s, objective: 0.9, window: 28d }'),
      problems: ['vigil.yaml:8 services.api.slos[1].latency: duplicate SLO "latency" (also slos[0]); give each SLO of a service its own name'],
    },
    {
      name: 'a burn-rate tier with its windows the wrong way round',
      text: yaml(...head, '    slos:', '      - availability: { objective: 0.99, window: 28d, alerts: [ { severity: page, burn_rate: 14, long_window: 5m, short_window: 1h } ] }'),
      problems: ['vigil.yaml:7 services.api.slos[0].availability.alerts[0].short_window: must be shorter than long_window'],
    },
    {
      name: 'a rule without a condition, and one with two',
      text: yaml(...base, 'rules:', '  - { name: A, metric: up, severity: page }', '  - { name: B, metric: up, above: 1, nodata: 5m, severity: page }'),
      problems: ['vigil.yaml:9 rules[0]: a rule needs one condition: above, below or nodata', 'vigil.yaml:10 rules[1].nodata: a rule has one condition, got above and nodata'],
    },
    {
      name: 'a rule without a severity, and a misspelt key',
      text: yaml(...base, 'rules:', '  - { name: A, metric: up, above: 1, severty: page }'),
      problems: ['vigil.yaml:9 rules[0]: missing required key "severity"', 'vigil.yaml:9 rules[0].severty: unknown key "severty" (did you mean "severity"?)'],
    },
    {
      name: 'a bad regex in a matcher, at its label',
      text: yaml(...base, 'rules:', '  - name: A', '    metric: up', '    match: { env: prod, check: "=~(unclosed" }', '    above: 1', '    severity: page'),
      problems: ['vigil.yaml:11 rules[0].match.check: invalid regular expression "(unclosed": Invalid regular expression: /^(?:(unclosed)$/u: Unterminated group'],
    },
    {
      name: 'a recovery threshold on the wrong side',
      text: yaml(...base, 'rules:', '  - { name: A, metric: up, above: 10, recover_below: 20, severity: page }', '  - { name: B, metric: up, below: 10, recover_below: 5, severity: page }'),
      problems: ['vigil.yaml:9 rules[0].recover_below: must be at most above (10)', 'vigil.yaml:10 rules[1].recover_below: recover_below goes with above'],
    },
    {
      name: 'a nodata rule with a window',
      text: yaml(...base, 'rules:', '  - { name: A, metric: up, nodata: 5m, aggregate: max, severity: page }'),
      problems: ['vigil.yaml:9 rules[0].aggregate: a nodata rule takes no aggregate'],
    },
    {
      name: 'an unknown aggregate and a bad name',
      text: yaml(...base, 'rules:', '  - { name: replica-lag, metric: up, aggregate: median, above: 1, severity: page }'),
      problems: [
        'vigil.yaml:9 rules[0].name: expected a rule name of letters, digits and _ (like "ReplicaLagHigh")',
        'vigil.yaml:9 rules[0].aggregate: expected one of last, avg, min, max, sum, count, rate, increase, p50, p90, p95, p99, got "median"',
      ],
    },
    {
      name: 'two rules of one name, and one named like a default rule',
      text: yaml(...base, 'rules:', '  - { name: Lag, metric: up, above: 1, severity: page }', '  - { name: Lag, metric: up, above: 2, severity: page }', '  - { name: CheckDown, metric: up, above: 2, severity: page }'),
      problems: [
        'vigil.yaml:10 rules[1].name: duplicate rule name "Lag" (also rules[0]); give each rule its own name',
        'vigil.yaml:11 rules[2].name: "CheckDown" is the name of a default or SLO rule; choose another',
      ],
    },
    {
      name: 'an inhibit rule naming no rule, and one with an empty source',
      text: yaml(...base, 'inhibit:', '  - { source: { rule: CheckDwn }, equal: [env] }', '  - { source: {}, target: { rule: CheckDown } }'),
      problems: [
        'vigil.yaml:9 inhibit[0].source.rule: unknown rule "CheckDwn" (did you mean "CheckDown"?); rules are CheckDown, TlsCertExpiring, SloBurnRate',
        'vigil.yaml:10 inhibit[1].source: needs at least one matcher; an empty source would let any alert mute the others',
      ],
    },
    {
      name: 'a rule named like a default rule that is turned off everywhere',
      text: yaml(...base, 'defaults: { down: false }', 'rules: [ { name: CheckDown, metric: up, above: 1, severity: page } ]'),
      problems: ['vigil.yaml:9 rules[0].name: "CheckDown" is the name of a default or SLO rule; choose another'],
    },
    {
      name: 'maintenance in unknown environments and services',
      text: yaml(...base, 'maintenance:', '  - { environments: [prd], services: [wbe], cron: "0 2 * * SUN", duration: 1h }'),
      problems: [
        'vigil.yaml:9 maintenance[0].environments[0]: unknown environment "prd" (did you mean "prod"?); environments are dev, staging, prod',
        'vigil.yaml:9 maintenance[0].services[0]: unknown service "wbe" (did you mean "web"?); services are api, web',
      ],
    },
    {
      name: 'a maintenance cron that is not one',
      text: yaml(...base, 'maintenance:', '  - { cron: "0 2 * * SUNDAY", duration: 1h }', '  - { cron: "0 2 * *", duration: 1h }'),
      problems: [
        'vigil.yaml:9 maintenance[0].cron: invalid cron "0 2 * * SUNDAY": day-of-week "SUNDAY": "SUNDAY" is not a number or a name (SUN…SAT)',
        'vigil.yaml:10 maintenance[1].cron: invalid cron "0 2 * *": expected 5 fields (minute hour day-of-month month day-of-week), got 4',
      ],
    },
    {
      name: 'a maintenance window ending before it starts, one without an offset, one of each kind',
      text: yaml(
        ...base,
        'maintenance:',
        '  - { start: 2026-12-01T22:00:00Z, end: 2026-12-01T21:00:00Z }',
        '  - { start: 2026-12-01T22:00:00, end: 2026-12-01T23:00:00Z }',
        '  - { cron: "0 2 * * *", duration: 1h, end: 2026-12-01T23:00:00Z }',
        '  - { cron: "0 2 * * *" }',
      ),
      problems: [
        'vigil.yaml:9 maintenance[0].end: must be after start',
        'vigil.yaml:10 maintenance[1].start: expected a time with its offset like 2026-12-01T22:00:00Z, got "2026-12-01T22:00:00"',
        'vigil.yaml:11 maintenance[2]: a maintenance window is recurring (cron, duration) or once (start, end), not both',
        'vigil.yaml:12 maintenance[3]: missing required key "duration"',
      ],
    },
    {
      name: 'an evaluation interval below a second',
      text: yaml(...base, 'alerting: { evaluation_interval: 100ms, reopen_windw: 1h }'),
      problems: [
        'vigil.yaml:8 alerting.evaluation_interval: must be at least 1s',
        'vigil.yaml:8 alerting.reopen_windw: unknown key "reopen_windw" (did you mean "reopen_window"?)',
      ],
    },
    {
      name: 'rules that are not a list',
      text: yaml(...base, 'rules: { name: A }'),
      problems: ['vigil.yaml:8 rules: expected a list, got a mapping'],
    },
  ])('$name', ({ text, problems }) => {
    expect(problemsOf(text)).toEqual(problems);
  });

  it('reports alerting problems together with problems elsewhere in the file', () => {
    const text = yaml(...base.slice(0, 4), '    checks: [ { http: { url: "https://x", timout: 5s } } ]', ...base.slice(5), 'rules: [ { name: A, metric: up, above: 1 } ]');
    expect(problemsOf(text)).toEqual([
      'vigil.yaml:5 services.api.checks[0].http.timout: unknown key "timout" (did you mean "timeout"?)',
      'vigil.yaml:8 rules[0]: missing required key "severity"',
    ]);
  });
});

describe('alerting limits', () => {
  it('refuses SLOs expanding past the limit, with one problem', () => {
    const environments = Array.from({ length: 1000 }, (_, i) => `e${i}`);
    const services = Array.from({ length: 11 }, (_, i) => [`  s${i}:`, '    slos: [ { availability: { objective: 99%, window: 28d } } ]']).flat();
    const problems = problemsOf(yaml(`environments: [${environments.join(', ')}]`, 'services:', ...services));
    expect(problems).toEqual(["vigil.yaml:2 services: the services' SLOs expand to more than 10,000 (each SLO times its environments)"]);
  });
});
