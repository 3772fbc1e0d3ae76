// The tiny series notation of STYLE.md for rule tests: values separated by spaces, `vxN` for N times v,
// `_` (or `_xN`) for a step with no sample. '1 1 0x3 _ 1' is [1, 1, 0, 0, 0, null, 1].

/** Expands a series written in the notation into one entry per step (null: no sample at that step). */
export function parseSeries(text: string): Array<number | null> {
  const steps: Array<number | null> = [];
  for (const token of text.trim().split(/\s+/)) {
    if (token === '') continue;
    const match = /^(_|-?\d+(?:\.\d+)?)(?:x(\d+))?$/.exec(token);
    if (!match) throw new Error(`series notation: cannot read "${token}" in "${text}"`);
    const value = match[1] === '_' ? null : Number(match[1]);
    const times = match[2] === undefined ? 1 : Number(match[2]);
    for (let i = 0; i < times; i++) steps.push(value);
  }
  return steps;
}

/** Expands a string of one-letter states ('i p p f f i', spaces optional, `fx3` allowed) to words. */
export function parseStates(text: string): string[] {
  const words: Record<string, string> = { i: 'inactive', p: 'pending', f: 'firing' };
  const states: string[] = [];
  for (const token of text.trim().split(/\s+/)) {
    const match = /^([ipf])(?:x(\d+))?$/.exec(token);
    if (!match) throw new Error(`state notation: cannot read "${token}" in "${text}"`);
    for (let i = 0; i < (match[2] === undefined ? 1 : Number(match[2])); i++) states.push(words[match[1]!]!);
  }
  return states;
}

/** A clock tests move by hand. */
export class TestClock {
  constructor(public at: number) {}
  now(): number {
    return this.at;
  }
  advance(ms: number): number {
    this.at += ms;
    return this.at;
  }
}
