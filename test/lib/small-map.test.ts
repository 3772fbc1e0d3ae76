import { describe, expect, it } from 'vitest';
import { SmallMap } from '../../lib/small-map.js';

describe('SmallMap', () => {
  it('answers as a Map does over any sequence of sets and deletes', () => {
    // A seeded walk over few keys, so that the first entry is replaced, deleted and re-added, and the map grows.
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 50; round++) {
      const small = new SmallMap<string, number>();
      const model = new Map<string, number>();
      for (let step = 0; step < 40; step++) {
        const key = `k${next(round % 5 === 0 ? 1 : 4)}`;
        if (next(3) === 0) expect(small.delete(key)).toBe(model.delete(key));
        else {
          small.set(key, step);
          model.set(key, step);
        }
        expect(small.size).toBe(model.size);
        expect(small.values()).toEqual([...model.values()]);
        for (const probe of ['k0', 'k1', 'k2', 'k3']) expect(small.get(probe)).toBe(model.get(probe));
      }
    }
  });

  it('holds a value that is undefined apart from an absent key', () => {
    const small = new SmallMap<string, number | undefined>();
    small.set('a', undefined);
    expect(small.size).toBe(1);
    expect(small.values()).toEqual([undefined]);
    expect(small.delete('a')).toBe(true);
    expect(small.size).toBe(0);
  });

  it('hands out a copy of its values, so deleting while walking them skips none', () => {
    const small = new SmallMap<string, number>();
    small.set('a', 1);
    small.set('b', 2);
    const seen: number[] = [];
    for (const value of small.values()) {
      seen.push(value);
      small.delete('b');
    }
    expect(seen).toEqual([1, 2]);
  });
});
