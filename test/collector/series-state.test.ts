// What an OTLP counter becomes in the store across exports: monotonic through resets, found by its
// labels whether the collector hands the same label object again or an equal new one.
import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../collector/otlp/metrics.js';
import { SeriesState } from '../../collector/series-state.js';
import type { Sample } from '../../store/types.js';

const counter = (labels: Sample['labels'], ts: number, value: number): MetricRecord => ({
  type: 'counter',
  temporality: 'cumulative',
  name: 'jobs_total',
  labels,
  ts,
  startTs: 0,
  value,
});

function values(state: SeriesState, records: MetricRecord[], at = 0): number[] {
  const out: Sample[] = [];
  state.toSamples(records, at, out, []);
  return out.map((s) => s.value);
}

describe('counter state', () => {
  it.each([
    ['the same frozen label object', () => Object.freeze({ queue: 'a' })],
    ['an equal new label object each export', () => ({ queue: 'a' })],
  ])('keeps a cumulative counter monotonic across a reset, given %s', (_name, labelsFor) => {
    const state = new SeriesState({ histogramSamples: 10 });
    const same = labelsFor();
    const pick = () => (Object.isFrozen(same) ? same : labelsFor());
    expect(values(state, [counter(pick(), 1, 5)])).toEqual([5]);
    expect(values(state, [counter(pick(), 2, 10)])).toEqual([10]);
    expect(values(state, [counter(pick(), 3, 2)])).toEqual([12]);
  });

  it('starts a pruned counter from a new baseline when it comes back under the same label object', () => {
    const state = new SeriesState({ histogramSamples: 10 });
    const labels = Object.freeze({ queue: 'a' });
    expect(values(state, [counter(labels, 1, 10)], 100)).toEqual([10]);
    state.prune(200);
    expect(state.size).toBe(0);
    expect(values(state, [counter(labels, 2, 3)], 300)).toEqual([3]);
  });

  it('starts a forgotten counter from a new baseline when it comes back under the same label object', () => {
    const state = new SeriesState({ histogramSamples: 10 });
    const labels = Object.freeze({ queue: 'a' });
    expect(values(state, [counter(labels, 1, 10)])).toEqual([10]);
    state.forget('jobs_total', labels);
    expect(values(state, [counter(labels, 2, 3)])).toEqual([3]);
  });
});
