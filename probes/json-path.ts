// A tiny JSONPath subset for health and http checks: `$`, `.name`, `['quoted name']`, `["x"]`, `[0]`.

/** The value found at a path, or `found: false` when a step is missing. */
export type JsonPathLookup = { readonly found: true; readonly value: unknown } | { readonly found: false };

const STEP = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]/y;

/** Splits `$.a.b[0]['c d']` into `['a', 'b', 0, 'c d']`; throws on a malformed path (a config bug). */
export function parseJsonPath(path: string): ReadonlyArray<string | number> {
  if (!path.startsWith('$')) throw new Error(`JSON path "${path}" must start with $`);
  const steps: Array<string | number> = [];
  STEP.lastIndex = 1;
  while (STEP.lastIndex < path.length) {
    const at = STEP.lastIndex;
    const m = STEP.exec(path);
    if (!m) throw new Error(`JSON path "${path}" is malformed at character ${at + 1}`);
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(Number(m[2]));
    else steps.push((m[3] ?? m[4]).replace(/\\(.)/g, '$1'));
  }
  return steps;
}

/** Looks a path up in parsed JSON without throwing for missing steps. */
export function lookupJsonPath(document: unknown, path: string): JsonPathLookup {
  let value: unknown = document;
  for (const step of parseJsonPath(path)) {
    if (value === null || typeof value !== 'object') return { found: false };
    const missing =
      typeof step === 'number' ? !Array.isArray(value) || step >= value.length : Array.isArray(value) || !Object.hasOwn(value, step);
    if (missing) {
      return { found: false };
    }
    value = (value as Record<string | number, unknown>)[step];
  }
  return { found: true, value };
}

/** Renders a JSON value for an error message, shortened: `"degraded"`, `42`, `{"a":1,…}`. */
export function showJson(value: unknown, max = 60): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A zod-friendly check: null when `path` parses, else the reason. */
export function jsonPathProblem(path: string): string | null {
  try {
    parseJsonPath(path);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** A parsed JSON body, or why it is not JSON in words that quote none of it. */
export type ParsedJson = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/**
 * JSON.parse without its habit of quoting the input: V8 says `Unexpected token 'B', "Bearer Tok"... is
 * not valid JSON`, and a body that echoes a request header would leak the start of a secret that way.
 */
export function parseJsonBody(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: message.replace(/"(?:[^"\\]|\\.)*"(?:\.\.\.)?/g, '…') };
  }
}

/** The start of a body for a message, with secrets scrubbed before it is cut (a cut secret would not match). */
export function bodyStart(text: string, scrub: (text: string) => string, max = 40): string {
  return showJson(scrub(text.slice(0, max + 4096)).slice(0, max));
}
