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
