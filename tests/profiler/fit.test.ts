import { describe, it, expect } from 'vitest';
import { chooseModel, evaluatePolynomial, fitPolynomial } from '../../src/profiler/fit.js';
import { fSurvival, lnGamma, regularizedIncompleteBeta } from '../../src/profiler/f-distribution.js';
import { mulberry32 } from '../../src/random.js';

/** Standard normal draws from a seeded uniform stream (Box-Muller). */
function normals(seed: number, n: number): number[] {
  const random = mulberry32(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - random();
    const v = random();
    out.push(Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
}

/** x from 0 to 4096 in the token-prefill's default targets, `repeats` points each. */
const TOKENS = [0, 256, 512, 1024, 2048, 4096];
const repeated = (xs: readonly number[], repeats: number): number[] => xs.flatMap((x) => Array<number>(repeats).fill(x));

describe('fitPolynomial', () => {
  it('recovers the coefficients of exact linear and quadratic data', () => {
    const linear = fitPolynomial([1, 2, 3, 4, 5], [5, 7, 9, 11, 13], 1);
    expect(linear.coefficients[0]).toBeCloseTo(3, 12);
    expect(linear.coefficients[1]).toBeCloseTo(2, 12);
    expect(linear.r2).toBeCloseTo(1, 12);
    expect(linear.rss).toBeLessThan(1e-20);
    expect(linear.n).toBe(5);
    // Prefill-like: 40 ms + 0.5 ms/token + 2e-5 ms/token², x up to 4096 (x² ~ 1.7e7: a power basis in raw x is badly conditioned).
    const xs = TOKENS;
    const quadratic = fitPolynomial(xs, xs.map((x) => 40 + 0.5 * x + 2e-5 * x * x), 2);
    expect(quadratic.coefficients[0]).toBeCloseTo(40, 8);
    expect(quadratic.coefficients[1]).toBeCloseTo(0.5, 10);
    expect(quadratic.coefficients[2]).toBeCloseTo(2e-5, 14);
  });

  it('recovers known coefficients from seeded noisy data within their standard error', () => {
    const xs = repeated(TOKENS, 5);
    const noise = normals(7, xs.length);
    const fit = fitPolynomial(xs, xs.map((x, i) => 40 + 0.5 * x + 2e-5 * x * x + 5 * (noise[i] as number)), 2);
    // Noise sd 5 ms over 30 points: c1's standard error is ~0.007 ms/token, c2's ~1.6e-6.
    expect(fit.coefficients[0]).toBeCloseTo(40, -1);
    expect(Math.abs((fit.coefficients[1] as number) - 0.5)).toBeLessThan(0.02);
    expect(Math.abs((fit.coefficients[2] as number) - 2e-5)).toBeLessThan(5e-6);
    expect(fit.r2).toBeGreaterThan(0.999);
  });

  it('gives the exact R² and RSS of a hand case', () => {
    // y = [1, 3, 2, 5] on x = [0, 1, 2, 3]: slope 1.1, intercept 1.1, rss 2.7, tss 8.75.
    const fit = fitPolynomial([0, 1, 2, 3], [1, 3, 2, 5], 1);
    expect(fit.coefficients[0]).toBeCloseTo(1.1, 12);
    expect(fit.coefficients[1]).toBeCloseTo(1.1, 12);
    expect(fit.rss).toBeCloseTo(2.7, 12);
    expect(fit.r2).toBeCloseTo(1 - 2.7 / 8.75, 12);
  });

  it('handles x far from zero (centred and scaled before the solve)', () => {
    const xs = [1e6, 1e6 + 1, 1e6 + 2, 1e6 + 3];
    const fit = fitPolynomial(xs, xs.map((x) => 3 * (x - 1e6) + 1), 1);
    expect(fit.coefficients[1]).toBeCloseTo(3, 8);
    expect(evaluatePolynomial(fit.coefficients, 1e6 + 10)).toBeCloseTo(31, 4);
  });

  it('gives R² 1 for constant y (nothing to explain)', () => {
    const fit = fitPolynomial([1, 2, 3], [4, 4, 4], 1);
    expect(fit.r2).toBe(1);
    expect(fit.coefficients[1]).toBeCloseTo(0, 12);
  });

  it('rejects constant x, too few points, mismatched lengths and non-finite values with a RangeError', () => {
    expect(() => fitPolynomial([2, 2, 2], [1, 2, 3], 1)).toThrow(/at least 2 distinct x values \(got 1 among 3 points\)/);
    expect(() => fitPolynomial([1, 2], [1, 2], 2)).toThrow(RangeError);
    expect(() => fitPolynomial([1, 1, 2, 2], [1, 2, 3, 4], 2)).toThrow(/at least 3 distinct/);
    expect(() => fitPolynomial([1], [1], 1)).toThrow(RangeError);
    expect(() => fitPolynomial([], [], 1)).toThrow(RangeError);
    expect(() => fitPolynomial([1, 2], [1], 1)).toThrow(/differ in length/);
    expect(() => fitPolynomial([1, 2, Number.NaN], [1, 2, 3], 1)).toThrow(/point 2 is not finite/);
  });
});

describe('chooseModel', () => {
  it('says linear for noisy linear data, with the F-test and its p-value in the reason', () => {
    const xs = repeated(TOKENS, 3);
    const noise = normals(11, xs.length);
    const choice = chooseModel(xs, xs.map((x, i) => 40 + 0.5 * x + 10 * (noise[i] as number)));
    expect(choice.verdict).toBe('linear');
    expect(choice.test).toBe('F-test on the quadratic term (alpha 0.05)');
    expect(choice.pValue).toBeGreaterThanOrEqual(0.05);
    expect(choice.reason).toMatch(/^F\(1, 15\) = .*, p = .* >= 0.05/);
    expect(Math.abs((choice.linear.coefficients[1] as number) - 0.5)).toBeLessThan(0.01);
  });

  it('says quadratic for noisy quadratic data', () => {
    const xs = repeated(TOKENS, 3);
    const noise = normals(13, xs.length);
    const choice = chooseModel(xs, xs.map((x, i) => 40 + 0.5 * x + 2e-5 * x * x + 10 * (noise[i] as number)));
    expect(choice.verdict).toBe('quadratic');
    expect(choice.pValue).toBeLessThan(0.05);
    expect(choice.reason).toContain('the quadratic term is positive');
    expect(choice.reason).toMatch(/c2 x² is \d+\.\d% of the quadratic fit at x = 4096/);
  });

  it('keeps the linear verdict over many seeds of linear data at about the test\'s false-positive rate', () => {
    const xs = repeated(TOKENS, 3);
    let quadratic = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const noise = normals(seed, xs.length);
      if (chooseModel(xs, xs.map((x, i) => 10 + 0.3 * x + 20 * (noise[i] as number))).verdict === 'quadratic') quadratic++;
    }
    // alpha 0.05, and only positive terms count: about 2.5% expected.
    expect(quadratic).toBeLessThan(15);
  });

  it('says linear when the quadratic term is significant but negative (the per-unit cost falls)', () => {
    const xs = repeated([1, 2, 5, 10, 30, 60], 2);
    const choice = chooseModel(xs, xs.map((x, i) => 5 + 10 * x - 0.05 * x * x + (i % 2 ? 0.1 : -0.1)));
    expect(choice.verdict).toBe('linear');
    expect(choice.pValue).toBeLessThan(0.05);
    expect(choice.reason).toContain('the quadratic term is negative');
  });

  it('says linear without a test for fewer than 4 points or fewer than 3 distinct x values', () => {
    const three = chooseModel([1, 2, 3], [1, 4, 9]);
    expect(three).toMatchObject({ verdict: 'linear', test: 'none', pValue: null, reason: 'fewer than 4 points' });
    expect(three.quadratic.coefficients[2]).toBeCloseTo(1, 10);
    const two = chooseModel([1, 1, 2, 2], [1, 1.1, 2, 2.1]);
    expect(two).toMatchObject({ verdict: 'linear', test: 'none', pValue: null });
    expect(two.reason).toContain('fewer than 3 distinct x values');
    expect(two.quadratic.coefficients).toHaveLength(3);
    expect(two.quadratic.rss).toBe(two.linear.rss);
    expect(() => chooseModel([3, 3, 3, 3], [1, 2, 3, 4])).toThrow(RangeError);
  });

  it('says linear with p = 1 for exactly linear data', () => {
    const choice = chooseModel([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
    expect(choice).toMatchObject({ verdict: 'linear', pValue: 1 });
    expect(chooseModel([1, 2, 3, 4, 5], [7, 7, 7, 7, 7])).toMatchObject({ verdict: 'linear', pValue: 1 });
  });
});

describe('F distribution', () => {
  it('matches exact identities of the incomplete beta and ln Γ', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 13);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 13);
    expect(regularizedIncompleteBeta(0.3, 2.5, 1)).toBeCloseTo(0.3 ** 2.5, 13);
    expect(regularizedIncompleteBeta(0.3, 1, 4)).toBeCloseTo(1 - 0.7 ** 4, 13);
    expect(regularizedIncompleteBeta(0.5, 7, 7)).toBeCloseTo(0.5, 13);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });

  it('gives the published 5% and 1% critical values of F(1, d) and F(2, 10)', () => {
    // Critical values from standard F tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.3).
    expect(fSurvival(161.448, 1, 1)).toBeCloseTo(0.05, 5);
    expect(fSurvival(6.608, 1, 5)).toBeCloseTo(0.05, 4);
    expect(fSurvival(4.965, 1, 10)).toBeCloseTo(0.05, 4);
    expect(fSurvival(10.044, 1, 10)).toBeCloseTo(0.01, 4);
    expect(fSurvival(4.103, 2, 10)).toBeCloseTo(0.05, 4);
    // F(1, d) is a squared t: t(10) two-sided 5% is 2.228.
    expect(fSurvival(2.228139 ** 2, 1, 10)).toBeCloseTo(0.05, 6);
    expect(fSurvival(0, 1, 10)).toBe(1);
    expect(fSurvival(Number.POSITIVE_INFINITY, 1, 10)).toBe(0);
    expect(() => fSurvival(1, 0, 10)).toThrow(RangeError);
  });
});
