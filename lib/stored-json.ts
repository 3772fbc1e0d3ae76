// Reading back JSON that Vigil itself stored (a report body, an outbox message): a row written by a
// newer Vigil or damaged on disk is answered as a problem naming the field and what was expected, at
// the read, instead of a value that fails somewhere far away. The stored text is never quoted.
import type { z } from 'zod';

/** What a stored JSON value read as: the value, or why it cannot be used (`fleet.incidents: expected object, received string`). */
export type StoredRead<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** Problems listed at most in one answer; the rest are counted. */
const MAX_PROBLEMS = 5;

/** Parses `text`; not quoting it, unlike JSON.parse's own message. */
export function parseStoredJson(text: string): StoredRead<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: 'is not valid JSON' };
  }
}

/** Field `name` of a stored value when it is a plain object (read before a full check, to word the problem: a version, a kind), else undefined. */
export function storedField(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

/**
 * Checks `value` against `schema`. On success the value itself is answered (not zod's copy: fields the
 * schema does not name are kept as stored, in their order); the schema must check every field its
 * readers rely on. Problems' paths start at `root` (`message.alerts[0].at`), when given.
 */
export function checkStored<S extends z.ZodType>(value: unknown, schema: S, root = ''): StoredRead<z.output<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: value as z.output<S> };
  const issues = result.error.issues;
  const shown = issues.slice(0, MAX_PROBLEMS).map((issue) => `${issuePath(root, issue.path) || '(the whole value)'}: ${issue.message}`);
  if (issues.length > MAX_PROBLEMS) shown.push(`and ${issues.length - MAX_PROBLEMS} more`);
  return { ok: false, problem: shown.join('; ') };
}

/** `['fleet', 'services', 0, 'env']` as `fleet.services[0].env`. */
function issuePath(root: string, path: readonly PropertyKey[]): string {
  let text = root;
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${String(segment)}` : String(segment);
  }
  return text;
}
