import { describe, expect, it } from 'vitest';
import { flatString } from '../../lib/flat-string.js';

describe('flatString', () => {
  it('gives back the same characters, whatever they are', () => {
    const texts = ['', 'prod/svc-1/http', '{"check":"http","env":"prod"}', 'a "quoted"\\ value\nwith a line feed', 'é€😀', '\ud800 lone high', 'lone low \udc00', '\u0000\u001f\u2028'];
    for (const text of texts) {
      const built = `${text.slice(0, 3)}${text.slice(3)}`;
      expect(flatString(built)).toBe(text);
    }
  });
});
