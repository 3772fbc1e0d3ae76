import { describe, expect, it } from 'vitest';
import { interpolateSecrets, renderTemplate, templateVars } from '../../config/interpolate.js';
import { suggest } from '../../config/issues.js';

describe('templates', () => {
  it.each([
    { name: 'env and ENV', text: '{{env}}:{{ENV}}', env: 'prod-eu', out: 'prod-eu:PROD_EU', unknown: [] },
    { name: 'spaces inside braces', text: '{{ service }}', env: 'dev', out: 'api', unknown: [] },
    { name: 'an unknown name is kept and reported', text: 'a{{x}}b', env: 'dev', out: 'a{{x}}b', unknown: ['x'] },
    { name: 'single braces are text', text: '{env} ${X}', env: 'dev', out: '{env} ${X}', unknown: [] },
  ])('$name', ({ text, env, out, unknown }) => {
    expect(renderTemplate(text, templateVars(env, 'api'))).toEqual({ text: out, unknown });
  });

  it('knows {{check}} only when given one', () => {
    expect(templateVars('dev', 'api')).not.toHaveProperty('check');
    expect(templateVars('dev', 'api', {}, 'pg').check).toBe('pg');
  });

  it('does not let caller vars replace the built-in ones', () => {
    expect(templateVars('dev', 'api', { env: 'x', extra: 'y' })).toMatchObject({ env: 'dev', extra: 'y' });
  });
});

describe('secrets', () => {
  const env = { USER: 'alice', PW: 'pa:ss@word', EMPTY: '' };
  it.each([
    { name: 'a variable', text: 'u=${USER}', value: 'u=alice', redacted: 'u=***', missing: [], invalid: [] },
    { name: 'inside a URL', text: 'https://${USER}:${PW}@host', value: 'https://alice:pa:ss@word@host', redacted: 'https://***:***@host', missing: [], invalid: [] },
    { name: 'a default when unset', text: '${NOPE:-x}', value: 'x', redacted: '***', missing: [], invalid: [] },
    { name: 'a default when empty', text: '${EMPTY:-x}', value: 'x', redacted: '***', missing: [], invalid: [] },
    { name: 'an empty default', text: 'a${NOPE:-}b', value: 'ab', redacted: 'a***b', missing: [], invalid: [] },
    { name: 'an empty value without default is set', text: 'a${EMPTY}b', value: 'ab', redacted: 'a***b', missing: [], invalid: [] },
    { name: 'a missing variable', text: '${NOPE}/${USER}', value: '/alice', redacted: '/***', missing: ['NOPE'], invalid: [] },
    { name: '$${ escapes', text: '$${USER} ${USER}', value: '${USER} alice', redacted: '${USER} ***', missing: [], invalid: [] },
    { name: 'a lone $ is text', text: 'cost: $5 $', value: 'cost: $5 $', redacted: 'cost: $5 $', missing: [], invalid: [] },
    { name: 'a malformed name', text: '${a-b}', value: '', redacted: '', missing: [], invalid: ['${a-b}'] },
    { name: 'an unterminated reference', text: 'x${USER', value: 'x', redacted: 'x', missing: [], invalid: ['${USER'] },
  ])('$name', ({ text, value, redacted, missing, invalid }) => {
    const result = interpolateSecrets(text, env);
    expect(result).toMatchObject({ value, redacted, missing, invalid });
  });
});

describe('did you mean', () => {
  it.each([
    { word: 'timout', candidates: ['name', 'every', 'timeout'], expected: 'timeout' },
    { word: 'htp', candidates: ['http', 'tcp', 'health'], expected: 'http' },
    { word: 'evrey', candidates: ['name', 'every', 'timeout'], expected: 'every' },
    { word: 'colour', candidates: ['environments', 'services'], expected: null },
    { word: 'x', candidates: ['tcp'], expected: null },
  ])('$word → $expected', ({ word, candidates, expected }) => {
    expect(suggest(word, candidates)).toBe(expected);
  });
});

describe('long strings', () => {
  const MB10 = 10 * 1024 * 1024;

  it('interpolates a 10 MB string in one pass', () => {
    // A lone `$` every kilobyte, so the scan cannot skip the text in one step.
    const chunk = `${'x'.repeat(1022)}$ `;
    const text = `${chunk.repeat(MB10 / 1024)}\${USER}`;
    const result = interpolateSecrets(text, { USER: 'alice' });
    expect(result.value).toHaveLength(MB10 + 'alice'.length);
    expect(result.value.endsWith(`${chunk}alice`)).toBe(true);
    expect(result.redacted.endsWith(`${chunk}***`)).toBe(true);
  });

  it('interpolates 100,000 references in one string', () => {
    const result = interpolateSecrets('${A}-'.repeat(100_000), { A: 'aa' });
    expect(result.value).toBe('aa-'.repeat(100_000));
    expect(result.secrets).toHaveLength(100_000);
  });

  it('renders templates in a 10 MB string', () => {
    const text = `${'y'.repeat(MB10)}{{env}}`;
    expect(renderTemplate(text, templateVars('dev', 'api')).text).toHaveLength(MB10 + 3);
  });

  it('gives up on an unclosed {{ in a megabyte of spaces', () => {
    const text = `{{${' '.repeat(1024 * 1024)}`;
    expect(renderTemplate(text, templateVars('dev', 'api'))).toEqual({ text, unknown: [] });
  });

  it('stops at maxLength and says so', () => {
    expect(interpolateSecrets('${BIG}${BIG}', { BIG: 'b'.repeat(600) }, 1000)).toMatchObject({ tooLong: true });
    expect(interpolateSecrets('${BIG}', { BIG: 'b'.repeat(600) }, 1000)).not.toHaveProperty('tooLong');
    expect(renderTemplate('{{env}}'.repeat(10), { env: 'e'.repeat(200) }, 1000)).toMatchObject({ tooLong: true });
  });

  it('finds a close word among many candidates and none for a very long one', () => {
    const candidates = Array.from({ length: 10_000 }, (_, i) => `env-${i}`);
    expect(suggest('env-9999x', candidates)).toBe('env-9999');
    expect(suggest('e'.repeat(100_000), candidates)).toBeNull();
  });
});
