import { describe, expect, it } from 'vitest';
import { healthSchema } from '../../probes/health.js';
import { httpSchema } from '../../probes/http.js';
import { lookupJsonPath, parseJsonPath } from '../../probes/json-path.js';

describe('json paths', () => {
  it.each([
    { path: '$', steps: [] },
    { path: '$.a.b[0]', steps: ['a', 'b', 0] },
    { path: `$['a b']["c\\"d"].e`, steps: ['a b', 'c"d', 'e'] },
    { path: '$.db-primary.lag', steps: ['db-primary', 'lag'] },
  ])('parses $path', ({ path, steps }) => {
    expect(parseJsonPath(path)).toEqual(steps);
  });

  it.each(['a.b', '$.', '$[x]', '$..a'])('refuses the malformed path %s', (path) => {
    expect(() => parseJsonPath(path)).toThrow(/JSON path/);
  });

  it('looks values up and says when a step is missing', () => {
    const doc = { a: { b: [10, { c: null }] } };
    expect(lookupJsonPath(doc, '$.a.b[0]')).toEqual({ found: true, value: 10 });
    expect(lookupJsonPath(doc, '$.a.b[1].c')).toEqual({ found: true, value: null });
    expect(lookupJsonPath(doc, '$.a.b[2]')).toEqual({ found: false });
    expect(lookupJsonPath(doc, '$.a.x.y')).toEqual({ found: false });
    expect(lookupJsonPath(doc, '$.a.b.length')).toEqual({ found: false });
  });

  it('refuses a malformed path when the config is validated, not when the check runs', () => {
    const http = httpSchema.safeParse({ url: 'http://x/', expect: { json: [{ path: '$..status', equals: 'ok' }] } });
    expect(http.success).toBe(false);
    expect(http.error?.issues[0]).toMatchObject({ path: ['expect', 'json', 0, 'path'] });
    expect(http.error?.issues[0].message).toMatch(/^JSON path "\$\.\.status" is malformed at character 2/);
    const health = healthSchema.safeParse({ url: 'http://x/', metrics: [{ name: 'queue_depth', path: '$.q[x]' }] });
    expect(health.error?.issues[0]).toMatchObject({ path: ['metrics', 0, 'path'] });
  });
});
