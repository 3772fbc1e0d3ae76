// What the property tests under test/fuzz share: fixed seeds (the same inputs in every CI run), run
// counts scaled by FUZZ_RUNS for a longer local run, a generous per-input time cap that only catches
// hangs, and the process's resident memory checked after a run.
import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * How many times the CI run counts to run: `FUZZ_RUNS=10 npx vitest run test/fuzz` runs ten times as
 * many inputs (each property still from its fixed seed, so a failure is reproduced by the same command).
 */
export const FUZZ_SCALE = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1) || 1);

/** An input that takes longer than this is a hang, not a slow machine (the suite runs on 2 busy cores). */
export const HANG_MS = 15_000;

/** The resident memory a fuzz run may add: the inputs are small, so more is a leak or an unbounded buffer. */
export const RSS_GROWTH_BYTES = 200 * 1024 * 1024;

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

/** Resident memory now, after a full garbage collection when node runs with --expose-gc. */
export function residentBytes(): number {
  global.gc?.();
  return process.memoryUsage().rss;
}

/** Fails when resident memory grew by more than RSS_GROWTH_BYTES since `before`. */
export function expectBoundedMemory(before: number): void {
  const grown = residentBytes() - before;
  expect(grown, `resident memory grew by ${Math.round(grown / 1024 / 1024)} MB`).toBeLessThan(RSS_GROWTH_BYTES);
}

/** A string of unicode text that tends to break parsers: controls, surrogates, RTL marks, emoji, NUL. */
export const nastyString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.constantFrom('', ' ', '\u0000', '\uD800', '\uDFFF', '\u202E', '\uFEFF', '😀', 'NaN', '-1', '1e400', '0x10', '%00', '%', '%ZZ', '../..', '\r\n'),
  );
