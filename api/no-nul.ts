// NUL characters (U+0000) are refused at the API's edge, in a path, a query string or a JSON body,
// with a 400 naming where: PostgreSQL's text type cannot hold one (a filter or a note carrying it was
// a 500 on that engine, "invalid byte sequence for encoding UTF8: 0x00", while SQLite stored it), and
// no name, note or filter in Vigil has a use for one. Both engines answer the same.
import { BadRequestError } from '../lib/errors.js';

const NUL = '\u0000';

/** Refuses a request whose path or query (decoded) holds a NUL character. */
export function refuseNulInUrl(url: string): void {
  // Node's HTTP parser refuses a raw control character in the request line, so a NUL comes as %00:
  // without one, every API request skips parsing its URL again.
  if (!url.includes('%00')) return;
  const parsed = new URL(url);
  if (parsed.pathname.includes('%00')) throw new BadRequestError('the path contains a NUL character (%00)');
  for (const [name, value] of parsed.searchParams) {
    if (name.includes(NUL) || value.includes(NUL)) throw new BadRequestError(`the query parameter "${name.replaceAll(NUL, '\\0').slice(0, 100)}" contains a NUL character (%00)`);
  }
}

/** Refuses a parsed JSON body with a NUL character in any string or key, naming its path. */
export function refuseNulInJson(value: unknown): void {
  const at = nulPath(value, 'body', 0);
  if (at !== null) throw new BadRequestError(`${at}: contains a NUL character (\\u0000)`);
}

/** The path of the first string or key holding a NUL, or null (past 200 levels the route schema refuses the nesting anyway). */
function nulPath(value: unknown, path: string, depth: number): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (typeof value !== 'object' || value === null || depth > 200) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}.${i}`, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes(NUL)) return `${path} (a key)`;
    const found = nulPath(item, `${path}.${key}`, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
