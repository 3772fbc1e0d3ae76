// Property tests of the config loader ([X1] fuzzing): whatever text it is given — arbitrary YAML, the
// demo and example configs mutated, alias bombs, nesting 10,000+ deep, very long strings and keys — it
// returns a valid config or throws a ConfigError whose every problem has a message (and a line inside
// the file when it has one); never another exception, never a hang, never unbounded memory.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import { ConfigError } from '../../lib/errors.js';
import { builtinProbes } from '../../probes/index.js';
import { RunCounter, described, expectBoundedMemory, fuzzParams, mutate, mutation, nastyString, memoryNow, withinHangCap } from './fuzz.js';

const registry = builtinProbes();
const counter = new RunCounter();
afterAll(() => counter.print('config-loader'));

const DEMO = readFileSync(new URL('../../config/demo.yaml', import.meta.url), 'utf8');
const EXAMPLE = readFileSync(new URL('../../vigil.example.yaml', import.meta.url), 'utf8');
// What the demo's and the example's templates and `${VAR}`s take, so that unmutated they load.
const ENV = { DEMO_WEBHOOK_URL: 'http://127.0.0.1:9/webhook', DEMO_WEBHOOK_SECRET: 'whsec_fuzz', API_TOKEN_STAGING: 'a', API_TOKEN_PROD: 'b' };
const VARS = { demo_target: 'http://127.0.0.1:9', demo_dns: '127.0.0.1:53', demo_tls_port: '9443' };

type Outcome = 'valid' | 'refused';

/** Loads `text`; fails the property on anything but a config or a ConfigError with usable problems. */
async function load(target: string, text: string): Promise<Outcome> {
  counter.count(target);
  return withinHangCap(`loading ${text.length} characters`, () => {
    try {
      const config = loadConfigText(text, { file: 'vigil.yaml', env: ENV, vars: VARS, registry });
      expect(config.environments.length).toBeGreaterThan(0);
      return 'valid' as const;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String((error as Error)?.stack ?? error).slice(0, 500)}`);
      expect(error.problems.length).toBeGreaterThan(0);
      const lines = text.split('\n').length;
      for (const problem of error.problems) {
        expect(problem.file).toBe('vigil.yaml');
        expect(problem.message.trim()).not.toBe('');
        if (problem.line !== null) {
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.line).toBeLessThanOrEqual(lines + 1);
        }
      }
      return 'refused' as const;
    }
  });
}

// ---- arbitrary text --------------------------------------------------------------------------------

/** Text made of YAML's punctuation, indentation and a few words: it reaches the parser's odd corners. */
const yamlishText = fc
  .array(
    fc.oneof(
      fc.constantFrom('[', ']', '{', '}', ':', ': ', ',', '- ', '? ', '&a ', '*a', '&b ', '*b', '<<: ', '!!str ', '!!map ', '!!omap ', '!!set ', '!!binary ', '!foo ', '|', '>', '"', "'", '#', '%YAML 1.2\n', '---\n', '...\n', '\n', '\n  ', '\n    ', '\t', ' '),
      fc.constantFrom('environments', 'services', 'checks', 'http', 'url', 'every', 'dev', 'prod', '~', 'null', 'true', '.nan', '-.inf', '1e400', '0x1F', '99999999999999999999', '5s', '__proto__', 'x-a'),
      nastyString(8),
    ),
    { maxLength: 120 },
  )
  .map((parts) => parts.join(''));

// ---- mutated real configs --------------------------------------------------------------------------

/** Text-level edits the data model cannot express: a repeated line (a duplicate key), an anchor, a cut. */
type TextEdit = { kind: 'repeat-line' | 'delete-line' | 'truncate' | 'insert' | 'anchor'; at: number; text: string };

const textEdit: fc.Arbitrary<TextEdit> = fc.record({
  kind: fc.constantFrom('repeat-line', 'delete-line', 'truncate', 'insert', 'anchor'),
  at: fc.nat(),
  text: fc.oneof(nastyString(10), fc.constantFrom('&x ', '*x', '<<: *x', '[', '{', '"', "'", ': ', '\t', '  ', '- ', '\n')),
});

function editText(text: string, edit: TextEdit): string {
  const lines = text.split('\n');
  const i = edit.at % lines.length;
  switch (edit.kind) {
    case 'repeat-line':
      return [...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)].join('\n');
    case 'delete-line':
      return [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n');
    case 'truncate':
      return text.slice(0, edit.at % (text.length + 1));
    case 'insert': {
      const at = edit.at % (text.length + 1);
      return text.slice(0, at) + edit.text + text.slice(at);
    }
    case 'anchor':
      // An anchor on one value and an alias to it in place of another (before or after it).
      return lines.map((line, n) => (n === i ? line.replace(/: (\S)/, ': &x $1') : n === (i * 7 + 3) % lines.length ? line.replace(/: \S.*$/, ': *x') : line)).join('\n');
  }
}

const SOURCES = { demo: DEMO, example: EXAMPLE };
const sourceName = fc.constantFrom<keyof typeof SOURCES>('demo', 'example');

// ---- alias bombs, nesting, long strings --------------------------------------------------------------

/** A billion-laughs document: `levels` anchors, each a list of `width` aliases of the one before. */
const aliasBomb = fc.record({ width: fc.integer({ min: 2, max: 40 }), levels: fc.integer({ min: 2, max: 14 }), style: fc.constantFrom('flow', 'block', 'merge') }).map(({ width, levels, style }) => {
  const lines = ['environments: [dev]', 'services: {}', 'x-l0: &l0 ["lol", "lol"]'];
  for (let level = 1; level <= levels; level++) {
    const uses = Array.from({ length: width }, (_, i) => (style === 'merge' ? `k${i}: *l${level - 1}` : `*l${level - 1}`));
    if (style === 'block') lines.push(`x-l${level}: &l${level}`, ...uses.map((use) => `  - ${use}`));
    else if (style === 'merge') lines.push(`x-l${level}: &l${level} { ${uses.join(', ')} }`);
    else lines.push(`x-l${level}: &l${level} [${uses.join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
});

/** Nesting of 10,000 to 60,000 levels: flow or block, lists or mappings or both, closed or not, anywhere. */
const deepNesting = fc
  .record({
    depth: fc.integer({ min: 10_000, max: 60_000 }),
    style: fc.constantFrom('flow-seq', 'flow-map', 'flow-mixed', 'block-seq', 'block-map'),
    closed: fc.boolean(),
    under: fc.constantFrom('x-deep', 'services', 'rules', 'notify', 'environments'),
  })
  .map(({ depth, style, closed, under }) => described({ text: deepText(depth, style, closed, under) }, `${style} nested ${depth} deep under ${under}${closed ? '' : ', not closed'}`));

function deepText(depth: number, style: string, closed: boolean, under: string): string {
  const head = `environments: [dev]\n${under === 'services' ? '' : 'services: {}\n'}`;
  const key = under === 'environments' ? 'x-env' : under;
  switch (style) {
    case 'flow-seq':
      return `${head}${key}: ${'['.repeat(depth)}${closed ? ']'.repeat(depth) : ''}\n`;
    case 'flow-map':
      return `${head}${key}: ${'{a: '.repeat(depth)}1${closed ? '}'.repeat(depth) : ''}\n`;
    case 'flow-mixed':
      return `${head}${key}: ${'[{a: '.repeat(depth)}1${closed ? '}]'.repeat(depth) : ''}\n`;
    case 'block-seq':
      return `${head}${key}:\n${'- '.repeat(depth)}x\n`;
    case 'block-map':
      // Indentation makes block mappings quadratic in size: as deep as fits in the size limit.
      return `${head}${key}:\n${Array.from({ length: 1_400 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} 1\n`;
  }
  return '';
}

/** One very long string or key (up to most of the 1 MiB limit) in a real place of a config. */
const longText = fc
  .record({ length: fc.integer({ min: 1_000, max: 900_000 }), where: fc.constantFrom('key', 'service', 'url', 'owner', 'comment', 'quoted-key'), char: fc.constantFrom('a', 'é', '😀', ' ', '\\') })
  .map(({ length, where, char }) => described({ text: longTextOf(length, where, char) }, `${length} bytes of ${JSON.stringify(char)} as ${where}`));

function longTextOf(length: number, where: string, char: string): string {
  const long = char.repeat(Math.max(1, Math.floor(length / Buffer.byteLength(char))));
  const head = 'environments: [dev]\n';
  switch (where) {
    case 'key':
      return `${head}services: {}\n${long}: 1\n`;
    case 'quoted-key':
      return `${head}services: {}\n${JSON.stringify(long)}: 1\n`;
    case 'service':
      return `${head}services:\n  ${JSON.stringify(long)}: {}\n`;
    case 'url':
      return `${head}services:\n  api:\n    checks:\n      - http: { url: ${JSON.stringify(`https://example.com/${long}`)} }\n`;
    case 'owner':
      return `${head}services:\n  api: { owner: ${JSON.stringify(long)} }\n`;
    default:
      return `${head}services: {}\n# ${long}\n`;
  }
}

// The cap on each input is HANG_MS; a property's time is its inputs' on a busy machine.
describe('the config loader under fuzzing', { timeout: 300_000 }, () => {
  const memoryBefore = memoryNow();
  afterAll(() => expectBoundedMemory('config-loader', memoryBefore));

  it('loads the unmutated demo and example configs (the seeds of the mutations)', async () => {
    expect(await load('seeds', DEMO)).toBe('valid');
    expect(await load('seeds', EXAMPLE)).toBe('valid');
  });

  it('answers arbitrary YAML-ish text with a config or a ConfigError', async () => {
    await fc.assert(fc.asyncProperty(yamlishText, (text) => load('yaml-text', text).then(() => undefined)), fuzzParams(0x10ad01, 300));
  });

  it('answers arbitrary unicode and binary text with a config or a ConfigError', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 400 }), (text) => load('binary-text', text).then(() => undefined)), fuzzParams(0x10ad02, 150));
  });

  it('answers the demo and example configs with their data mutated', async () => {
    const data = { demo: parseYaml(DEMO, { merge: true }), example: parseYaml(EXAMPLE, { merge: true }) };
    await fc.assert(
      fc.asyncProperty(sourceName, fc.array(mutation, { minLength: 1, maxLength: 4 }), async (name, mutations) => {
        const mutated = mutations.reduce<unknown>((value, m) => mutate(value, m), data[name]);
        await load('mutated-data', stringifyYaml(mutated, { aliasDuplicateObjects: false }));
      }),
      fuzzParams(0x10ad03, 80),
    );
  });

  it('answers the demo and example configs with their text edited (duplicate keys, anchors, cuts)', async () => {
    await fc.assert(
      fc.asyncProperty(sourceName, fc.array(textEdit, { minLength: 1, maxLength: 3 }), async (name, edits) => {
        await load('mutated-text', edits.reduce((text, edit) => editText(text, edit), SOURCES[name]));
      }),
      fuzzParams(0x10ad04, 80),
    );
  });

  it('refuses alias bombs, or loads the ones that expand to a small document', async () => {
    await fc.assert(
      fc.asyncProperty(aliasBomb, async (text) => {
        await load('alias-bomb', text);
      }),
      fuzzParams(0x10ad05, 30),
    );
  });

  it('refuses nesting 10,000+ levels deep, saying so', async () => {
    await fc.assert(
      fc.asyncProperty(deepNesting, async ({ text }) => {
        expect(await load('deep-nesting', text)).toBe('refused');
      }),
      fuzzParams(0x10ad06, 20),
    );
  });

  it('answers very long strings and keys', async () => {
    await fc.assert(
      fc.asyncProperty(longText, async ({ text }) => {
        await load('long-text', text);
      }),
      fuzzParams(0x10ad07, 20),
    );
  });
});
