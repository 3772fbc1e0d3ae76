import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

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
    expect(stdout).toMatch(/^vigil\.example\.yaml: 3 environments, 2 services, 11 checks/);
    expect(stdout).toMatch(/prod\/api\/pg\s+tcp\s+every 15s\s+timeout 5s\s+db\.prod\.internal:5432/);
    expect(stdout).toMatch(/staging\/api\/http\s+http\s+every 15s\s+timeout 5s\s+https:\/\/staging\.example\.com\/health\/ready/);
    expect(stdout).not.toContain('tok-prod-456');
    expect(stdout).not.toContain('\x1b[');
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
  ])('refuses %s with a usable message', (_name, args, message) => {
    const { code, stderr } = vigil(args);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });

  it.each([['serve'], ['check']])('explains %s with --help', (command) => {
    const { code, stdout } = vigil([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: vigil ${command}`);
    expect(stdout).toContain('--config FILE');
  });
});
