// The few error classes that cross a boundary; api/errors.ts maps them to HTTP responses in one place.

/** One problem found in a config file, located for the user. */
export interface ConfigProblem {
  readonly file: string;
  /** 1-based line of the offending node, or null when the problem has no single place (e.g. bad YAML at EOF). */
  readonly line: number | null;
  /** Path in the document: `services.api.checks[1].http.timeout`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** Formats a problem as `vigil.yaml:12 services.api.checks[0].http.timeout: expected a duration like "5s"`. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line === null ? p.file : `${p.file}:${p.line}`;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** A config that cannot be used; carries every problem found, not only the first. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A request that names something that does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** A request that conflicts with the state of what it names (acknowledging a resolved incident). */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** A request whose parameters or body are invalid; `message` says which and why. */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
}

/**
 * A query that would cost more than its bound (series, points, rows scanned); `message` names the
 * bound and how to narrow the query. Answered as a 400.
 */
export class QueryTooLargeError extends BadRequestError {
  override name = 'QueryTooLargeError';
}

/** A request without a usable API token (none, unknown, expired or revoked): a 401. */
export class UnauthorizedError extends Error {
  override name = 'UnauthorizedError';
}

/** A request whose token's role is too low for what it asks: a 403. */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

/**
 * Data Vigil stored that this Vigil cannot read (written by a newer version, or damaged); `message`
 * names the row and the field. A 500 whose message is shown: it says what to do about it.
 */
export class UnreadableDataError extends Error {
  override name = 'UnreadableDataError';
}
