import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinProbes } from '../../probes/index.js';
import { loadConfigFile, loadConfigText } from '../../config/load.js';
import { DEFAULT_RETENTION } from '../../store/types.js';
import { publicConfig } from '../../config/public.js';
import type { VigilConfig } from '../../config/types.js';

const registry = builtinProbes();
const validFile = new URL('../fixtures/config/valid.yaml', import.meta.url).pathname;
const secrets = {
  API_URL_STAGING: 'https://api-staging.internal:8443',
  API_URL_PROD: 'https://api-prod.internal:8443',
  API_TOKEN: 'tok-9f8e7d6c5b4a',
  WEB_PASSWORD: 'hunter2-correct-horse',
};
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

function load(text: string, env: Record<string, string> = {}, vars?: Record<string, string>): VigilConfig {
  return loadConfigText(text, { file: 'vigil.yaml', env, vars, registry });
}

const check = (config: VigilConfig, id: string) => {
  const found = config.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${config.checks.map((c) => c.id).join(', ')}`);
  return found;
};

describe('loading a valid config', () => {
  const config = loadConfigFile(validFile, { env: secrets, registry });

  it('keeps the top-level settings', () => {
    expect(config.source).toBe(validFile);
    expect(config.environments).toEqual(['dev', 'staging', 'prod']);
    expect(config.scheduler).toEqual({ concurrency: 8, workers: 0 });
    expect(config.retention).toEqual({ rawMs: 3 * 86_400_000, oneMinuteMs: 30 * 86_400_000, oneHourMs: 31_536_000_000 });
    expect(config.services).toEqual([
      { name: 'api', owner: 'team-payments', description: 'Public REST API', environments: ['staging', 'prod'], sla: null },
      { name: 'web', owner: null, description: null, environments: ['dev', 'staging', 'prod'], sla: null },
    ]);
  });

  it('expands each service in its environments only, environment by environment', () => {
    expect(config.checks.map((c) => c.id)).toEqual([
      'dev/web/http',
      'dev/web/http-2',
      'dev/web/http-3',
      'staging/api/http',
      'staging/api/pg',
      'staging/api/health',
      'staging/web/http',
      'staging/web/http-2',
      'staging/web/http-3',
      'prod/api/http',
      'prod/api/pg',
      'prod/api/health',
      'prod/web/http',
      'prod/web/http-2',
      'prod/web/http-3',
    ]);
  });

  it('fills in the check, its target and its runbook', () => {
    expect(check(config, 'prod/api/http')).toEqual({
      id: 'prod/api/http',
      env: 'prod',
      service: 'api',
      name: 'http',
      kind: 'http',
      everyMs: 15_000,
      timeoutMs: 5_000,
      target: {
        url: 'https://prod.example.com/health/ready',
        method: 'GET',
        headers: {},
        follow_redirects: false,
        max_body_bytes: 1_048_576,
        expect: { status: 200, latency_under: 300 },
      },
      runbook: 'https://runbooks.example.com/api/http',
    });
    expect(check(config, 'staging/api/pg')).toMatchObject({
      kind: 'tcp',
      everyMs: 30_000,
      timeoutMs: 10_000,
      target: { host: 'db.staging.internal', port: 5432, tls: false },
      runbook: 'https://runbooks.example.com/api/pg',
    });
    expect(check(config, 'dev/web/http')).toMatchObject({ everyMs: 30_000, timeoutMs: 10_000, runbook: null });
    expect(check(config, 'dev/web/http-2').timeoutMs).toBe(60_000);
  });

  it('interpolates secrets after {{ENV}}, with defaults for unset variables', () => {
    expect(check(config, 'prod/api/health').target).toMatchObject({
      url: 'https://api-prod.internal:8443/health/ready',
      headers: { Authorization: 'Bearer tok-9f8e7d6c5b4a' },
      metrics: [{ name: 'queue_depth', path: '$.queues.exports.depth', labels: { queue: 'exports' } }],
    });
    expect(check(config, 'staging/api/health').target.url).toBe('https://api-staging.internal:8443/health/ready');
    expect(check(config, 'dev/web/http-2').target.url).toBe('https://user:hunter2-correct-horse@dev.example.com/admin');
    expect(check(config, 'dev/web/http-3').target.url).toBe('https://dev.example.com/status');
  });

  it('redacts every interpolated value in the public config', () => {
    const redacted = publicConfig(config);
    const shown = (id: string) => redacted.checks.find((c) => c.id === id)?.target;
    expect(shown('prod/api/health')).toMatchObject({ url: '***/health/ready', headers: { Authorization: 'Bearer ***' } });
    expect(shown('dev/web/http-2')?.url).toBe('https://user:***@dev.example.com/admin');
    // `${WEB_PATH:-status}` with WEB_PATH unset: the default is written in the file, so it is no secret,
    // and hiding it would hide that text everywhere (vigil.example.yaml defaults to a whole host name).
    expect(shown('dev/web/http-3')?.url).toBe('https://dev.example.com/status');
    expect(shown('prod/api/http')?.url).toBe('https://prod.example.com/health/ready');
    expect(redacted.server).toEqual({ port: 9090 });
  });

  it('never puts a secret value in the public config', () => {
    const text = JSON.stringify(publicConfig(config));
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
  });
});

describe('expansion per environment', () => {
  it.each([
    {
      name: '{{env}} is the environment name',
      template: 'https://{{env}}.example.com/',
      environments: '[dev, prod-eu]',
      urls: ['https://dev.example.com/', 'https://prod-eu.example.com/'],
    },
    {
      name: '{{ENV}} is upper case with - as _',
      template: 'https://example.com/${URL_{{ENV}}}',
      environments: '[dev, prod-eu]',
      urls: ['https://example.com/dev-path', 'https://example.com/eu-path'],
    },
    {
      name: '{{service}} is the service name',
      template: 'https://example.com/{{service}}/{{env}}',
      environments: '[dev]',
      urls: ['https://example.com/orders-api/dev'],
    },
    {
      name: 'caller vars, like the demo target',
      template: '{{demo_target}}/{{env}}/',
      environments: '[dev]',
      urls: ['http://127.0.0.1:41234/dev/'],
    },
    {
      name: '${VAR:-default} uses the default when unset or empty',
      template: 'https://example.com/${UNSET:-a}/${EMPTY:-b}/${URL_DEV:-c}',
      environments: '[dev]',
      urls: ['https://example.com/a/b/dev-path'],
    },
    {
      name: '$${ is a literal ${',
      template: 'https://example.com/?q=$${NOT_A_VAR}',
      environments: '[dev]',
      urls: ['https://example.com/?q=${NOT_A_VAR}'],
    },
  ])('$name', ({ template, environments, urls }) => {
    const config = load(
      yaml(`environments: ${environments}`, 'services:', '  orders-api:', '    checks:', `      - http: { url: "${template}" }`),
      { URL_DEV: 'dev-path', URL_PROD_EU: 'eu-path', EMPTY: '' },
      { demo_target: 'http://127.0.0.1:41234' },
    );
    expect(config.checks.map((c) => c.target.url)).toEqual(urls);
  });

  it('validates a URL only after expansion', () => {
    const config = load(yaml('environments: [dev]', 'services:', '  api:', '    checks:', '      - http: { url: "${BASE}/health" }'), {
      BASE: 'https://api.example.com',
    });
    expect(config.checks[0].target.url).toBe('https://api.example.com/health');
  });

  it('does not expand a secret value again', () => {
    const config = load(yaml('environments: [dev]', 'services:', '  api:', '    checks:', '      - http: { url: "https://example.com/${P}" }'), {
      P: '{{env}}${X}',
    });
    expect(config.checks[0].target.url).toBe('https://example.com/{{env}}${X}');
  });
});

describe('check names', () => {
  it.each([
    { name: 'the kind when alone', checks: ['- tcp: { host: a, port: 1 }'], ids: ['tcp'] },
    {
      name: 'kind, kind-2, kind-3 for repeats',
      checks: ['- http: { url: "https://a.example.com" }', '- tcp: { host: a, port: 1 }', '- http: { url: "https://b.example.com" }', '- http: { url: "https://c.example.com" }'],
      ids: ['http', 'tcp', 'http-2', 'http-3'],
    },
    {
      name: 'explicit names kept, unnamed ones counted apart',
      checks: ['- http: { name: home, url: "https://a.example.com" }', '- http: { url: "https://b.example.com" }'],
      ids: ['home', 'http'],
    },
  ])('$name', ({ checks, ids }) => {
    const config = load(yaml('environments: [dev]', 'services:', '  api:', '    checks:', ...checks.map((c) => `      ${c}`)));
    expect(config.checks.map((c) => c.name)).toEqual(ids);
    expect(config.checks.map((c) => c.id)).toEqual(ids.map((id) => `dev/api/${id}`));
  });
});

describe('defaults', () => {
  it('applies scheduler, retention and server defaults', () => {
    const config = load(yaml('environments: [dev]', 'services: {}'));
    expect(config.scheduler).toEqual({ concurrency: 64, workers: 0 });
    expect(config.retention).toEqual(DEFAULT_RETENTION);
    expect(config.checks).toEqual([]);
    expect(publicConfig(config).server).toEqual({ port: 8080 });
  });

  it('keeps the default for each retention not written', () => {
    const config = load(yaml('environments: [dev]', 'storage: { retention: { 1m: 30d } }', 'services: {}'));
    expect(config.retention).toEqual({ ...DEFAULT_RETENTION, oneMinuteMs: 30 * 86_400_000 });
  });

  it('shares settings through an x- anchor and a YAML merge key', () => {
    const config = load(
      yaml(
        'environments: [dev]',
        'x-fast: &fast { every: 5s, timeout: 1s }',
        'services:',
        '  api:',
        '    checks:',
        '      - tcp: { <<: *fast, host: a, port: 1 }',
        '      - tcp: { <<: *fast, host: b, port: 2, timeout: 2s }',
      ),
    );
    expect(config.checks.map((c) => [c.everyMs, c.timeoutMs])).toEqual([
      [5_000, 1_000],
      [5_000, 2_000],
    ]);
  });

  it('loads the example vigil.yaml', () => {
    const text = readFileSync(new URL('../../vigil.example.yaml', import.meta.url), 'utf8');
    const config = load(text, { API_TOKEN_STAGING: 'a', API_TOKEN_PROD: 'b' });
    expect(config.checks.length).toBe(5 * 2 + 3);
    expect(check(config, 'prod/api/health').target.url).toBe('https://prod.example.com/health/ready');
    expect(check(config, 'prod/api/queue_depth').target).toMatchObject({ bullmq: 'redis://cache.prod.internal:6379', queue: 'emails' });
  });
});

describe('storage', () => {
  it('names no store by default, so the server uses its embedded SQLite file', () => {
    expect(load(yaml('environments: [dev]', 'services: {}')).storage).toBeNull();
  });

  it('reads a PostgreSQL URL from the environment and keeps its password secret', () => {
    const config = load(yaml('environments: [dev]', 'storage: { postgres: "postgres://vigil:${PG_PASSWORD}@db.internal/vigil" }', 'services: {}'), {
      PG_PASSWORD: 'pg-s3cret-pw',
    });
    expect(config.storage).toBe('postgres://vigil:pg-s3cret-pw@db.internal/vigil');
    expect(config.secrets.scrub('connect to postgres://vigil:pg-s3cret-pw@db.internal/vigil failed')).toBe('connect to postgres://vigil:***@db.internal/vigil failed');
  });

  it.each([
    ['both engines', 'storage: { sqlite: ./v.db, postgres: "postgres://db/v" }', /vigil\.yaml:2 storage\.postgres: storage takes sqlite or postgres, not both/],
    ['a URL that is not PostgreSQL', 'storage: { postgres: "mysql://db/v" }', /vigil\.yaml:2 storage\.postgres: expected a postgres:\/\/user@host:5432\/database URL, got "mysql:\/\/db\/v"/],
    ['a variable that is not set', 'storage: { postgres: "${DATABASE_URL}" }', /vigil\.yaml:2 storage\.postgres: environment variable DATABASE_URL is not set/],
  ])('refuses %s with a located problem', (_name, line, message) => {
    expect(() => load(yaml('environments: [dev]', line, 'services: {}'))).toThrow(message);
  });
});
