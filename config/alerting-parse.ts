// Helpers of the alerting compiler: validate a part or each item of a list on its own (so one bad item
// never hides the problems of the others), and the message for a name that does not exist.
import type { z } from 'zod';
import { isPlainObject } from './expand.js';
import { humanErrorMap, issuesToProblems, suggest, type PathSegment, type RawProblem } from './issues.js';

/** Validates one part; its problems go under `path`. */
export function parsePart<T extends z.ZodType>(schema: T, value: unknown, path: readonly PathSegment[], problems: RawProblem[]): z.output<T> | undefined {
  const parsed = schema.safeParse(value, { reportInput: true, error: humanErrorMap((text) => text) });
  if (parsed.success) return parsed.data as z.output<T>;
  for (const problem of issuesToProblems(parsed.error.issues, path)) problems.push(problem);
  return undefined;
}

/** Validates each item of a list on its own; returns the valid ones with their index. */
export function parseItems<T extends z.ZodType>(
  schema: T,
  value: unknown,
  path: readonly PathSegment[],
  problems: RawProblem[],
): Array<{ index: number; item: z.output<T> }> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push({ path, message: `expected a list, got ${value === null ? 'an empty value' : isPlainObject(value) ? 'a mapping' : JSON.stringify(value)}`, at: 'value' });
    return [];
  }
  const items: Array<{ index: number; item: z.output<T> }> = [];
  value.forEach((raw, index) => {
    const item = parsePart(schema, raw, [...path, index], problems);
    if (item !== undefined) items.push({ index, item });
  });
  return items;
}

/** `unknown environment "stagin" (did you mean "staging"?); environments are dev, staging, prod`. */
export function unknownNameMessage(what: 'environment' | 'service' | 'rule', name: string, known: readonly string[]): string {
  const close = suggest(name, known);
  const listed = known.length <= 10 ? known.join(', ') : `${known.slice(0, 10).join(', ')} and ${known.length - 10} more`;
  return `unknown ${what} "${name}"${close ? ` (did you mean "${close}"?)` : ''}; ${what}s are ${listed || 'none'}`;
}

