// security.outbound in vigil.yaml, and the schemes http-type targets may use: each refusal names the
// file, line and path.
import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../../lib/errors.js';
import { loadConfigText } from '../../config/load.js';
import { builtinProbes } from '../../probes/index.js';

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

const head = ['environments: [prod]', 'services:', '  api:', '    checks:'];

describe('security.outbound', () => {
  it('defaults to the guard on with nothing allowed', () => {
    expect(load(yaml('environments: [prod]', 'services: {}')).outbound).toEqual({ enabled: true, allow: [] });
  });

  it('reads allowed ranges (addresses, IPv4 and IPv6 ranges, mapped forms) and the opt-out', () => {
    const config = load(
      yaml('environments: [prod]', 'services: {}', 'security:', '  outbound:', '    guard: false', '    allow: [169.254.169.254, "169.254.170.0/24", "fd00:ec2::/64", "::ffff:100.100.100.200"]'),
    );
    expect(config.outbound.enabled).toBe(false);
    expect(config.outbound.allow.map((range) => range.text)).toEqual(['169.254.169.254/32', '169.254.170.0/24', 'fd00:ec2::/64', '100.100.100.200/32']);
  });

  it('refuses a range that is not one, with its line', () => {
    expect(problemsOf(yaml('environments: [prod]', 'services: {}', 'security:', '  outbound:', '    allow:', '      - 169.254.0.0/16', '      - 169.254.0.0/40', '      - metadata.internal'))).toEqual([
      'vigil.yaml:7 security.outbound.allow[1]: expected an IP address or CIDR range like 169.254.169.254 or fd00:ec2::/64, got "169.254.0.0/40"',
      'vigil.yaml:8 security.outbound.allow[2]: expected an IP address or CIDR range like 169.254.169.254 or fd00:ec2::/64, got "metadata.internal"',
    ]);
  });
});

describe('schemes of http-type targets', () => {
  it.each([
    ['an http check reading a file', '      - http: { url: "file:///etc/passwd" }', 'vigil.yaml:5 services.api.checks[0].http.url: expected an http:// or https:// URL'],
    ['an http check with gopher', '      - http: { url: "gopher://127.0.0.1:6379/_FLUSHALL" }', 'vigil.yaml:5 services.api.checks[0].http.url: expected an http:// or https:// URL'],
    ['a health check over ftp', '      - health: { url: "ftp://files.internal/status" }', 'vigil.yaml:5 services.api.checks[0].health.url: expected an http:// or https:// URL'],
  ])('refuses %s with its line', (_name, line, problem) => {
    expect(problemsOf(yaml(...head, line))).toEqual([problem]);
  });

  it('refuses a webhook receiver with a file:// URL, with its line', () => {
    const problems = problemsOf(yaml('environments: [prod]', 'services: {}', 'notify:', '  receivers:', '    hook: { webhook: { url: "file:///var/run/secrets/token" } }'));
    expect(problems).toEqual([expect.stringMatching(/^vigil\.yaml:5 notify\.receivers\.hook\.webhook\.url: expected an http:\/\/ or https:\/\/ URL$/)]);
  });
});
