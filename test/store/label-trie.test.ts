// The series-id cache both engines use on the append path: one node per series, found the same way
// whether the label object is frozen (found by identity) or not (walked).
import { describe, expect, it } from 'vitest';
import { LabelTries } from '../../store/label-trie.js';

describe('the series-id cache', () => {
  it('finds the same node for a frozen label object and an equal plain one, per metric', () => {
    const tries = new LabelTries();
    const frozen = Object.freeze({ queue: 'a', env: 'prod' });
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
});
