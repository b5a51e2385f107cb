import { describe, it, expect } from 'vitest';
import {
  binomial,
  bootstrapRatioInterval,
  comparisonSeed,
  geometricMeanRatio,
  permutationStatistic,
  sampleSpreadPct,
  stratifiedPermutationTest,
  type SampleValues,
} from '../../src/compare/statistics.js';
import { lognormalNoise, mulberry32 } from './helpers.js';

const E = Math.E;
const opts = { permutations: 4000, seed: 1 };

describe('stratified permutation test', () => {
  it('enumerates one sample exactly: logs [0, 1] vs [2] give differences -1.5, 0, 1.5, so p = 2/3', () => {
    const result = stratifiedPermutationTest([{ baseline: [1, E], current: [E * E] }], opts);
    expect(result.method).toBe('exact');
    expect(result.arrangements).toBe(3);
    expect(result.statistic).toBeCloseTo(1.5, 12);
    expect(result.pValue).toBeCloseTo(2 / 3, 12);
  });

  it('enumerates the product of two samples: sums {1, -1} + {-1.5, 0, 1.5} reach |2.5| in 2 of 6 arrangements', () => {
    const samples: SampleValues[] = [
      { baseline: [1], current: [E] },
      { baseline: [1, E], current: [E * E] },
    ];
    const result = stratifiedPermutationTest(samples, opts);
    expect(result.arrangements).toBe(6);
    expect(result.statistic).toBeCloseTo(1.25, 12);
    expect(result.pValue).toBeCloseTo(1 / 3, 12);
  });

  it('cannot go below p = 0.1 with one sample of 3 + 3 repeats, however separated (2 of 20 arrangements)', () => {
    const result = stratifiedPermutationTest([{ baseline: [10, 11, 12], current: [100, 101, 102] }], opts);
    expect(result.arrangements).toBe(20);
    expect(result.pValue).toBeCloseTo(0.1, 12);
  });

  it('reaches p = 2/400 = 0.005 with two samples of 3 + 3 separated the same way', () => {
    const result = stratifiedPermutationTest(
      [
        { baseline: [10, 11, 12], current: [13, 14, 15] },
        { baseline: [1000, 1010, 1020], current: [1100, 1110, 1120] },
      ],
      opts,
    );
    expect(result.method).toBe('exact');
    expect(result.arrangements).toBe(400);
    expect(result.pValue).toBeCloseTo(0.005, 12);
  });

  it('gives p = 1 when every value is the same (ties count as extreme)', () => {
    const result = stratifiedPermutationTest([{ baseline: [5, 5, 5], current: [5, 5, 5] }, { baseline: [7, 7], current: [7] }], opts);
    expect(result.pValue).toBe(1);
  });

  it('switches to seeded Monte Carlo above the exact limit, close to the exact p and reproducible', () => {
    const samples: SampleValues[] = [
      { baseline: [10, 12, 11], current: [12, 13, 11.5] },
      { baseline: [100, 98, 103], current: [104, 99, 108] },
      { baseline: [50, 52, 51], current: [51, 55, 50] },
    ];
    const exact = stratifiedPermutationTest(samples, opts);
    expect(exact.method).toBe('exact');
    const mc = stratifiedPermutationTest(samples, { ...opts, exactLimit: 100 });
    expect(mc.method).toBe('monte-carlo');
    expect(mc.arrangements).toBe(4000);
    expect(Math.abs(mc.pValue - exact.pValue)).toBeLessThan(0.03);
    expect(stratifiedPermutationTest(samples, { ...opts, exactLimit: 100 }).pValue).toBe(mc.pValue);
  });

  it('uses the mean over samples of the difference of mean logs as its statistic', () => {
    const samples: SampleValues[] = [{ baseline: [2, 8], current: [16] }, { baseline: [1], current: [3, 27] }];
    // Sample 1: log 16 - (log 2 + log 8) / 2 = log 4; sample 2: (log 3 + log 27) / 2 = log 9.
    expect(permutationStatistic(samples)).toBeCloseTo((Math.log(4) + Math.log(9)) / 2, 12);
  });

  it('refuses values that are not positive (it works on logs)', () => {
    expect(() => stratifiedPermutationTest([{ baseline: [0, 1], current: [1] }], opts)).toThrow(RangeError);
  });
});

describe('ratio and its interval', () => {
  it('takes the geometric mean over samples of per-sample ratios of means', () => {
    // Ratios 4 / 2 = 2 and 2 / 4 = 0.5.
    expect(geometricMeanRatio([{ baseline: [1, 3], current: [4] }, { baseline: [4], current: [1, 3] }])).toBeCloseTo(1, 12);
    expect(geometricMeanRatio([{ baseline: [10], current: [12] }, { baseline: [1000], current: [1440] }])).toBeCloseTo(Math.sqrt(1.2 * 1.44), 12);
  });

  it('reports the spread of per-sample ratios as exp(sd of logs) - 1', () => {
    const spread = sampleSpreadPct([{ baseline: [1], current: [2] }, { baseline: [2], current: [1] }]);
    expect(spread).toBeCloseTo((Math.exp(Math.SQRT2 * Math.log(2)) - 1) * 100, 9);
    expect(sampleSpreadPct([{ baseline: [1], current: [2] }])).toBeNull();
  });

  it('bootstrap interval contains the true ratio of a clean 20% slowdown and is narrow', () => {
    const random = mulberry32(7);
    const samples: SampleValues[] = [5, 20, 80, 300, 1000, 3000].map((base) => ({
      baseline: [0, 1, 2].map(() => base * lognormalNoise(random, 0.02)),
      current: [0, 1, 2].map(() => base * 1.2 * lognormalNoise(random, 0.02)),
    }));
    const { low, high } = bootstrapRatioInterval(samples, { resamples: 2000, seed: 3 });
    expect(low).toBeLessThan(1.2);
    expect(high).toBeGreaterThan(1.2);
    expect(high - low).toBeLessThan(0.05);
    expect(bootstrapRatioInterval(samples, { resamples: 2000, seed: 3 })).toEqual({ low, high });
  });

  it('gives the exact ratio at both ends when every sample has the same ratio', () => {
    const samples: SampleValues[] = [{ baseline: [10], current: [12] }, { baseline: [300], current: [360] }];
    const { low, high } = bootstrapRatioInterval(samples, { resamples: 500, seed: 1 });
    expect(low).toBeCloseTo(1.2, 12);
    expect(high).toBeCloseTo(1.2, 12);
  });
});

describe('helpers', () => {
  it('counts label arrangements with binomial coefficients', () => {
    expect(binomial(6, 3)).toBe(20);
    expect(binomial(20, 10)).toBe(184756);
    expect(binomial(3, 4)).toBe(0);
  });

  it('derives a different seed per comparison name, the same for the same name', () => {
    expect(comparisonSeed(1, 'ttft_ms')).toBe(comparisonSeed(1, 'ttft_ms'));
    expect(comparisonSeed(1, 'ttft_ms')).not.toBe(comparisonSeed(1, 'prefill_ms'));
    expect(comparisonSeed(1, 'ttft_ms')).not.toBe(comparisonSeed(2, 'ttft_ms'));
  });
});
