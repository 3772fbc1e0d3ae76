import { describe, expect, it } from 'vitest';
import { aggregate, lowerBound } from '../../rules/aggregate.js';
import { RULE_AGGREGATES, type RuleAggregate } from '../../rules/types.js';
import { parseSeries } from './series.js';

/** A series one sample every 10 s (the notation's `_` leaves a step out). */
function window(text: string): { times: number[]; values: number[] } {
  const times: number[] = [];
  const values: number[] = [];
  parseSeries(text).forEach((value, i) => {
    if (value === null) return;
    times.push(i * 10_000);
    values.push(value);
  });
  return { times, values };
}

const of = (kind: RuleAggregate, text: string) => {
  const { times, values } = window(text);
  return aggregate(kind, times, values, 0, times.length);
};

describe('rule aggregates', () => {
  it.each<{ kind: RuleAggregate; series: string; expected: number | null }>([
    { kind: 'last', series: '1 2 _ 7', expected: 7 },
    { kind: 'avg', series: '1 2 3 6', expected: 3 },
    { kind: 'min', series: '4 2 9 3', expected: 2 },
    { kind: 'max', series: '4 2 9 3', expected: 9 },
    { kind: 'sum', series: '4 2 9 3', expected: 18 },
    { kind: 'count', series: '4 _ 9 3', expected: 3 },
    { kind: 'increase', series: '10 12 15 20', expected: 10 },
    { kind: 'increase', series: '10 12 3 5', expected: 2 + 3 + 2 },
    { kind: 'rate', series: '0 10 20 30', expected: 1 },
    { kind: 'rate', series: '0 _ _ 30', expected: 1 },
    { kind: 'rate', series: '5', expected: null },
    { kind: 'p50', series: '1 2 3 4 5', expected: 3 },
    { kind: 'p50', series: '1 2 3 4', expected: 2.5 },
    { kind: 'p90', series: '1 2 3 4 5 6 7 8 9 10 11', expected: 10 },
    { kind: 'p99', series: '5 1', expected: 4.96 },
    { kind: 'p95', series: '3', expected: 3 },
  ])('$kind of $series is $expected', ({ kind, series, expected }) => {
    const value = of(kind, series);
    if (expected === null) expect(value).toBeNull();
    else expect(value).toBeCloseTo(expected, 9);
  });

  it.each(RULE_AGGREGATES)('%s of an empty window is null', (kind) => {
    expect(aggregate(kind, [1, 2], [1, 2], 1, 1)).toBeNull();
  });

  it('reads only the slice it is given', () => {
    const { times, values } = window('100 1 2 3 100');
    expect(aggregate('max', times, values, 1, 4)).toBe(3);
    expect(aggregate('sum', times, values, lowerBound(times, 10_000, 0, times.length), 4)).toBe(6);
  });

  it('finds where a window starts', () => {
    expect([0, 5, 10, 11, 40, 41].map((from) => lowerBound([0, 10, 20, 30, 40], from, 0, 5))).toEqual([0, 1, 1, 2, 4, 5]);
  });
});
