import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../../lib/errors.js';
import { builtinProbes } from '../../probes/index.js';
import { loadConfigText } from '../../config/load.js';
import { publicConfig } from '../../config/public.js';
import { SecretValues } from '../../lib/secret.js';

const registry = builtinProbes();
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;
const TOKEN = 'tok-5e3f9a1c7b2d';
const NAME = 'secret-check-name';
const RUNBOOK_KEY = 'rb-key-8d7c6b5a';
const env = { TOK: TOKEN, NAME, RUNBOOK_KEY };

/** The formatted problems of a config that must be rejected. */
function problemsOf(text: string): string[] {
  try {
    loadConfigText(text, { file: 'vigil.yaml', env, registry });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map(formatProblem);
  }
  throw new Error('expected the config to be rejected');
}

const head = ['environments: [dev, prod]', 'services:', '  api:', '    checks:'];

describe('a secret in a config', () => {
  it.each([
    { name: 'a bad JSON path in a health metric', check: '- health: { url: "https://example.com", metrics: [ { name: q, path: "$.${TOK}[" } ] }' },
    { name: 'a bad JSON path in an http expectation', check: '- http: { url: "https://example.com", expect: { json: [ { path: "$[${TOK}", equals: 1 } ] } }' },
    { name: 'a path not starting with $', check: '- health: { url: "https://example.com", metrics: [ { name: q, path: "x${TOK}" } ] }' },
    { name: 'a URL that is not one', check: '- http: { url: "${TOK}" }' },
    { name: 'a URL with a bad scheme', check: '- http: { url: "ftp://${TOK}@example.com" }' },
    { name: 'a header value with a line break', check: '- http: { url: "https://example.com", headers: { X-Token: "${TOK}\\r\\nX: y" } }' },
    { name: 'a method that is not one', check: '- http: { url: "https://example.com", method: "${TOK}" }' },
    { name: 'a port that is not a number', check: '- tcp: { host: db, port: "${TOK}" }' },
    { name: 'a status that is not one', check: '- http: { url: "https://example.com", expect: { status: "${TOK}" } }' },
    { name: 'a duration that is not one', check: '- http: { url: "https://example.com", timeout: "${TOK}" }' },
    { name: 'a metric name that is not one', check: '- health: { url: "https://example.com", metrics: [ { name: "${TOK}", path: $.a } ] }' },
    {
      name: 'a duplicate check name taken from the environment',
      check: '- tcp: { name: "${NAME}", host: a, port: 1 }\n      - tcp: { name: "${NAME}", host: b, port: 2 }',
    },
  ])('is never printed in a problem: $name', ({ check }) => {
    const problems = problemsOf(yaml(...head, ...check.split('\n').map((line) => (line.startsWith(' ') ? line : `      ${line}`))));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem).not.toContain(TOKEN);
      expect(problem).not.toContain(NAME);
      expect(problem).not.toContain(encodeURIComponent(TOKEN));
    }
  });

  it('is never printed in a problem of another check or of the runbook', () => {
    const problems = problemsOf(
      yaml(
        'environments: [dev]',
        'services:',
        '  api:',
        '    runbook: "https://runbooks.example.com/${RUNBOOK_KEY}/{{nope}}"',
        '    checks:',
        '      - http: { url: "https://example.com/${TOK}" }',
        '      - http: { name: other, url: "https://example.com", body: 1, expect: { body_contains: "tok-5e3f9a1c7b2d" } }',
        '      - health: { url: "https://example.com", metrics: [ { name: q, path: "$.tok-5e3f9a1c7b2d[" } ] }',
      ),
    );
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).not.toContain(TOKEN);
  });
});

describe('config.secrets', () => {
  const config = loadConfigText(
    yaml(
      'environments: [dev, prod]',
      'services:',
      '  api:',
      '    runbook: "https://runbooks.example.com/{{check}}?key=${RUNBOOK_KEY}"',
      '    checks:',
      '      - http: { url: "https://{{env}}.example.com/${UNSET:-health}", headers: { Authorization: "Bearer ${TOK}" } }',
      '      - tcp: { name: "${NAME}", host: "db.{{env}}.internal", port: 5432 }',
    ),
    { file: 'vigil.yaml', env, registry },
  );

  it('holds every value taken from the environment, runbooks included', () => {
    for (const value of [TOKEN, NAME, RUNBOOK_KEY]) expect(config.secrets.contains(`x${value}x`)).toBe(true);
  });

  it('does not hold a default, which is written in the file', () => {
    expect(config.secrets.contains('https://dev.example.com/health')).toBe(false);
  });

  it('scrubs every string of the public config, ids and runbooks included', () => {
    const shown = publicConfig(config);
    const text = JSON.stringify(shown);
    for (const value of [TOKEN, NAME, RUNBOOK_KEY]) expect(text).not.toContain(value);
    expect(shown.checks.map((c) => c.id)).toEqual(['dev/api/http', 'dev/api/***', 'prod/api/http', 'prod/api/***']);
    expect(shown.checks[0]).toEqual({
      id: 'dev/api/http',
      env: 'dev',
      service: 'api',
      name: 'http',
      kind: 'http',
      everyMs: 30_000,
      timeoutMs: 10_000,
      target: {
        url: 'https://dev.example.com/health',
        method: 'GET',
        headers: { Authorization: 'Bearer ***' },
        follow_redirects: false,
        max_body_bytes: 1_048_576,
        expect: { status: '2xx' },
      },
      runbook: 'https://runbooks.example.com/http?key=***',
    });
  });

  it('shows the rest of the config as loaded', () => {
    const shown = publicConfig(config);
    expect(shown).toMatchObject({
      source: 'vigil.yaml',
      environments: ['dev', 'prod'],
      server: { port: 8080 },
      services: [{ name: 'api', owner: null, description: null, environments: ['dev', 'prod'] }],
      scheduler: { concurrency: 64 },
      retention: config.retention,
    });
  });

  it('leaves the loaded config itself unscrubbed, for the probes', () => {
    expect(config.checks[0].target.headers).toEqual({ Authorization: `Bearer ${TOKEN}` });
  });
});

describe('a password written in a check\'s URL', () => {
  it('is a secret of the config, like one from the environment', () => {
    const config = loadConfigText(
      yaml(...head, '      - postgres_replica_lag: { dsn: "postgres://vigil:in-file-pw%21@db.{{env}}.internal/postgres" }'),
      { file: 'vigil.yaml', env, registry },
    );
    const text = JSON.stringify(publicConfig(config));
    expect(text).not.toContain('in-file-pw');
    expect(text).toContain('postgres://vigil:***@db.dev.internal/postgres');
    expect(config.checks[0].target.dsn).toBe('postgres://vigil:in-file-pw%21@db.dev.internal/postgres');
  });
});

describe('SecretValues with long and many values', () => {
  it('scrubs a secret of a megabyte, which no regular expression compiles', () => {
    const big = 'k'.repeat(1024 * 1024);
    const secrets = new SecretValues([big, TOKEN]);
    expect(secrets.scrub(`a${big}b${TOKEN}c`)).toBe('a***b***c');
    expect(secrets.contains(`x${big}`)).toBe(true);
  });

  it('scrubs each of 20,000 values, a longer one before a shorter one inside it', () => {
    const values = Array.from({ length: 20_000 }, (_, i) => `https://env${i}.example.com`);
    const secrets = new SecretValues([...values, 'env19999']);
    expect(secrets.scrub('to https://env19999.example.com/x and env19999 and https://env5.example.com')).toBe('to ***/x and *** and ***');
  });
});
