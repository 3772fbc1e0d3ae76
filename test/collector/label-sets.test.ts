// The collector's cache of point label sets: one frozen object per label set while cached, within its
// bounds on count and on bytes, the oldest sets going first.
import { describe, expect, it } from 'vitest';
import { LabelSets } from '../../collector/otlp/attributes.js';

const prod = { env: 'prod', service: 'orders' };
const attrs = (queue: string) => [{ key: 'queue', value: { stringValue: queue } }];

describe('point label sets', () => {
  it('gives the same frozen labels for the same point labels, env and service winning over attributes', () => {
    const sets = new LabelSets();
    const first = sets.labels(prod, [...attrs('a'), { key: 'env', value: { stringValue: 'x' } }]);
    expect(first).toEqual({ queue: 'a', exported_env: 'x', env: 'prod', service: 'orders' });
    expect(Object.isFrozen(first)).toBe(true);
    expect(sets.labels(prod, [...attrs('a'), { key: 'env', value: { stringValue: 'x' } }])).toBe(first);
    expect(sets.labels({ env: 'staging', service: 'orders' }, attrs('a'))).not.toBe(sets.labels(prod, attrs('a')));
  });

  it('keeps at most maxEntries sets, dropping the oldest', () => {
    const sets = new LabelSets({ maxEntries: 3, maxBytes: 1 << 20 });
    const a = sets.labels(prod, attrs('a'));
    for (const queue of ['b', 'c', 'd']) sets.labels(prod, attrs(queue));
    expect(sets.size).toBe(3);
    // `a` went first: asked again, it is built again (equal, not the same object).
    const again = sets.labels(prod, attrs('a'));
    expect(again).toEqual(a);
    expect(again).not.toBe(a);
    expect(sets.labels(prod, attrs('d'))).toBe(sets.labels(prod, attrs('d')));
  });

  it('keeps its estimated bytes within maxBytes however long the label values', () => {
    const sets = new LabelSets({ maxEntries: 1_000_000, maxBytes: 64 * 1024 });
    for (let i = 0; i < 2_000; i++) sets.labels(prod, attrs(`${i}-${'x'.repeat(200)}`));
    expect(sets.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(sets.size).toBeGreaterThan(0);
    expect(sets.size).toBeLessThan(2_000);
  });
});
