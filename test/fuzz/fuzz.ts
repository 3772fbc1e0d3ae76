// What the property tests under test/fuzz share: fixed seeds (the same inputs in every CI run), run
// counts scaled by FUZZ_RUNS for a longer local run, a generous per-input time cap that only catches
// hangs, and the process's resident memory checked after a run.
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * How many times the CI run counts to run: `FUZZ_RUNS=10 npx vitest run test/fuzz` runs ten times as
 * many inputs (each property still from its fixed seed, so a failure is reproduced by the same command).
 */
export const FUZZ_SCALE = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1) || 1);

/** An input that takes longer than this is a hang, not a slow machine (the suite runs on 2 busy cores). */
export const HANG_MS = 15_000;

/** What JavaScript may still hold after a fuzz run's collection (seen 5–39 MB on Node 20 and 26): more is a leak or an unbounded buffer. */
export const RETAINED_GROWTH_BYTES = 100 * 1024 * 1024;

/** fast-check parameters for a property: `runs` inputs (times FUZZ_SCALE) from `seed`. */
export function fuzzParams(seed: number, runs: number): fc.Parameters<unknown> {
  return { seed, numRuns: runs * FUZZ_SCALE, verbose: 1 };
}

/** Inputs run per target, printed at the end of each fuzz file (the counts the [X1] report gives). */
export class RunCounter {
  readonly #counts = new Map<string, number>();
  count(target: string): void {
    this.#counts.set(target, (this.#counts.get(target) ?? 0) + 1);
  }
  print(file: string): void {
    console.log(`fuzz ${file}: ${JSON.stringify(Object.fromEntries(this.#counts))}`);
  }
}

/** Runs `body`, failing when it takes longer than HANG_MS: a hang shows as its input, not as a test timeout. */
export async function withinHangCap<T>(what: string, body: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await body();
  const elapsed = performance.now() - started;
  if (elapsed > HANG_MS) throw new Error(`${what} took ${Math.round(elapsed)} ms (the hang cap is ${HANG_MS} ms)`);
  return result;
}

// A full garbage collection before each reading, so garbage is not counted as growth (vitest's workers
// run without --expose-gc; the flag set now gives a fresh context its gc function).
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** A value that fast-check shows by `description` in a failure report, not as megabytes of text. */
export function described<T extends object>(value: T, description: string): T {
  return Object.assign(value, { [fc.toStringMethod]: () => description });
}

/** Resident memory and the memory JavaScript holds (heap and buffers), after a full garbage collection. */
export interface MemoryReading {
  readonly rss: number;
  readonly retained: number;
}

export function memoryNow(): MemoryReading {
  collectGarbage();
  const usage = process.memoryUsage();
  return { rss: usage.rss, retained: usage.heapUsed + usage.external };
}

/**
 * Fails when what JavaScript still holds after a collection grew by more than RETAINED_GROWTH_BYTES since
 * `before`; prints that and the growth of resident memory (the figures the [X1] report gives). Resident
 * memory is the allocator's high-water mark, not what is held: with servers and SQLite files in the
 * process it keeps pages it no longer uses (~200 MB after 10-20 MB bodies, 28 MB retained), and Node 26's
 * V8 keeps more heap pages than Node 20's (the config loader's run: 62 MB on 20, 203 MB on 26, 6-7 MB
 * retained on both) — so what is retained is what is bounded.
 */
export function expectBoundedMemory(file: string, before: MemoryReading): void {
  const after = memoryNow();
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  console.log(`fuzz ${file}: resident memory grew ${mb(after.rss - before.rss)} MB, retained ${mb(after.retained - before.retained)} MB`);
  expect(after.retained - before.retained, 'retained memory growth').toBeLessThan(RETAINED_GROWTH_BYTES);
}

/** A string of unicode text that tends to break parsers: controls, surrogates, RTL marks, emoji, NUL. */
export const nastyString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.constantFrom('', ' ', '\u0000', '\uD800', '\uDFFF', '\u202E', '\uFEFF', '😀', 'NaN', '-1', '1e400', '0x10', '%00', '%', '%ZZ', '../..', '\r\n'),
  );

// ---- mutations of plain data (a config's, a JSON body's) ----------------------------------------------

export type Path = Array<string | number>;

/** Every path to a node of plain data (mappings and lists), the root first. */
export function pathsOf(value: unknown, path: Path = [], found: Path[] = []): Path[] {
  found.push(path);
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...path, i], found));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) pathsOf(item, [...path, key], found);
  return found;
}

/** A value of the wrong kind for almost any place in a config. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Infinity, -Infinity, 0.5, '', '0s', '-5s', '999999999999d', '1e400', [], {}),
  nastyString(30),
  fc.integer(),
  fc.double(),
  fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 4 }),
);

export type Mutation = { kind: 'drop' | 'replace' | 'rename' | 'add'; pick: number; value: unknown; key: string };

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('drop', 'replace', 'rename', 'add'),
  pick: fc.nat(),
  value: wrongValue,
  key: nastyString(20),
});

/** The data with one node dropped, replaced, renamed or given a sibling; a new value each time. */
export function mutate(data: unknown, m: Mutation): unknown {
  const copy = structuredClone(data) as Record<string, unknown>;
  const paths = pathsOf(copy);
  const path = paths[m.pick % paths.length]!;
  if (path.length === 0) return m.kind === 'replace' ? m.value : copy;
  const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], copy);
  const last = path[path.length - 1]!;
  if (m.kind === 'drop') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (m.kind === 'replace') parent[last] = m.value;
  else if (m.kind === 'rename' && !Array.isArray(parent)) {
    const value = parent[last];
    delete parent[last];
    parent[m.key] = value;
  } else if (Array.isArray(parent)) parent.push(m.value);
  else parent[m.key] = m.value;
  return copy;
}
