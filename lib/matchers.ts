// Label matchers with Prometheus/Alertmanager semantics, shared by rules, inhibition, silences and
// routing: `=` and `!=` compare the value (an absent label is ""), `=~` and `!~` match a regular
// expression anchored at both ends. A matcher is compiled once (its regex built) and then trusted.
import type { Labels } from '../store/types.js';

export type MatchOp = '=' | '!=' | '=~' | '!~';
export const MATCH_OPS: readonly MatchOp[] = ['=', '!=', '=~', '!~'];

/** A matcher as written and stored: `env="prod"` is `{ label: 'env', op: '=', value: 'prod' }`. */
export interface Matcher {
  readonly label: string;
  readonly op: MatchOp;
  readonly value: string;
}

/** A matcher ready to test label sets (its regex built). */
export interface CompiledMatcher extends Matcher {
  readonly test: (actual: string) => boolean;
}

/** The longest regex a matcher may hold: a config or API body is not a place for megabytes of pattern. */
export const MAX_MATCHER_PATTERN = 1_000;

/** Builds a matcher; throws a RangeError saying why for an invalid regex (callers turn it into their error type). */
export function compileMatcher(matcher: Matcher): CompiledMatcher {
  const { op, value } = matcher;
  if (op === '=') return { ...matcher, test: (actual) => actual === value };
  if (op === '!=') return { ...matcher, test: (actual) => actual !== value };
  if (value.length > MAX_MATCHER_PATTERN) throw new RangeError(`the pattern is longer than ${MAX_MATCHER_PATTERN} characters`);
  let regex: RegExp;
  try {
    // Anchored like Prometheus: `=~"prod|staging"` matches "prod", not "preprod".
    regex = new RegExp(`^(?:${value})$`, 'u');
  } catch (error) {
    throw new RangeError(`invalid regular expression "${value}": ${(error as Error).message}`);
  }
  return op === '=~' ? { ...matcher, test: (actual) => regex.test(actual) } : { ...matcher, test: (actual) => !regex.test(actual) };
}

/** Compiles each matcher (see compileMatcher). */
export function compileMatchers(matchers: readonly Matcher[]): CompiledMatcher[] {
  return matchers.map(compileMatcher);
}

/** True when `labels` satisfies every matcher; an absent label reads as "". */
export function matchAll(labels: Labels, matchers: readonly CompiledMatcher[]): boolean {
  for (const matcher of matchers) {
    const actual = Object.hasOwn(labels, matcher.label) ? labels[matcher.label]! : '';
    if (!matcher.test(actual)) return false;
  }
  return true;
}

/**
 * Matchers from a YAML/JSON map: `{ env: prod, service: "!=web", check: "=~http.*" }`. A value may
 * start with an operator (`!=`, `=~`, `!~`, `=`); otherwise it is an equality.
 */
export function matchersFromMap(map: Readonly<Record<string, string>>): Matcher[] {
  return Object.entries(map).map(([label, written]) => {
    for (const op of ['!=', '=~', '!~'] as const) {
      if (written.startsWith(op)) return { label, op, value: written.slice(op.length) };
    }
    return { label, op: '=', value: written.startsWith('=') ? written.slice(1) : written };
  });
}

/** `env="prod"`, `check=~"http.*"`: how a matcher is shown. */
export function formatMatcher(matcher: Matcher): string {
  return `${matcher.label}${matcher.op}${JSON.stringify(matcher.value)}`;
}
