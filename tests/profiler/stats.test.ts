import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bootstrapMeanCi,
  computeStatistics,
  isNonEmpty,
  quantile,
  seededRandom,
  sortSamples,
  tukeyOutliers,
  type NonEmptyArray,
} from '../../src/profiler/stats.js';

describe('computeStatistics', () => {
  it('matches tinybench on [1..6]: p75 = 4.75, linear interpolation', () => {
    const stats = computeStatistics([1, 2, 3, 4, 5, 6]);
    expect(quantile(sortSamples([1, 2, 3, 4, 5, 6]), 0.75)).toBe(4.75);
    expect(stats).toMatchObject({ n: 6, mean: 3.5, p50: 3.5, min: 1, max: 6, outliers: [] });
    expect(stats.p90).toBeCloseTo(5.5, 12);
    expect(stats.p99).toBeCloseTo(5.95, 12);
    // sample std (n - 1): sqrt(17.5 / 5)
    expect(stats.std).toBeCloseTo(Math.sqrt(3.5), 12);
  });

  it('does not depend on input order', () => {
    expect(computeStatistics([6, 1, 5, 2, 4, 3])).toEqual({ ...computeStatistics([1, 2, 3, 4, 5, 6]), outliers: [] });
  });

  it('flags outliers by index without dropping them', () => {
    const stats = computeStatistics([10, 11, 10, 12, 11, 50, 10]);
    expect(stats.outliers).toEqual([5]);
    expect(stats.max).toBe(50);
    expect(stats.n).toBe(7);
  });

  it('gives one value a zero std and a point interval', () => {
    expect(computeStatistics([7])).toEqual({
      n: 1, mean: 7, p50: 7, p90: 7, p99: 7, std: 0, min: 7, max: 7, ci95Low: 7, ci95High: 7, outliers: [],
    });
  });

  it('is deterministic for one seed and brackets the mean', () => {
    const values: NonEmptyArray<number> = [12.1, 11.8, 12.6, 13.0, 11.9, 12.2, 12.4, 12.0];
    const a = computeStatistics(values);
    const b = computeStatistics(values);
    expect(a).toEqual(b);
    expect(a.ci95Low).toBeLessThan(a.mean);
    expect(a.ci95High).toBeGreaterThan(a.mean);
    expect(a.ci95Low).toBeGreaterThanOrEqual(a.min);
    expect(a.ci95High).toBeLessThanOrEqual(a.max);
    const spread: NonEmptyArray<number> = [Math.PI, ...Array.from({ length: 30 }, (_, i) => Math.sqrt(i + 2))];
    expect(bootstrapMeanCi(spread, { seed: 2 })).not.toEqual(bootstrapMeanCi(spread, { seed: 1 }));
  });

  it('rejects an empty list and non-finite values at run time', () => {
    const empty: number[] = [];
    expect(isNonEmpty(empty)).toBe(false);
    // @ts-expect-error the type asks for at least one value
    expect(() => computeStatistics(empty)).toThrow(RangeError);
    expect(() => computeStatistics([1, Number.NaN])).toThrow(/value 1 is NaN/);
    expect(() => quantile(sortSamples([1]), 1.5)).toThrow(RangeError);
    expect(() => bootstrapMeanCi([1], { resamples: 0 })).toThrow(RangeError);
  });

  it('keeps min <= p50 <= p90 <= p99 <= max and the interval within [min, max] (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }), (values) => {
        if (!isNonEmpty(values)) return;
        const s = computeStatistics(values, { resamples: 200 });
        expect(s.min).toBeLessThanOrEqual(s.p50);
        expect(s.p50).toBeLessThanOrEqual(s.p90);
        expect(s.p90).toBeLessThanOrEqual(s.p99);
        expect(s.p99).toBeLessThanOrEqual(s.max);
        expect(s.ci95Low).toBeGreaterThanOrEqual(s.min - 1e-9 * Math.abs(s.min));
        expect(s.ci95High).toBeLessThanOrEqual(s.max + 1e-9 * Math.abs(s.max));
        expect(s.std).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('tukeyOutliers', () => {
  it('uses fences at 1.5 IQR on both sides', () => {
    // Q1 = 2, Q3 = 4, IQR = 2: fences -1 and 7
    expect(tukeyOutliers([-2, 2, 3, 4, 2, 3, 4, 7, 8])).toEqual([0, 8]);
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for one seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
