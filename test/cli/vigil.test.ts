import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'vigil.js');

function vigil(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH!, ...env }, timeout: 15_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('the vigil command', () => {
  it('prints the checks of a valid config expanded per environment', () => {
    const { code, stdout, stderr } = vigil(['check', '--config', 'vigil.example.yaml'], { API_TOKEN_STAGING: 'tok-staging-123', API_TOKEN_PROD: 'tok-prod-456' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^vigil\.example\.yaml: 3 environments, 2 services, 13 checks/);
    expect(stdout).toMatch(/prod\/api\/pg\s+tcp\s+every 15s\s+timeout 5s\s+db\.prod\.internal:5432/);
    expect(stdout).toMatch(/staging\/api\/http\s+http\s+every 15s\s+timeout 5s\s+https:\/\/staging\.example\.com\/health\/ready/);
    expect(stdout).not.toContain('tok-prod-456');
    expect(stdout).not.toContain('\x1b[');
  });

  it('prints the alerting of the example config: rules by origin, SLOs with their tiers, maintenance', () => {
    const { code, stdout, stderr } = vigil(['check', '--config', 'vigil.example.yaml'], { API_TOKEN_STAGING: 'tok-staging-123', API_TOKEN_PROD: 'tok-prod-456' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('alerting: evaluated every 5s, reopen window 30m');
    expect(stdout).toContain('rules: 31 (17 default, 2 written, 12 from SLOs)');
    expect(stdout).toMatch(/ReplicaLagHigh\s+page\s+max\(replica_lag_seconds\{env="prod"\}\[5m\]\) > 30 for 2m, recovers below 10, keeps firing 5m/);
    expect(stdout).toMatch(/api\/availability\s+staging, prod: availability 99\.9% over a rolling 28d\n\s+page\s+13\.44×\s+over 1h and 5m\s+2% of the budget in 1h/);
    expect(stdout).toMatch(/ticket\s+0\.93×\s+over 3d and 6h\s+10% of the budget in 3d/);
    expect(stdout).toMatch(/maintenance\[0\]\s+environments staging: "0 2 \* \* SUN" for 1h in Europe\/Berlin; (next|on now, until) \d{4}-\d\d-\d\d \d\d:\d\d Europe\/Berlin/);
    expect(stdout).toContain('maintenance[1]  services api: 2026-12-01T22:00Z to 2026-12-01T23:00Z (PG 16 upgrade)');
  });

  it('names file, line and path of alerting problems too', () => {
    const { code, stderr } = vigil(['check', '--config', 'test/fixtures/config/alerting-problems.yaml']);
    expect(code).toBe(1);
    const file = 'test/fixtures/config/alerting-problems.yaml';
    expect(stderr).toContain(`${file}:6 services.api.slos[0].availability.objective: expected an objective above 0 and below 100% like 99.9% or 0.999, got "101%"`);
    expect(stderr).toContain(`${file}:8 rules[0].match.check: invalid regular expression "(pg"`);
    expect(stderr).toContain(`${file}:11 maintenance[1].environments[0]: unknown environment "stagng" (did you mean "staging"?)`);
  });

  it('exits 1 and names file, line and path of every problem in an invalid config', () => {
    const { code, stdout, stderr } = vigil(['check', '--config', 'test/fixtures/config/several-problems.yaml']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const file = 'test/fixtures/config/several-problems.yaml';
    expect(stderr).toContain(`${file}:7 services.api.checks[0].http.timeout: expected a duration like "5s"`);
    expect(stderr).toContain(`${file}:5 services.api.ownr: unknown key "ownr" (did you mean "owner"?)`);
    expect(stderr).toContain(`${file}:8 services.api.checks[1].health.url: environment variable API_URL_PROD is not set`);
    expect(stderr).toContain(`${file}:9 services.api.checks[2].htp: unknown probe kind "htp"`);
  });

  describe('with a config made for the test', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cli-'));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, lines: string[]) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    };
    const TOKEN = 'tok-cli-4f3e2d1c';

    it('never prints a secret, also not in a problem quoting the value holding it', () => {
      const file = write('secret.yaml', [
        'environments: [dev, prod]',
        'services:',
        '  api:',
        '    checks:',
        '      - health: { url: "https://example.com", metrics: [ { name: q, path: "$.${TOK}[" } ] }',
        '      - http: { url: "https://example.com", expect: { json: [ { path: "$[${TOK}", equals: 1 } ] } }',
        '      - http: { url: "${TOK}" }',
        '      - http: { url: "https://example.com", headers: { X-Token: "${TOK}\\nX: y" } }',
        '      - tcp: { name: "${NAME}", host: a, port: 1 }',
        '      - tcp: { name: "${NAME}", host: b, port: 2 }',
      ]);
      const { code, stdout, stderr } = vigil(['check', '--config', file], { TOK: TOKEN, NAME: 'name-from-env' });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain(`${file}:5 services.api.checks[0].health.metrics[0].path: `);
      expect(stderr).toContain('duplicate check name "***"');
      expect(stderr).not.toContain(TOKEN);
      expect(stderr).not.toContain('name-from-env');
    });

    it('shows a valid config with its secrets as ***', () => {
      const file = write('valid.yaml', [
        'environments: [dev]',
        'services:',
        '  api:',
        '    runbook: "https://runbooks.example.com/{{check}}?key=${TOK}"',
        '    checks:',
        '      - http: { url: "https://user:${TOK}@example.com/", every: 7d, timeout: 1h }',
      ]);
      const { code, stdout, stderr } = vigil(['check', '--config', file], { TOK: TOKEN });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/dev\/api\/http\s+http\s+every 7d\s+timeout 1h\s+https:\/\/user:\*\*\*@example\.com\//);
      expect(stdout).toContain('runbook https://runbooks.example.com/http?key=***');
      expect(stdout).not.toContain(TOKEN);
    });

    it.each([
      ['an every a timer cannot wait', ['environments: [dev]', 'services:', '  api:', '    checks:', '      - tcp: { host: a, port: 1, every: 100y }'], /:5 services\.api\.checks\[0\]\.tcp\.every: must be at most 7d/],
      ['an alias bomb', ['environments: [dev]', 'services: {}', 'x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...Array.from({ length: 9 }, (_, i) => `x-b${i}: &b${i} [${Array(10).fill(i === 0 ? '*a' : `*b${i - 1}`).join(', ')}]`)], /alias bomb/],
      ['an alias inside the node it names', ['environments: [dev]', 'services:', '  api:', '    checks:', '      - tcp: &self { <<: *self, host: a, port: 1 }'], /:5: invalid YAML: alias \*self is inside the node anchored &self/],
      ['an alias to no anchor', ['environments: [dev]', 'services: { api: { checks: [ *nowhere ] } }'], /:2: invalid YAML: alias \*nowhere has no anchor/],
    ])('refuses %s with a located problem and no stack trace', (_name, lines, message) => {
      const file = write(`${_name.replaceAll(' ', '-')}.yaml`, lines as string[]);
      const { code, stdout, stderr } = vigil(['check', '--config', file]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^error: invalid config\n/);
      expect(stderr).toMatch(message as RegExp);
      expect(stderr).not.toMatch(/\n\s+at /);
    });

    it('refuses a config that is not a regular file without reading it', () => {
      const { code, stderr } = vigil(['check', '--config', '/dev/zero']);
      expect(code).toBe(1);
      expect(stderr).toContain('/dev/zero: cannot read the config file: it is not a regular file (a device, pipe or socket)');
    });

    it('refuses a config file over the size limit, naming the limit', () => {
      const file = path.join(dir, 'huge.yaml');
      fs.writeFileSync(file, '');
      fs.truncateSync(file, 5 * 1024 * 1024);
      const { code, stderr } = vigil(['check', '--config', file]);
      expect(code).toBe(1);
      expect(stderr).toContain(`${file}: the config is 5 MiB; a config may be at most 1 MiB`);
    });
  });

  it('says so when the config file does not exist', () => {
    const { code, stderr } = vigil(['check', '--config', 'nope.yaml']);
    expect(code).toBe(1);
    expect(stderr).toContain('nope.yaml: cannot read the config file: no such file');
  });

  it.each([
    ['an unknown command', ['serv'], /unknown command "serv"/],
    ['an unknown option', ['serve', '--prot', '80'], /Unknown option '--prot'/],
    ['a port that is not a number', ['serve', '--port', 'http'], /--port: expected a port number 0-65535, got "http"/],
    ['check without a config', ['check'], /check needs --config FILE/],
    ['export of something unknown', ['export', 'grafana'], /expected "export prometheus-rules"/],
  ])('refuses %s with a usable message', (_name, args, message) => {
    const { code, stderr } = vigil(args);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });

  it("exports the demo's alerting as Prometheus rules, the file docker compose loads", () => {
    const { code, stdout } = vigil(['export', 'prometheus-rules']);
    expect(code).toBe(0);
    expect(stdout).toBe(fs.readFileSync(path.join(ROOT, 'deploy', 'vigil-rules.yml'), 'utf8'));
  });

  it('exports the rules of a config file, and refuses an invalid one with its problems', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-export-'));
    try {
      const file = path.join(dir, 'vigil.yaml');
      fs.writeFileSync(file, 'environments: [prod]\nservices:\n  api:\n    checks: [ { http: { url: "http://127.0.0.1:1/" } } ]\n    slos: [ { availability: { objective: 99.9%, window: 30d } } ]\n');
      const { code, stdout } = vigil(['export', 'prometheus-rules', '--config', file]);
      expect(code).toBe(0);
      expect(stdout).toContain(`in ${file}`);
      expect(stdout).toMatch(/- alert: SloBurnRate\n/);
      expect(stdout).toContain('expr: vigil_probe_success{env="prod",service="api",check="http"} == 0');
      fs.writeFileSync(file, 'environments: [prod]\nservices: { api: { checks: [ { http: { url: 5 } } ] } }\n');
      const bad = vigil(['export', 'prometheus-rules', '--config', file]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/invalid config\n.*vigil\.yaml:2/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([['serve'], ['check'], ['export']])('explains %s with --help', (command) => {
    const { code, stdout } = vigil([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: vigil ${command}`);
    expect(stdout).toContain('--config FILE');
  });
});
