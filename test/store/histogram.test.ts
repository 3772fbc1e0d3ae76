import { describe, expect, it } from 'vitest';
import { HISTOGRAM_RELATIVE_ERROR, LogHistogram } from '../../store/histogram.js';
import { exactQuantile } from '../../store/step-aggregate.js';
import { mulberry32 } from './random.js';

// The estimate may land exactly on a bucket edge; allow for floating-point rounding there.
const BOUND = HISTOGRAM_RELATIVE_ERROR * (1 + 1e-9);

function relativeError(estimate: number, exact: number): number {
  return exact === 0 ? Math.abs(estimate) : Math.abs(estimate - exact) / Math.abs(exact);
}

describe('LogHistogram', () => {
  it('states an error of about one percent', () => {
    expect(HISTOGRAM_RELATIVE_ERROR).toBeGreaterThan(0.0098);
    expect(HISTOGRAM_RELATIVE_ERROR).toBeLessThan(0.01);
  });

  it('estimates any single value within the stated relative error', () => {
    const random = mulberry32(1);
    for (let i = 0; i < 5000; i++) {
      const value = Math.exp((random() - 0.5) * 40) * (random() < 0.2 ? -1 : 1);
      const histogram = new LogHistogram();
      histogram.add(value);
      expect(relativeError(histogram.quantile(0.5), value)).toBeLessThanOrEqual(BOUND);
    }
  });

  it('reads percentiles of latencies within the stated error of the exact nearest-rank values', () => {
    const random = mulberry32(2);
    const values = Array.from({ length: 20_000 }, () => Math.exp(random() * 6 - 5));
    const histogram = new LogHistogram();
    for (const value of values) histogram.add(value);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
      expect(relativeError(histogram.quantile(q), exactQuantile(sorted, q))).toBeLessThanOrEqual(BOUND);
    }
  });

  it('gives the same percentiles after merging parts as from one histogram of everything', () => {
    const random = mulberry32(3);
    const whole = new LogHistogram();
    const merged = new LogHistogram();
    for (let part = 0; part < 60; part++) {
      const piece = new LogHistogram();
      for (let i = 0; i < 50; i++) {
        const value = random() * 2 - 0.5;
        whole.add(value);
        piece.add(value);
      }
      merged.mergeEncoded(piece.encode());
    }
    expect(merged.count).toBe(3000);
    for (const q of [0.1, 0.5, 0.9, 0.99]) expect(merged.quantile(q)).toBe(whole.quantile(q));
  });

  it('keeps every count when values spanning many orders of magnitude arrive in any order', () => {
    const values = [1, 1e-8, 1e6, 3e-5, 1e250, 0.5, 2e-9, 7e12, 1e-3, 42];
    const histogram = new LogHistogram();
    for (const value of values) histogram.add(value);
    const decoded = LogHistogram.decode(histogram.encode());
    const sorted = [...values].sort((a, b) => a - b);
    values.forEach((_, i) => {
      const q = (i + 1) / values.length;
      expect(relativeError(decoded.quantile(q), exactQuantile(sorted, q))).toBeLessThanOrEqual(BOUND);
    });
  });

  it('orders negative values, zeros and positive values correctly', () => {
    const histogram = new LogHistogram();
    for (const value of [-100, -1, 0, 0, 0, 1e-12, 2, 300]) histogram.add(value);
    expect(histogram.quantile(0)).toBeCloseTo(-100, 0);
    expect(relativeError(histogram.quantile(0.25), -1)).toBeLessThanOrEqual(BOUND);
    expect(histogram.quantile(0.5)).toBe(0);
    expect(histogram.quantile(0.75)).toBe(0);
    expect(relativeError(histogram.quantile(0.8), 2)).toBeLessThanOrEqual(BOUND);
    expect(relativeError(histogram.quantile(1), 300)).toBeLessThanOrEqual(BOUND);
  });

  it('round-trips through a compact binary encoding', () => {
    const random = mulberry32(4);
    const histogram = new LogHistogram();
    for (let i = 0; i < 6; i++) histogram.add(0.05 + random() * 0.02);
    histogram.add(-3);
    histogram.add(0);
    const bytes = histogram.encode();
    expect(bytes.length).toBeLessThan(40);
    const decoded = LogHistogram.decode(bytes);
    expect(decoded.count).toBe(8);
    for (const q of [0, 0.3, 0.5, 0.9, 1]) expect(decoded.quantile(q)).toBe(histogram.quantile(q));
  });

  it('returns NaN for a quantile of an empty histogram and refuses an unknown encoding', () => {
    expect(new LogHistogram().quantile(0.5)).toBeNaN();
    expect(() => LogHistogram.decode(new Uint8Array([9, 0, 0, 0]))).toThrow(/unknown encoding version 9/);
    expect(() => LogHistogram.decode(new Uint8Array([1]))).toThrow(/truncated/);
  });
});
