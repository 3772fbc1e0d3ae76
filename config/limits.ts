// The bounds that keep loading a config fast and small whatever the file holds. Each is far above a
// real config and far below what would take seconds or gigabytes; each error names its bound.

/** The largest config file read (yaml takes ~4 s and ~500 MB for 1 MiB of one-character list items). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Anchors plus aliases in one file: yaml resolves each alias by scanning all of them, so this is squared. */
export const MAX_ANCHORS_AND_ALIASES = 10_000;

/** yaml's `maxAliasCount`: how often an anchor may be used, times the aliases nested in it (an alias bomb). */
export const MAX_ALIAS_COUNT = 10_000;

/**
 * Mappings and lists nested in one another, as written: a real config nests under ten; yaml composes
 * recursively and overflows the stack past ~800.
 */
export const MAX_NESTING_DEPTH = 100;

/** Values (scalars, mappings, lists) and characters of the document with its aliases expanded. */
export const MAX_DOCUMENT_VALUES = 1_000_000;
export const MAX_DOCUMENT_CHARS = 64 * 1024 * 1024;

/** Environments of a config, and services: their product is how many service/environment pairs exist. */
export const MAX_ENVIRONMENTS = 1_000;
export const MAX_SERVICES = 2_000;

/**
 * Checks after expansion per environment: each is a timer and a row per run. The scheduler keeps up
 * with ~60,000 checks at 10 s on 2 cores with the SQLite store (bench/scheduler.mjs); past 100,000 a
 * config is surely a mistake.
 */
export const MAX_EXPANDED_CHECKS = 100_000;

/**
 * SLOs after expansion per environment: each is four burn-rate rules evaluated every cycle (the engine's
 * target is 10,000 rules in 200 ms), so 10,000 SLOs is already far past what it can keep up with.
 */
export const MAX_EXPANDED_SLOS = 10_000;

/** Values and characters of all checks (with their runbooks) after expansion per environment. */
export const MAX_EXPANDED_VALUES = 1_000_000;
export const MAX_EXPANDED_CHARS = 64 * 1024 * 1024;

/** Problems shown for one config; the rest are counted. Did-you-mean suggestions stop at the same count. */
export const MAX_REPORTED_PROBLEMS = 100;

/** `1048576` as `1 MiB`, `1500` as `1,500`: bounds as a person reads them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** A count with thousands separators, independent of the machine's locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** How much a value holds: its scalars, mappings and lists, and the characters of its strings and keys. */
export interface ValueSize {
  readonly values: number;
  readonly chars: number;
}

/**
 * The size of plain data with every shared subtree counted where it is used (as a YAML alias expands),
 * each measured once through `memo`. The data must be free of cycles.
 */
export function sizeOf(value: unknown, memo: WeakMap<object, ValueSize> = new WeakMap()): ValueSize {
  if (typeof value === 'string') return { values: 1, chars: value.length };
  if (value === null || typeof value !== 'object') return { values: 1, chars: 0 };
  const known = memo.get(value);
  if (known) return known;
  let values = 1;
  let chars = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      const child = sizeOf(item, memo);
      values += child.values;
      chars += child.chars;
    }
  } else if (!(value instanceof Map || value instanceof Set)) {
    for (const [key, item] of Object.entries(value)) {
      const child = sizeOf(item, memo);
      values += child.values;
      chars += child.chars + key.length;
    }
  }
  const size = { values, chars };
  memo.set(value, size);
  return size;
}
