import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinProbes } from '../../probes/index.js';
import { DEMO_SOURCE, loadDemoConfig } from '../../config/demo.js';
import { describeConfig } from '../../config/describe.js';
import { JSON_SCHEMA_FILE, renderJsonSchema } from '../../config/json-schema.js';
import { loadConfigText } from '../../config/load.js';
import { DEMO_BACKUP_EVERY_MS, demoBackupRun } from '../../demo/target.js';

const registry = builtinProbes();
const DEMO_SECRET = 'whsec_ZGVtby1zZWNyZXQtZm9yLXRoZS10ZXN0cw==';
const DEMO_TARGET = { demoTarget: 'http://127.0.0.1:41234/', demoDns: '127.0.0.1:41235', demoTlsPort: 41236, webhookSecret: DEMO_SECRET, registry };

describe('the embedded demo config', () => {
  const config = loadDemoConfig(DEMO_TARGET);

  it('loads, with every service in dev, staging and prod', () => {
    expect(config.source).toBe(DEMO_SOURCE);
    expect(config.environments).toEqual(['dev', 'staging', 'prod']);
    expect(config.services.map((s) => s.name)).toEqual(['web', 'api', 'db', 'edge']);
    expect(config.checks.map((c) => c.id)).toEqual(
      ['dev', 'staging', 'prod'].flatMap((env) =>
        [`${env}/web/http`, `${env}/api/http`, `${env}/db/health`, `${env}/db/backup`, `${env}/edge/dns`, `${env}/edge/tls`],
      ),
    );
    for (const check of config.checks.filter((c) => c.kind !== 'heartbeat')) expect(check).toMatchObject({ everyMs: 5_000, timeoutMs: 2_000 });
  });

  it("has a heartbeat check per environment that the demo app's backup job beats every 10s", () => {
    const backups = config.checks.filter((c) => c.kind === 'heartbeat');
    expect(backups.map((c) => c.id)).toEqual(['dev/db/backup', 'staging/db/backup', 'prod/db/backup']);
    for (const check of backups) expect(check).toMatchObject({ everyMs: DEMO_BACKUP_EVERY_MS, target: { grace: 5_000 } });
  });

  it('points every check at the demo target', () => {
    const urls = config.checks.filter((c) => c.env === 'staging' && c.target.url !== undefined).map((c) => c.target.url);
    expect(urls).toEqual([
      'http://127.0.0.1:41234/staging/',
      'http://127.0.0.1:41234/staging/api/orders',
      'http://127.0.0.1:41234/staging/health/ready',
    ]);
  });

  it("asks the demo target's DNS zone for the API's name, and checks its HTTPS certificate", () => {
    expect(config.checks.find((c) => c.id === 'staging/edge/dns')?.target).toEqual({
      query: 'api.staging.demo.internal',
      type: 'A',
      resolver: '127.0.0.1:41235',
      expect: { contains: ['127.0.0.1'] },
    });
    // A self-signed certificate: its chain cannot verify, its lifetime and name can.
    expect(config.checks.find((c) => c.id === 'staging/edge/tls')?.target).toEqual({
      host: '127.0.0.1',
      port: 41236,
      server_name: 'api.staging.demo.internal',
      expect: { valid_for: 14 * 86_400_000, chain_valid: false, hostname_match: true },
    });
  });

  it('reads replica lag and queue depth from the health endpoint', () => {
    const db = config.checks.find((c) => c.id === 'prod/db/health');
    expect(db?.target.metrics).toEqual([
      { name: 'replica_lag_seconds', path: '$.replication.lag_seconds', labels: {} },
      { name: 'replica_lag_bytes', path: '$.replication.lag_bytes', labels: {} },
      { name: 'queue_depth', path: '$.queues.exports.depth', labels: { queue: 'exports' } },
      { name: 'queue_depth', path: '$.queues.emails.depth', labels: { queue: 'emails' } },
    ]);
    expect(db?.runbook).toBe('https://runbooks.example.com/db/health');
  });
});

describe('the demo backup job', () => {
  const MINUTE = 60_000;
  it("runs in prod always, skips staging's runs during its outage, and reports dev's full disk 1 minute in 12", () => {
    const at = (minute: number) => 10 * 60 * MINUTE * 12 + minute * MINUTE;
    expect(demoBackupRun('prod', at(4.5))).toMatchObject({ status: 'ok' });
    // Staging's outage: 90 s from minute 2 of every 6 (the same window as its health endpoint's).
    expect(demoBackupRun('staging', at(2.5))).toBeNull();
    expect(demoBackupRun('staging', at(4))).toMatchObject({ status: 'ok' });
    expect(demoBackupRun('dev', at(5.5))).toEqual({ status: 'fail', message: 'pg_dump: no space left on /backups' });
    expect(demoBackupRun('dev', at(7))).toMatchObject({ status: 'ok' });
  });
});

describe('describeConfig', () => {
  const text = [
    'environments: [dev, prod]',
    'services:',
    '  api:',
    '    owner: team-payments',
    '    description: Public REST API',
    '    runbook: https://runbooks.example.com/api/{{check}}',
    '    checks:',
    '      - http: { url: "https://user:${PW}@{{env}}.example.com/", method: HEAD, every: 15s, timeout: 1m30s }',
    '      - tcp: { name: pg, host: "db.{{env}}.internal", port: 5432 }',
    '  batch:',
    '    environments: [prod]',
  ].join('\n');
  const config = loadConfigText(text, { file: 'vigil.yaml', env: { PW: 'hunter2' }, registry });

  it('lists each environment, service and expanded check, secrets redacted', () => {
    expect(describeConfig(config, { color: false })).toBe(
      [
        'vigil.yaml: 2 environments, 2 services, 4 checks; scheduler concurrency 64; retention raw 7d, 1m 90d, 1h 2y',
        '',
        'dev',
        '  api  Public REST API · owner team-payments',
        '    dev/api/http   http  every 15s   timeout 1m30s  HEAD https://user:***@dev.example.com/',
        '                   runbook https://runbooks.example.com/api/http',
        '    dev/api/pg     tcp   every 30s   timeout 10s    db.dev.internal:5432',
        '                   runbook https://runbooks.example.com/api/pg',
        '',
        'prod',
        '  api  Public REST API · owner team-payments',
        '    prod/api/http  http  every 15s   timeout 1m30s  HEAD https://user:***@prod.example.com/',
        '                   runbook https://runbooks.example.com/api/http',
        '    prod/api/pg    tcp   every 30s   timeout 10s    db.prod.internal:5432',
        '                   runbook https://runbooks.example.com/api/pg',
        '  batch',
        '    (no checks)',
        '',
      ].join('\n'),
    );
  });

  it('uses colour codes only when asked', () => {
    expect(describeConfig(config, { color: false })).not.toContain('\x1b[');
    expect(describeConfig(config, { color: true })).toContain('\x1b[1mprod\x1b[0m');
  });

  it('never prints a secret', () => {
    expect(describeConfig(config, { color: true })).not.toContain('hunter2');
  });
});

describe('the JSON Schema for editors', () => {
  it('is up to date with the zod schema (run `npm run schema`)', () => {
    expect(readFileSync(JSON_SCHEMA_FILE, 'utf8')).toBe(renderJsonSchema(registry));
  });

  it('offers every probe kind as a check', () => {
    const schema = JSON.parse(renderJsonSchema(registry));
    const item = schema.properties.services.additionalProperties.properties.checks.items;
    expect(item.anyOf.map((option: { required: string[] }) => option.required[0])).toEqual(registry.kinds());
  });
});

describe('the embedded demo alerting', () => {
  const { alerting } = loadDemoConfig(DEMO_TARGET);

  it('gives every check its default rules, plus rules on what the health endpoint reports', () => {
    // A CheckDown per check (6 in each of 3 environments), a TlsCertExpiring per service and environment.
    expect(alerting.rules.filter((r) => r.kind === 'check_down')).toHaveLength(18);
    expect(alerting.rules.filter((r) => r.name === 'TlsCertExpiring')).toHaveLength(12);
    expect(alerting.rules.filter((r) => r.origin === 'config').map((r) => r.name)).toEqual(['ComponentDown', 'ReplicaLagHigh', 'ExportsBacklog']);
    expect(alerting.inhibit).toHaveLength(2);
    expect(alerting.maintenance.map((m) => m.environments)).toEqual([['dev']]);
  });

  it('has an availability SLO on every service in prod and a latency SLO on api', () => {
    expect(alerting.slos.map((s) => s.id)).toEqual(['prod/web/availability', 'prod/api/availability', 'prod/api/latency', 'prod/db/availability']);
    expect(alerting.slos.find((s) => s.id === 'prod/api/availability')).toMatchObject({ objective: 0.99, window: { kind: 'rolling', ms: 28 * 86_400_000 } });
    expect(alerting.slos.find((s) => s.id === 'prod/api/latency')).toMatchObject({
      objective: 0.9,
      sli: { kind: 'latency', thresholdSeconds: 0.25 },
      window: { kind: 'calendar', unit: 'month', timezone: 'Europe/Berlin' },
    });
    // One page and one ticket alert per SLO, each over its two window pairs.
    expect(alerting.rules.filter((r) => r.kind === 'burn_rate')).toHaveLength(alerting.slos.length * 2);
  });
});

describe('the embedded demo notifications', () => {
  const config = loadDemoConfig(DEMO_TARGET);

  it('sends every incident to the demo target\'s webhook sink, signed with the secret made at start', () => {
    expect(config.notify.receivers.map((r) => [r.name, r.kind, r.rateLimit])).toEqual([['demo-hook', 'webhook', { max: 30, perMs: 60_000 }]]);
    const hook = config.notify.receivers[0]!.config as { url: { reveal(): string }; secret: { reveal(): string } };
    expect(hook.url.reveal()).toBe('http://127.0.0.1:41234/webhook');
    expect(hook.secret.reveal()).toBe(DEMO_SECRET);
    expect(config.notify.routes).toMatchObject([{ matchers: [], to: ['demo-hook'], groupBy: ['env', 'service'], groupWaitMs: 5_000, groupIntervalMs: 30_000, sendResolved: true }]);
  });

  it('keeps the signing secret out of what it prints, but not the checks\' URLs', () => {
    expect(config.secrets.scrub(`signed with ${DEMO_SECRET}`)).toBe('signed with ***');
    expect(config.secrets.scrub('http://127.0.0.1:41234/staging/')).toBe('http://127.0.0.1:41234/staging/');
    expect(describeConfig(config, { color: false })).not.toContain(DEMO_SECRET);
  });
});
