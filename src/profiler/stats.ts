/**
 * Statistics over one metric's repeats (DESIGN.md section 5): n, mean, percentiles, sample
 * std, min, max, a bootstrap 95% interval of the mean, and Tukey outliers (flagged, never dropped).
 */
import type { Statistics } from './types.js';
import { mulberry32 } from '../random.js';

/** A list with at least one element. */
export type NonEmptyArray<T> = readonly [T, ...T[]];

declare const sortedBrand: unique symbol;
/** Numbers in ascending order (made only by sortSamples), so that quantile() cannot get unsorted input. */
export type SortedSamples = NonEmptyArray<number> & { readonly [sortedBrand]: true };

/** Narrows a list to a non-empty one. */
export function isNonEmpty<T>(values: readonly T[]): values is NonEmptyArray<T> {
  return values.length > 0;
}

/** A sorted copy of `values`. RangeError for an empty list or a value that is not finite. */
export function sortSamples(values: readonly number[]): SortedSamples {
  if (values.length === 0) throw new RangeError('statistics need at least one value (got an empty list)');
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`statistics need finite values (value ${bad} is ${values[bad]})`);
  return [...values].sort((a, b) => a - b) as unknown as SortedSamples;
}

/**
 * The q-quantile (0 <= q <= 1) by linear interpolation between closest ranks, as tinybench
 * (and numpy's default 'linear' method): position (n - 1) * q. [1..6] gives p75 = 4.75.
 */
export function quantile(sorted: SortedSamples, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be within [0, 1] (got ${q})`);
  const pos = (sorted.length - 1) * q;
  const base = Math.floor(pos);
  const lower = sorted[base]!;
  const upper = sorted[base + 1];
  return upper === undefined ? lower : lower + (pos - base) * (upper - lower);
}

/** A seeded PRNG in [0, 1) for resampling: the project's mulberry32. */
export const seededRandom: (seed: number) => () => number = mulberry32;

/** Median of a non-empty list of finite values (linear interpolation, as {@link quantile}). */
export function median(values: readonly number[]): number {
  return quantile(sortSamples(values), 0.5);
}

/** Options of computeStatistics. */
export interface StatisticsOptions {
  /** Bootstrap resamples. Default 2000. */
  resamples?: number;
  /** Seed of the bootstrap's PRNG (results are deterministic for one seed). Default 1. */
  seed?: number;
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Percentile bootstrap 95% interval of the mean: `resamples` means of n values drawn with
 * replacement, their 2.5% and 97.5% quantiles.
 */
export function bootstrapMeanCi(
  values: NonEmptyArray<number>,
  options: StatisticsOptions = {},
): { low: number; high: number } {
  const resamples = options.resamples ?? 2000;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrap: resamples must be an integer >= 1 (got ${resamples})`);
  const random = seededRandom(options.seed ?? 1);
  const n = values.length;
  const means: number[] = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(random() * n)]!;
    means[r] = sum / n;
  }
  const sorted = sortSamples(means);
  return { low: quantile(sorted, 0.025), high: quantile(sorted, 0.975) };
}

/** Indexes of values outside Tukey's fences [Q1 - 1.5 IQR, Q3 + 1.5 IQR] (quartiles as quantile()). */
export function tukeyOutliers(values: NonEmptyArray<number>): number[] {
  const sorted = sortSamples(values);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const iqr = q3 - q1;
  const low = q1 - 1.5 * iqr;
  const high = q3 + 1.5 * iqr;
  const out: number[] = [];
  values.forEach((v, i) => {
    if (v < low || v > high) out.push(i);
  });
  return out;
}

/**
 * Statistics of one metric's values. The type asks for at least one value (narrow a number[]
 * with isNonEmpty); an empty or non-finite list is still a RangeError at run time.
 * std is the sample standard deviation (n - 1; 0 for one value).
 */
export function computeStatistics(values: NonEmptyArray<number>, options: StatisticsOptions = {}): Statistics {
  const sorted = sortSamples(values);
  const list = values;
  const n = list.length;
  const m = mean(list);
  let squares = 0;
  for (const v of list) squares += (v - m) ** 2;
  const ci = bootstrapMeanCi(list, options);
  return {
    n,
    mean: m,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    std: n > 1 ? Math.sqrt(squares / (n - 1)) : 0,
    min: sorted[0],
    max: sorted[n - 1]!,
    ci95Low: ci.low,
    ci95High: ci.high,
    outliers: tukeyOutliers(list),
  };
}
