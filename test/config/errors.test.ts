import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../../lib/errors.js';
import { builtinProbes } from '../../probes/index.js';
import { loadConfigFile, loadConfigText } from '../../config/load.js';

const registry = builtinProbes();
/** As the loader lists them; every branch that adds a kind would otherwise edit these texts. */
const KNOWN_KINDS = registry.kinds().join(', ');
const fixture = (name: string) => new URL(`../fixtures/config/${name}`, import.meta.url);

/** The lines of a config, so a case reads like the file and its line numbers are easy to count. */
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

/** The formatted problems loading `text` reports (fails the test if it loads). */
function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    loadConfigText(text, { file: 'vigil.yaml', env, registry });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map(formatProblem);
  }
  throw new Error('expected the config to be rejected');
}

const head = ['environments: [dev, staging, prod]', 'services:', '  api:'];

describe('config problems name the file, line and path', () => {
  it.each([
    {
      name: 'unknown top-level key, with a suggestion',
      text: yaml('environments: [dev]', 'servics: {}', 'services: {}'),
      problems: ['vigil.yaml:2 servics: unknown key "servics" (did you mean "services"?)'],
    },
    {
      name: 'unknown key far from any known key, without a suggestion',
      text: yaml('environments: [dev]', 'services: {}', 'colour: blue'),
      problems: ['vigil.yaml:3 colour: unknown key "colour"'],
    },
    {
      name: 'unknown key in a service',
      text: yaml(...head, '    ownr: team-payments', '    checks: []'),
      problems: ['vigil.yaml:4 services.api.ownr: unknown key "ownr" (did you mean "owner"?)'],
    },
    {
      name: 'unknown key in a check',
      text: yaml(...head, '    checks:', '      - http: { url: "https://example.com", timout: 5s }'),
      problems: ['vigil.yaml:5 services.api.checks[0].http.timout: unknown key "timout" (did you mean "timeout"?)'],
    },
    {
      name: 'unknown key nested in a kind\'s fields',
      text: yaml(...head, '    checks:', '      - http:', '          url: "https://example.com"', '          expect: { satus: 200 }'),
      problems: ['vigil.yaml:7 services.api.checks[0].http.expect.satus: unknown key "satus" (did you mean "status"?)'],
    },
    {
      name: 'wrong duration',
      text: yaml(...head, '    checks:', '      - http:', '          url: "https://example.com"', '          timeout: 5 seconds'),
      problems: ['vigil.yaml:7 services.api.checks[0].http.timeout: expected a duration like "5s"'],
    },
    {
      name: 'a duration written as a number',
      text: yaml('environments: [dev]', 'storage: { retention: { raw: 7 } }', 'services: {}'),
      problems: ['vigil.yaml:2 storage.retention.raw: expected a duration like "5s"'],
    },
    {
      name: 'every below one second',
      text: yaml(...head, '    checks:', '      - tcp: { host: db, port: 5432, every: 500ms }'),
      problems: ['vigil.yaml:5 services.api.checks[0].tcp.every: must be at least 1s'],
    },
    {
      name: 'a zero timeout',
      text: yaml(...head, '    checks:', '      - tcp: { host: db, port: 5432, timeout: 0s }'),
      problems: ['vigil.yaml:5 services.api.checks[0].tcp.timeout: must be longer than 0s'],
    },
    {
      name: 'every past what a timer can wait (Node fires a timer over 24.8 days at once)',
      text: yaml(...head, '    checks:', '      - tcp: { host: db, port: 5432, every: 100y }'),
      problems: ['vigil.yaml:5 services.api.checks[0].tcp.every: must be at most 7d'],
    },
    {
      name: 'every just over a week',
      text: yaml(...head, '    checks:', '      - tcp: { host: db, port: 5432, every: 7d1ms }'),
      problems: ['vigil.yaml:5 services.api.checks[0].tcp.every: must be at most 7d'],
    },
    {
      name: 'a timeout of days',
      text: yaml(...head, '    checks:', '      - tcp: { host: db, port: 5432, timeout: 25d }'),
      problems: ['vigil.yaml:5 services.api.checks[0].tcp.timeout: must be at most 1h'],
    },
    {
      name: 'a timeout just over an hour',
      text: yaml(...head, '    checks:', '      - tcp: { host: db, port: 5432, timeout: 1h1s }'),
      problems: ['vigil.yaml:5 services.api.checks[0].tcp.timeout: must be at most 1h'],
    },
    {
      name: 'a duration too long to be a number',
      text: yaml(...head, '    checks:', `      - tcp: { host: db, port: 5432, every: ${'9'.repeat(400)}y }`),
      problems: ['vigil.yaml:5 services.api.checks[0].tcp.every: expected a duration like "5s"'],
    },
    {
      name: 'a missing key, on the line of its parent',
      text: yaml(...head, '    checks:', '      - http:', '          every: 5s'),
      problems: ['vigil.yaml:5 services.api.checks[0].http: missing required key "url"'],
    },
    {
      name: 'a wrong type, showing what was written',
      text: yaml(...head, '    checks:', '      - tcp: { host: db, port: abc }'),
      problems: ['vigil.yaml:5 services.api.checks[0].tcp.port: expected a number, got "abc"'],
    },
    {
      name: 'a value outside an enum',
      text: yaml(...head, '    checks:', '      - http: { url: "https://example.com", method: GOT }'),
      problems: ['vigil.yaml:5 services.api.checks[0].http.method: expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got "GOT"'],
    },
    {
      name: 'a URL that is not one after expansion',
      text: yaml(...head, '    checks:', '      - http: { url: "{{env}}.example.com" }'),
      problems: ['vigil.yaml:5 services.api.checks[0].http.url: expected an http:// or https:// URL'],
    },
    {
      name: 'a status that is neither a code nor a class',
      text: yaml(...head, '    checks:', '      - http: { url: "https://example.com", expect: { status: ok } }'),
      problems: ['vigil.yaml:5 services.api.checks[0].http.expect.status: expected a status like 200 or "2xx"'],
    },
    {
      name: 'an unknown probe kind, listing the known ones',
      text: yaml(...head, '    checks:', '      - htp: { url: "https://example.com" }'),
      problems: [`vigil.yaml:5 services.api.checks[0].htp: unknown probe kind "htp" (did you mean "http"?); known kinds: ${KNOWN_KINDS}`],
    },
    {
      name: 'a check with two kinds',
      text: yaml(...head, '    checks:', '      - http: { url: "https://example.com" }', '        tcp: { host: db, port: 5432 }'),
      problems: ['vigil.yaml:5 services.api.checks[0]: a check has exactly one probe kind, got http and tcp; write one check per kind'],
    },
    {
      name: 'a check with no kind',
      text: yaml(...head, '    checks:', '      - {}'),
      problems: [`vigil.yaml:5 services.api.checks[0]: a check needs a probe kind; known kinds: ${KNOWN_KINDS}`],
    },
    {
      name: 'a common field outside the kind',
      text: yaml(...head, '    checks:', '      - http: { url: "https://example.com" }', '        every: 5s'),
      problems: ['vigil.yaml:6 services.api.checks[0].every: "every" goes inside the probe kind\'s mapping, like http: { every: … }'],
    },
    {
      name: 'a duplicate check name',
      text: yaml(...head, '    checks:', '      - tcp: { name: db, host: a, port: 1 }', '      - tcp: { name: db, host: b, port: 2 }'),
      problems: ['vigil.yaml:6 services.api.checks[1].tcp.name: duplicate check name "db" (also used by checks[0]); give each check of a service its own name'],
    },
    {
      name: 'an explicit name taking a default name',
      text: yaml(...head, '    checks:', '      - tcp: { host: a, port: 1 }', '      - http: { name: tcp, url: "https://example.com" }'),
      problems: ['vigil.yaml:6 services.api.checks[1].http.name: duplicate check name "tcp" (also used by checks[0]); give each check of a service its own name'],
    },
    {
      name: 'an unknown environment in a service',
      text: yaml(...head, '    environments: [staging, prd]', '    checks: []'),
      problems: ['vigil.yaml:4 services.api.environments[1]: unknown environment "prd" (did you mean "prod"?); environments are dev, staging, prod'],
    },
    {
      name: 'an unknown template variable',
      text: yaml(...head, '    checks:', '      - http: { url: "https://{{enviro}}.example.com" }'),
      problems: ['vigil.yaml:5 services.api.checks[0].http.url: unknown template variable {{enviro}} (known: {{env}}, {{ENV}}, {{service}})'],
    },
    {
      name: '{{check}} outside a runbook',
      text: yaml(...head, '    checks:', '      - http: { url: "https://example.com/{{check}}" }'),
      problems: [
        'vigil.yaml:5 services.api.checks[0].http.url: unknown template variable {{check}} (known: {{env}}, {{ENV}}, {{service}}; {{check}} is only known in a runbook)',
      ],
    },
    {
      name: 'an unknown template variable in a runbook',
      text: yaml(...head, '    runbook: https://runbooks.example.com/{{chek}}', '    checks: [ { tcp: { host: db, port: 1 } } ]'),
      problems: ['vigil.yaml:4 services.api.runbook: unknown template variable {{chek}} (known: {{env}}, {{ENV}}, {{service}}, {{check}})'],
    },
    {
      name: 'a malformed variable reference',
      text: yaml(...head, '    checks:', '      - http: { url: "https://${1X}.example.com" }'),
      problems: ['vigil.yaml:5 services.api.checks[0].http.url: invalid variable reference "${1X}"; write ${NAME} or ${NAME:-default}, or $${ for a literal ${'],
    },
    {
      name: 'an invalid service name',
      text: yaml('environments: [dev]', 'services:', '  Api: { checks: [] }'),
      problems: ['vigil.yaml:3 services.Api: invalid name "Api": expected lowercase letters, digits, - and _ (like "api")'],
    },
    {
      name: 'an invalid check name',
      text: yaml(...head, '    checks:', '      - tcp: { name: My DB, host: db, port: 1 }'),
      problems: ['vigil.yaml:5 services.api.checks[0].tcp.name: expected a name of lowercase letters, digits, - and _ (like "api" or "pg-primary")'],
    },
    {
      name: 'a duplicate environment',
      text: yaml('environments: [dev, prod, dev]', 'services: {}'),
      problems: ['vigil.yaml:1 environments[2]: duplicate environment "dev"'],
    },
    {
      name: 'no environments',
      text: yaml('environments: []', 'services: {}'),
      problems: ['vigil.yaml:1 environments: expected at least 1 item'],
    },
    {
      name: 'missing top-level keys',
      text: yaml('server: { port: 8080 }'),
      problems: ['vigil.yaml: missing required key "environments"', 'vigil.yaml: missing required key "services"'],
    },
    {
      name: 'an empty file',
      text: '# nothing yet\n',
      problems: ['vigil.yaml: the config is empty; it needs at least environments and services'],
    },
    {
      name: 'a list instead of a mapping',
      text: yaml('- dev', '- prod'),
      problems: ['vigil.yaml: expected a mapping, got a list'],
    },
    {
      name: 'a duplicate key',
      text: yaml('environments: [dev]', 'services: {}', 'environments: [prod]'),
      problems: ['vigil.yaml:3: invalid YAML: Map keys must be unique'],
    },
  ])('$name', ({ text, problems }) => {
    expect(problemsOf(text)).toEqual(problems);
  });

  it('accepts every up to 7d and a timeout up to 1h', () => {
    const config = loadConfigText(yaml(...head, '    checks:', '      - tcp: { host: db, port: 5432, every: 7d, timeout: 1h }'), {
      file: 'vigil.yaml',
      env: {},
      registry,
    });
    expect(config.checks.map((c) => [c.everyMs, c.timeoutMs])).toEqual([
      [604_800_000, 3_600_000],
      [604_800_000, 3_600_000],
      [604_800_000, 3_600_000],
    ]);
  });

  it('reports a YAML syntax error with its line', () => {
    const problems = problemsOf(readFileSync(fixture('bad-yaml.yaml'), 'utf8'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^vigil\.yaml:6: invalid YAML: /);
  });

  // Found by test/fuzz/config-loader.test.ts: each was loaded as something else, or told in yaml's words.
  it.each([
    ['a list as a key (yaml made its text the key and warned on stderr)', ['environments: [dev]', 'services: {}', '? [a, b]', ': 1'], ['vigil.yaml:3: invalid YAML: a key must be a plain value like a name, not a list or a mapping']],
    ['a __proto__ key (the service vanished)', ['environments: [dev]', 'services: { __proto__: { checks: [] }, web: {} }'], ['vigil.yaml:2: invalid YAML: "__proto__" cannot be used as a key']],
    ['a !!set', ['environments: !!set { dev }', 'services: {}'], ['vigil.yaml:1 environments: expected a list, got a set (!!set)']],
    ['a !!omap', ['environments: [dev]', 'services: !!omap [ api: {} ]'], ['vigil.yaml:2 services: expected a mapping, got an ordered mapping (!!omap)']],
    ['a !!binary', ['environments: [dev]', 'services: !!binary aGVsbG8='], ['vigil.yaml:2 services: expected a mapping, got binary data (!!binary)']],
    ['a second document', ['environments: [dev]', '---', 'services: {}'], ['vigil.yaml:2: invalid YAML: a config is one YAML document; remove the second "---"']],
  ])('refuses %s, saying what it is', (_name, lines, expected) => {
    expect(problemsOf(yaml(...lines))).toEqual(expected);
  });

  it('names each missing environment variable and where it is used, once per environment', () => {
    const text = yaml(...head, '    checks:', '      - health: { url: "${API_URL_{{ENV}}}/health/ready" }');
    expect(problemsOf(text, { API_URL_DEV: 'https://dev.example.com' })).toEqual([
      'vigil.yaml:5 services.api.checks[0].health.url: environment variable API_URL_STAGING is not set',
      'vigil.yaml:5 services.api.checks[0].health.url: environment variable API_URL_PROD is not set',
    ]);
  });

  it('reports a problem repeated in every environment once', () => {
    const text = yaml(...head, '    checks:', '      - http: { url: "https://{{env}}.example.com", timeout: soon }');
    expect(problemsOf(text)).toEqual(['vigil.yaml:5 services.api.checks[0].http.timeout: expected a duration like "5s"']);
  });

  it('reports several problems at once, in file order', () => {
    const text = readFileSync(fixture('several-problems.yaml'), 'utf8');
    expect(problemsOf(text, { API_URL_DEV: 'https://dev.example.com' })).toEqual([
      'vigil.yaml:2 servers: unknown key "servers" (did you mean "server"?)',
      'vigil.yaml:5 services.api.ownr: unknown key "ownr" (did you mean "owner"?)',
      'vigil.yaml:7 services.api.checks[0].http.timeout: expected a duration like "5s"',
      'vigil.yaml:8 services.api.checks[1].health.url: environment variable API_URL_PROD is not set',
      `vigil.yaml:9 services.api.checks[2].htp: unknown probe kind "htp" (did you mean "http"?); known kinds: ${KNOWN_KINDS}`,
    ]);
  });

  it('never shows a secret in a message about the value holding it', () => {
    const text = yaml(...head, '    checks:', '      - tcp: { host: db, port: "${DB_PORT}" }');
    const problems = problemsOf(text, { DB_PORT: 's3cr3t-port' });
    expect(problems).toEqual(['vigil.yaml:5 services.api.checks[0].tcp.port: expected a number, got "***"']);
  });

  it('says so when the file cannot be read', () => {
    const path = new URL('../fixtures/config/does-not-exist.yaml', import.meta.url).pathname;
    expect(() => loadConfigFile(path, { env: {}, registry })).toThrow(ConfigError);
    try {
      loadConfigFile(path, { env: {}, registry });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([{ file: path, line: null, path: '', message: 'cannot read the config file: no such file' }]);
    }
  });
});
