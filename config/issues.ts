// Turns zod issues into problems a person can act on: human messages, one problem per unknown key with
// a did-you-mean, unions flattened to the branch the user meant, and input shown only after redaction.
import type { z } from 'zod';
import { MAX_REPORTED_PROBLEMS } from './limits.js';

/** A segment of a path in the config document: a mapping key or a list index. */
export type PathSegment = string | number;

/** A problem before it is located in the file: `at: 'key'` points at the key's line, else the value's. */
export interface RawProblem {
  readonly path: readonly PathSegment[];
  readonly message: string;
  readonly at: 'value' | 'key';
}

export const DURATION_MESSAGE = 'expected a duration like "5s"';

/** Formats `['services', 'api', 'checks', 0, 'http']` as `services.api.checks[0].http`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${segment}` : segment;
  }
  return text;
}

/** The closest candidate to a mistyped word, or null when none is close enough to be a likely typo. */
export function suggest(word: string, candidates: readonly string[]): string | null {
  const allowed = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  const lowerWord = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = allowed + 1;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: skipping those keeps a long word or a long
    // candidate list from costing a full edit-distance table each.
    if (Math.abs(candidate.length - word.length) >= bestDistance) continue;
    const distance = editDistance(lowerWord, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `unknown key "timout" (did you mean "timeout"?)`. */
export function unknownKeyMessage(key: string, known: readonly string[], what = 'key'): string {
  const close = suggest(key, known);
  return close ? `unknown ${what} "${key}" (did you mean "${close}"?)` : `unknown ${what} "${key}"`;
}

function editDistance(a: string, b: string): number {
  // Optimal string alignment: a swap of two neighbours ("tiemout") counts as one edit. Three rows of
  // the table, not the whole of it: a config with thousands of unknown keys asks for one per key.
  let before = new Int32Array(b.length + 1);
  let previous = Int32Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, before[j - 2] + 1);
      current[j] = distance;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length];
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  array: 'a list',
  tuple: 'a list',
  null: 'null',
  undefined: 'nothing',
};

/** How a value the user wrote is shown in a message; strings pass through `redact` first. */
export function describeInput(input: unknown, redact: (text: string) => string): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'an empty value';
  if (typeof input === 'string') return JSON.stringify(redact(input));
  if (Array.isArray(input)) return 'a list';
  // What YAML's !!omap, !!set and !!binary tags make: not the plain mapping or list a config takes.
  if (input instanceof Map) return 'an ordered mapping (!!omap)';
  if (input instanceof Set) return 'a set (!!set)';
  if (input instanceof Uint8Array) return 'binary data (!!binary)';
  if (typeof input === 'object') return 'a mapping';
  return String(input);
}

function plural(count: number | bigint, word: string): string {
  return `${count} ${word}${Number(count) === 1 ? '' : 's'}`;
}

function boundMessage(iss: { origin: string; inclusive?: boolean }, bound: number | bigint, direction: 'least' | 'most'): string {
  const more = direction === 'least';
  switch (iss.origin) {
    case 'array':
    case 'set':
      return `expected at ${direction} ${plural(bound, 'item')}`;
    case 'string':
      if (more && Number(bound) === 1) return 'must not be empty';
      return `expected at ${direction} ${plural(bound, 'character')}`;
    default:
      if (iss.inclusive === false) return `expected a number ${more ? 'above' : 'below'} ${bound}`;
      return `expected at ${direction} ${bound}`;
  }
}

/**
 * A per-parse zod error map giving human messages to the issues a schema left without its own
 * message. Values the user wrote are shown through `redact`, so a secret never reaches a message.
 */
export function humanErrorMap(redact: (text: string) => string): z.core.$ZodErrorMap {
  // A did-you-mean costs an edit distance per known key; past the problems shown, none is worth it
  // (a file of 20,000 unknown keys spent most of a second on them).
  let suggestionsLeft = MAX_REPORTED_PROBLEMS;
  return (iss) => {
    const got = describeInput(iss.input, redact);
    switch (iss.code) {
      case 'invalid_type':
        return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${got}`;
      case 'invalid_value':
        return iss.values.length === 1
          ? `expected ${String(iss.values[0])}, got ${got}`
          : `expected one of ${iss.values.map(String).join(', ')}, got ${got}`;
      case 'too_small':
        return boundMessage(iss, iss.minimum, 'least');
      case 'too_big':
        return boundMessage(iss, iss.maximum, 'most');
      case 'invalid_format':
        if (iss.format === 'regex') return `expected text matching ${iss.pattern ?? 'the pattern'}, got ${got}`;
        if (iss.format === 'url') return `expected a URL, got ${got}`;
        return `expected a valid ${iss.format}, got ${got}`;
      case 'not_multiple_of':
        return `expected a multiple of ${iss.divisor}`;
      case 'unrecognized_keys': {
        // One line per key, split into one problem each by `issueToProblems` so each gets its own line.
        const shape = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
        const known = shape ? Object.keys(shape) : [];
        return iss.keys.map((key) => unknownKeyMessage(key, suggestionsLeft-- > 0 ? known : [])).join('\n');
      }
      case 'invalid_union': {
        const expected = iss.errors.flatMap((branch) =>
          branch.filter((b) => b.code === 'invalid_type' && b.path.length === 0).map((b) => (b.code === 'invalid_type' ? b.expected : '')),
        );
        const names = [...new Set(expected.map((e) => TYPE_NAMES[e] ?? e))];
        return names.length ? `expected ${names.join(' or ')}, got ${got}` : 'invalid value';
      }
      case 'invalid_key':
        return `invalid key ${got}`;
      case 'invalid_element':
        return `invalid element`;
      default:
        return undefined;
    }
  };
}

/** Converts the issues of one zod parse (made with `humanErrorMap` and `reportInput`) under `prefix`. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PathSegment[] = []): RawProblem[] {
  return issues.flatMap((issue) => issueToProblems(issue, prefix));
}

function issueToProblems(issue: z.core.$ZodIssue, prefix: readonly PathSegment[]): RawProblem[] {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const lines = issue.message.split('\n');
      return issue.keys.map((key, i) => ({ path: [...path, key], message: lines[i] ?? `unknown key "${key}"`, at: 'key' as const }));
    }
    case 'invalid_type':
    case 'invalid_value':
      // A missing key shows under its parent, on the parent's line, whatever message its schema carries
      // (an enum's missing key is an invalid_value).
      if (issue.input === undefined && path.length > 0) {
        return [{ path: path.slice(0, -1), message: `missing required key "${String(path[path.length - 1])}"`, at: 'key' }];
      }
      break;
    case 'invalid_union': {
      // zod already flattens a union with one plausible branch; with several, report the first of them.
      const plausible = issue.errors.find((branch) => branch.length > 0 && !branch.some((b) => b.code === 'invalid_type' && b.path.length === 0));
      if (plausible) return issuesToProblems(plausible, path);
      break;
    }
    case 'invalid_key': {
      const inner = issue.issues.map((i) => i.message).join('; ');
      return [{ path, message: `invalid name ${JSON.stringify(String(path[path.length - 1]))}: ${inner}`, at: 'key' }];
    }
  }
  const message = issue.message.startsWith(DURATION_MESSAGE) ? DURATION_MESSAGE : issue.message;
  return [{ path, message, at: 'value' }];
}
