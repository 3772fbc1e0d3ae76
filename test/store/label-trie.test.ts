// The series-id cache both engines use on the append path: one node per series, found the same way
// whether the label object carries its key (frozenLabels: found by that text) or not (walked).
import { describe, expect, it } from 'vitest';
import { LabelTries } from '../../store/label-trie.js';
import { frozenLabels, labelsKey } from '../../store/labels.js';

describe('the series-id cache', () => {
  it('finds the same node for a label set carrying its key and an equal plain one, per metric', () => {
    const tries = new LabelTries();
    const frozen = frozenLabels({ queue: 'a', env: 'prod' });
    const node = tries.node('queue_depth', frozen);
    expect(tries.node('queue_depth', frozen)).toBe(node);
    expect(tries.node('queue_depth', { queue: 'a', env: 'prod' })).toBe(node);
    expect(tries.node('queue_age_seconds', frozen)).not.toBe(node);
  });

  it('follows a label object that changed since its last use (only frozen ones are found by identity)', () => {
    const tries = new LabelTries();
    const labels: Record<string, string> = { queue: 'a' };
    const a = tries.node('queue_depth', labels);
    labels.queue = 'b';
    const b = tries.node('queue_depth', labels);
    expect(b).not.toBe(a);
    expect(tries.node('queue_depth', { queue: 'b' })).toBe(b);
  });

  it('finds one node for label sets carrying the same key in another key order', () => {
    const tries = new LabelTries();
    const node = tries.node('queue_depth', frozenLabels({ queue: 'a', env: 'prod' }));
    expect(tries.node('queue_depth', frozenLabels({ env: 'prod', queue: 'a' }))).toBe(node);
  });
});

describe('label sets carrying their key (frozenLabels)', () => {
  it('key as a plain copy does, and show the key nowhere a label set is read, copied or sent', () => {
    const labels = frozenLabels({ service: 'api', env: 'prod', check: 'http' });
    const plain = { service: 'api', env: 'prod', check: 'http' };
    expect(labelsKey(labels)).toBe(labelsKey(plain));
    expect(labelsKey(labels)).toBe('{"check":"http","env":"prod","service":"api"}');
    expect(Object.isFrozen(labels)).toBe(true);
    expect(Object.keys(labels)).toEqual(['service', 'env', 'check']);
    expect(JSON.stringify(labels)).toBe(JSON.stringify(plain));
    expect({ ...labels }).toEqual(plain);
    expect(Object.getOwnPropertySymbols({ ...labels })).toEqual([]);
    expect(structuredClone(labels)).toEqual(plain);
    const keys: string[] = [];
    for (const key in labels) keys.push(key);
    expect(keys).toEqual(['service', 'env', 'check']);
  });

  it('copies a label named __proto__ as a label, not as the prototype', () => {
    const labels = frozenLabels(JSON.parse('{"__proto__":"x","env":"prod"}') as Record<string, string>);
    expect(Object.keys(labels)).toEqual(['__proto__', 'env']);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(labelsKey(labels)).toBe('{"__proto__":"x","env":"prod"}');
  });
});
