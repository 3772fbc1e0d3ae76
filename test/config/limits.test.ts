// Inputs that once took seconds, gigabytes, a stack overflow or forever to load: each is now a located
// ConfigError naming its bound. The big inputs are generated here; no test asserts a time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../../lib/errors.js';
import { builtinProbes } from '../../probes/index.js';
import { loadConfigFile, loadConfigText } from '../../config/load.js';

const registry = builtinProbes();
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

function rejection(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw new Error(`expected a ConfigError, got ${String(error).slice(0, 200)}`);
  }
  throw new Error('expected the config to be rejected');
}

/** The formatted problems loading `text` reports. */
function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  return rejection(() => loadConfigText(text, { file: 'vigil.yaml', env, registry })).problems.map(formatProblem);
}

describe('YAML aliases', () => {
  it('refuses an alias bomb', () => {
    const lines = ['environments: [dev]', 'services: {}', 'x-a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    let previous = 'a';
    for (let level = 0; level < 9; level++) {
      lines.push(`x-b${level}: &b${level} [${Array(10).fill(`*${previous}`).join(', ')}]`);
      previous = `b${level}`;
    }
    expect(problemsOf(yaml(...lines))).toEqual([
      'vigil.yaml: the YAML aliases expand too far (an anchor used more than 10,000 times, counting the aliases inside it); refusing what looks like an alias bomb',
    ]);
  });

  it.each([
    {
      name: 'an alias inside the list it names',
      lines: ['environments: [dev]', 'services:', '  api:', '    checks:', '      - http: &loop { url: "https://example.com", headers: *loop }'],
      problem: 'vigil.yaml:5: invalid YAML: alias *loop is inside the node anchored &loop, so it would never end',
    },
    {
      name: 'a merge of the mapping that holds it',
      lines: ['environments: [dev]', 'services:', '  api:', '    checks:', '      - tcp: &self { <<: *self, host: a, port: 1 }'],
      problem: 'vigil.yaml:5: invalid YAML: alias *self is inside the node anchored &self, so it would never end',
    },
    {
      name: 'an alias to no anchor',
      lines: ['environments: [dev]', 'services:', '  api:', '    checks:', '      - tcp: { <<: *nowhere, host: a, port: 1 }'],
      problem: 'vigil.yaml:5: invalid YAML: alias *nowhere has no anchor &nowhere before it',
    },
    {
      name: 'a merge of something that is not a mapping',
      lines: ['environments: [dev]', 'x-host: &host db', 'services:', '  api:', '    checks:', '      - tcp: { <<: *host, port: 1 }'],
      problem: 'vigil.yaml:6: invalid YAML: a merge key << takes a mapping, an alias of one, or a list of those',
    },
  ])('refuses $name, with its line', ({ lines, problem }) => {
    expect(problemsOf(yaml(...lines))).toEqual([problem]);
  });

  it('refuses more anchors and aliases than it resolves quickly', () => {
    const lines = ['environments: [dev]', 'services: {}', 'x-many:'];
    for (let i = 0; i < 6_000; i++) lines.push(`  - &a${i} x`, `  - *a${i}`);
    const problems = problemsOf(yaml(...lines));
    expect(problems).toEqual([expect.stringMatching(/^vigil\.yaml:\d+: the file has more than 10,000 YAML anchors and aliases$/)]);
  });

  it('refuses a document that aliases make too large', () => {
    const items = Array.from({ length: 2_000 }, (_, i) => `v${i}`).join(', ');
    const uses = Array.from({ length: 1_000 }, () => '*big').join(', ');
    expect(problemsOf(yaml('environments: [dev]', 'services: {}', `x-big: &big [${items}]`, `x-uses: [${uses}]`))).toEqual([
      'vigil.yaml: the config is too large with its YAML aliases expanded: more than 1,000,000 values',
    ]);
  });

  it('still shares settings through aliases used many times', () => {
    const checks = Array.from({ length: 3_000 }, (_, i) => `      - tcp: { <<: *fast, name: c${i}, host: h${i}, port: 1 }`);
    const config = loadConfigText(yaml('environments: [dev]', 'x-fast: &fast { every: 5s, timeout: 1s }', 'services:', '  api:', '    checks:', ...checks), {
      file: 'vigil.yaml',
      env: {},
      registry,
    });
    expect(config.checks).toHaveLength(3_000);
    expect(config.checks[2_999]).toMatchObject({ id: 'dev/api/c2999', everyMs: 5_000, timeoutMs: 1_000 });
  });
});

describe('large documents', () => {
  it('finds a duplicate key among 60,000 keys of one mapping', () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => `  k${i}: ${i}`);
    expect(problemsOf(yaml('environments: [dev]', 'services: {}', 'x-keys:', ...keys, '  k5: again'))).toEqual([
      'vigil.yaml:60004: invalid YAML: Map keys must be unique',
    ]);
  });

  it('says a file nested too deeply is so', () => {
    const problems = problemsOf(`environments: [dev]\nservices: {}\nx-deep: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`);
    expect(problems).toEqual(['vigil.yaml:3: invalid YAML: nested more than 100 levels deep']);
  });

  // Found by test/fuzz/config-loader.test.ts: 400,000 `[` took 16 s and ~600 MB before yaml's stack overflowed.
  it.each([
    ['a flow list', `x-deep: ${'['.repeat(400_000)}`, 3],
    ['a flow mapping', `x-deep: ${'{a: '.repeat(200_000)}`, 3],
    ['a block list', `x-deep:\n${'- '.repeat(400_000)}x`, 4],
  ])('refuses %s nested past 100 levels at the first level too deep, with its line', (_name, deep, line) => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    expect(problemsOf(`environments: [dev]\nservices: {}\n${deep}\n`)).toEqual([`vigil.yaml:${line}: invalid YAML: nested more than 100 levels deep`]);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('loads nesting of 100 levels', () => {
    const config = loadConfigText(`environments: [dev]\nservices: {}\nx-deep: ${'['.repeat(98)}${']'.repeat(98)}\n`, { file: 'vigil.yaml', env: {}, registry });
    expect(config.environments).toEqual(['dev']);
  });

  // Each did-you-mean is an edit distance per known key: past the 100 problems shown none is computed.
  it('reports 20,000 unknown keys as the first 100 with their did-you-mean and a count', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `servicez${i}: 1`);
    const problems = problemsOf(yaml('environments: [dev]', 'services: {}', ...keys));
    expect(problems).toHaveLength(101);
    expect(problems[0]).toBe('vigil.yaml:3 servicez0: unknown key "servicez0" (did you mean "services"?)');
    expect(problems[99]).toBe('vigil.yaml:102 servicez99: unknown key "servicez99" (did you mean "services"?)');
    expect(problems[100]).toBe('vigil.yaml: and 19,900 more problems not shown; fix these first');
  });

  it('refuses text over 1 MiB', () => {
    const text = yaml('environments: [dev]', 'services:', '  api:', '    checks:', `      - http: { url: "https://example.com/${'a'.repeat(10 * 1024 * 1024)}" }`);
    expect(problemsOf(text)).toEqual(['vigil.yaml: the config is 10.0 MiB; a config may be at most 1 MiB']);
  });

  it('expands a string of most of a megabyte in every environment', () => {
    const long = 'a'.repeat(900_000);
    const config = loadConfigText(
      yaml('environments: [dev, staging, prod]', 'services:', '  api:', '    checks:', `      - http: { url: "https://{{env}}.example.com/${long}\${P}" }`),
      { file: 'vigil.yaml', env: { P: '?x=1' }, registry },
    );
    expect(config.checks.map((c) => c.target.url)).toEqual(
      ['dev', 'staging', 'prod'].map((env) => `https://${env}.example.com/${long}?x=1`),
    );
  });
});

describe('expansion', () => {
  it('refuses a config expanding to more checks than the cap, naming both', () => {
    const environments = Array.from({ length: 200 }, (_, i) => `e${i}`).join(', ');
    const checks = Array.from({ length: 3_000 }, (_, i) => `      - tcp: { name: c${i}, host: h, port: 1 }`);
    expect(problemsOf(yaml(`environments: [${environments}]`, 'services:', '  api:', '    checks:', ...checks))).toEqual([
      "vigil.yaml:2 services: the config expands to 600,000 checks (each service's checks times its environments); at most 100,000 are allowed",
    ]);
  });

  it('refuses checks expanding to more values than the cap', () => {
    const environments = Array.from({ length: 1_000 }, (_, i) => `e${i}`).join(', ');
    const headers = Array.from({ length: 1_500 }, (_, i) => `H${i}: v`).join(', ');
    expect(problemsOf(yaml(`environments: [${environments}]`, 'services:', '  api:', '    checks:', `      - http: { url: "https://example.com", headers: { ${headers} } }`))).toEqual([
      'vigil.yaml:2 services: the checks expand to 1,503,000 values across their environments; at most 1,000,000 are allowed',
    ]);
  });

  it('refuses checks whose environment values make them too long', () => {
    const refs = Array.from({ length: 100 }, () => '${BIG}').join('');
    const problems = problemsOf(yaml('environments: [dev]', 'services:', '  api:', '    checks:', `      - http: { url: "https://example.com/${refs}" }`), {
      BIG: 'b'.repeat(1024 * 1024),
    });
    expect(problems).toEqual(['vigil.yaml:2 services: the checks expand to more than 67,108,864 characters of text across their environments']);
  });
});

describe('environments and problems', () => {
  it('refuses more environments than the cap', () => {
    const environments = Array.from({ length: 3_000 }, (_, i) => `env-${i}`).join(', ');
    const unknown = Array.from({ length: 3_000 }, (_, i) => `nev-${i}`).join(', ');
    expect(problemsOf(yaml(`environments: [${environments}]`, 'services:', '  api:', `    environments: [${unknown}]`))).toEqual([
      'vigil.yaml:1 environments: 3,000 environments; at most 1,000 are allowed',
    ]);
  });

  it('reports a service listing 3,000 unknown environments as one problem', () => {
    const unknown = Array.from({ length: 3_000 }, (_, i) => `nev-${i}`).join(', ');
    expect(problemsOf(yaml('environments: [dev, prod]', 'services:', '  api:', `    environments: [${unknown}]`))).toEqual([
      'vigil.yaml:4 services.api.environments: expected at most 1,000 environments',
    ]);
  });

  it('shows the first 100 problems and counts the rest', () => {
    const environments = Array.from({ length: 900 }, (_, i) => `env-${i}`).join(', ');
    const unknown = Array.from({ length: 500 }, (_, i) => `nev-${i}`).join(', ');
    const problems = problemsOf(yaml(`environments: [${environments}]`, 'services:', '  api:', `    environments: [${unknown}]`));
    expect(problems).toHaveLength(101);
    expect(problems[0]).toBe(
      'vigil.yaml:4 services.api.environments[0]: unknown environment "nev-0" (did you mean "env-0"?); ' +
        'environments are env-0, env-1, env-2, env-3, env-4, env-5, env-6, env-7, env-8, env-9 and 890 more',
    );
    expect(problems[100]).toBe('vigil.yaml: and 400 more problems not shown; fix these first');
  });

  it('refuses more services than the cap', () => {
    const services = Array.from({ length: 2_500 }, (_, i) => `  s${i}: {}`);
    expect(problemsOf(yaml('environments: [dev]', 'services:', ...services))).toEqual([
      'vigil.yaml:2 services: 2,500 services; at most 2,000 are allowed',
    ]);
  });
});

describe('config files that are not small regular files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-config-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const load = (file: string) => rejection(() => loadConfigFile(file, { env: {}, registry })).problems;

  it('refuses a device like /dev/zero without reading it', () => {
    expect(load('/dev/zero')).toEqual([
      { file: '/dev/zero', line: null, path: '', message: 'cannot read the config file: it is not a regular file (a device, pipe or socket)' },
    ]);
  });

  it('refuses a named pipe without waiting for a writer', () => {
    const fifo = path.join(dir, 'vigil.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(load(fifo)).toEqual([
      { file: fifo, line: null, path: '', message: 'cannot read the config file: it is not a regular file (a device, pipe or socket)' },
    ]);
  });

  it('refuses a file over 1 MiB without reading it', () => {
    const big = path.join(dir, 'big.yaml');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 64 * 1024 * 1024);
    expect(load(big)).toEqual([{ file: big, line: null, path: '', message: 'the config is 64 MiB; a config may be at most 1 MiB' }]);
  });

  it('says a directory is one', () => {
    expect(load(dir)).toEqual([{ file: dir, line: null, path: '', message: 'cannot read the config file: it is a directory' }]);
  });

  it('reads a regular file up to the limit', () => {
    const file = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(file, yaml('environments: [dev]', 'services:', '  api:', '    checks:', `      - tcp: { host: "${'h'.repeat(1_000_000)}", port: 1 }`));
    const config = loadConfigFile(file, { env: {}, registry });
    expect(String(config.checks[0].target.host)).toHaveLength(1_000_000);
  });
});
