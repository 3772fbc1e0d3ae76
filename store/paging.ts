// Cursor paging of the lists that read newest first by id, and positional SQL parameters: shared by
// both engines' alerting modules.

/** The largest page a list returns: a bound on one answer's size. */
export const MAX_PAGE_LIMIT = 1000;

/** Stands in for an absent `before` cursor: above every id. */
export const NO_CURSOR = Number.MAX_SAFE_INTEGER;

/** Guards a page size (1…1000); the API validates it first, this keeps a bug from reading a whole table. */
export function checkPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new RangeError(`a page limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`);
  }
}

/** Guards a cursor: an id the previous page returned. */
export function cursorOf(before: number | undefined): number {
  if (before === undefined) return NO_CURSOR;
  if (!Number.isSafeInteger(before)) throw new RangeError(`a page cursor must be an integer id, got ${before}`);
  return before;
}

/** `values` in the order of `keys`: the parameters of a statement with positional placeholders. */
export function inOrder<R, K extends keyof R>(values: R, keys: readonly K[]): R[K][] {
  return keys.map((key) => values[key]);
}

/** `$1, $2, …, $n` for PostgreSQL, from `first`. */
export function placeholders(count: number, first = 1): string {
  return Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
}

/** One page from `limit + 1` rows read newest first: `nextCursor` is the last id when more remain. */
export function pageOf<T extends { readonly id: number }>(rows: readonly T[], limit: number): { items: T[]; nextCursor: number | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
}
