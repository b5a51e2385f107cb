/**
 * The statistics of `omni-bench compare` (docs/compare.md): the ratio current/baseline as a
 * geometric mean over samples, its bootstrap interval over samples, and a stratified
 * permutation test on log values.
 *
 * Why stratified: a run has few repeats per sample (3 by default) and samples whose times
 * differ by orders of magnitude (a 5 s clip and a 300 s one). A rank test within one sample
 * cannot conclude anything (Mann-Whitney with 3 + 3 values has 20 arrangements, so its
 * smallest two-sided p is 0.1), and a test on all values pooled compares a 20% change with the
 * between-sample spread, which is 100x larger. Shuffling labels only within each sample keeps
 * every sample its own control, and averaging the log differences over samples lets 6 samples
 * of 3 + 3 repeats reach p < 0.01 (20^6 arrangements).
 */
import { mulberry32 } from '../random.js';
import { quantile, sortSamples } from '../profiler/stats.js';

/** One paired sample's values on each side (positive, e.g. ms), at least one each. */
export interface SampleValues {
  baseline: readonly number[];
  current: readonly number[];
}

/** Label arrangements enumerated exactly up to this many; beyond, Monte Carlo. */
export const EXACT_ARRANGEMENTS_LIMIT = 100_000;

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** n choose k, as a float (exact for the sizes that matter here). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) result = (result * (n - i + 1)) / i;
  return Math.round(result);
}

/** Ratio of the sample's means, current / baseline. */
export function sampleRatio(sample: SampleValues): number {
  return mean(sample.current) / mean(sample.baseline);
}

/** Geometric mean of the per-sample ratios of means: exp(mean of their logs). */
export function geometricMeanRatio(samples: readonly SampleValues[]): number {
  return Math.exp(mean(samples.map((s) => Math.log(sampleRatio(s)))));
}

/**
 * Standard deviation (n - 1) of the per-sample log ratios as a percentage, exp(sd) - 1:
 * how much one sample's ratio wanders from the others'. Null with fewer than 2 samples.
 */
export function sampleSpreadPct(samples: readonly SampleValues[]): number | null {
  if (samples.length < 2) return null;
  const logs = samples.map((s) => Math.log(sampleRatio(s)));
  const m = mean(logs);
  let squares = 0;
  for (const v of logs) squares += (v - m) ** 2;
  return (Math.exp(Math.sqrt(squares / (logs.length - 1))) - 1) * 100;
}

/**
 * Percentile bootstrap 95% interval of geometricMeanRatio: `resamples` times, draw as many
 * samples as there are with replacement and take the geometric mean of their ratios. One
 * sample gives its ratio as both ends (nothing to resample).
 */
export function bootstrapRatioInterval(samples: readonly SampleValues[], options: { resamples: number; seed: number }): { low: number; high: number } {
  if (samples.length === 0) throw new RangeError('bootstrapRatioInterval needs at least one sample');
  if (!Number.isInteger(options.resamples) || options.resamples < 1) throw new RangeError(`resamples must be an integer >= 1 (got ${options.resamples})`);
  const logs = samples.map((s) => Math.log(sampleRatio(s)));
  const random = mulberry32(options.seed);
  const n = logs.length;
  const means = new Array<number>(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += logs[Math.floor(random() * n)]!;
    means[r] = sum / n;
  }
  const sorted = sortSamples(means);
  return { low: Math.exp(quantile(sorted, 0.025)), high: Math.exp(quantile(sorted, 0.975)) };
}

/** A sample's log values pooled (baseline first) and how many are current. */
interface Stratum {
  logs: Float64Array;
  nBaseline: number;
  nCurrent: number;
  total: number;
}

function strata(samples: readonly SampleValues[]): Stratum[] {
  return samples.map((s) => {
    if (s.baseline.length === 0 || s.current.length === 0) throw new RangeError('every sample needs at least one value on each side');
    const logs = Float64Array.from([...s.baseline, ...s.current], (v) => {
      if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`the permutation test works on logs: values must be finite and > 0 (got ${v})`);
      return Math.log(v);
    });
    let total = 0;
    for (const v of logs) total += v;
    return { logs, nBaseline: s.baseline.length, nCurrent: s.current.length, total };
  });
}

/** Sum over samples of (mean log current - mean log baseline) for the labels as recorded. */
function observedSum(st: readonly Stratum[]): number {
  let sum = 0;
  for (const s of st) {
    let current = 0;
    for (let i = s.nBaseline; i < s.logs.length; i++) current += s.logs[i]!;
    sum += current / s.nCurrent - (s.total - current) / s.nBaseline;
  }
  return sum;
}

/**
 * The test statistic: mean over samples of (mean log current - mean log baseline), i.e. the
 * log of the geometric-mean ratio of the repeats' geometric means.
 */
export function permutationStatistic(samples: readonly SampleValues[]): number {
  return observedSum(strata(samples)) / samples.length;
}

/** Every value a sample's difference of means takes over all choices of its current labels. */
function stratumDifferences(s: Stratum): Float64Array {
  const n = s.logs.length;
  const k = s.nCurrent;
  const out = new Float64Array(binomial(n, k));
  const chosen = Array.from({ length: k }, (_, i) => i);
  for (let index = 0; index < out.length; index++) {
    let current = 0;
    for (const i of chosen) current += s.logs[i]!;
    out[index] = current / k - (s.total - current) / s.nBaseline;
    // Next k-combination in lexicographic order.
    let i = k - 1;
    while (i >= 0 && chosen[i] === n - k + i) i--;
    if (i < 0) break;
    chosen[i] = chosen[i]! + 1;
    for (let j = i + 1; j < k; j++) chosen[j] = chosen[j - 1]! + 1;
  }
  return out;
}

/** Result of the stratified permutation test. */
export interface PermutationResult {
  /** Two-sided p-value: share of arrangements whose |statistic| is at least the observed one. */
  pValue: number;
  /** log(ratio) the test saw: permutationStatistic of the data. */
  statistic: number;
  method: 'exact' | 'monte-carlo';
  /** Arrangements enumerated (exact) or drawn (Monte Carlo). */
  arrangements: number;
}

/**
 * Stratified permutation test of "no difference" between baseline and current: within each
 * sample the baseline/current labels of its log values are shuffled (each sample keeps its own
 * count of each), statistic = mean over samples of (mean log current - mean log baseline),
 * two-sided. Every arrangement is enumerated when there are at most `exactLimit` of them
 * (p = share at least as extreme, the observed one included); otherwise `permutations` random
 * arrangements from a seeded generator, p = (1 + as extreme) / (permutations + 1) (Phipson and
 * Smyth 2010: a Monte Carlo p-value is never 0).
 */
export function stratifiedPermutationTest(
  samples: readonly SampleValues[],
  options: { permutations: number; seed: number; exactLimit?: number },
): PermutationResult {
  if (samples.length === 0) throw new RangeError('stratifiedPermutationTest needs at least one sample');
  if (!Number.isInteger(options.permutations) || options.permutations < 1) throw new RangeError(`permutations must be an integer >= 1 (got ${options.permutations})`);
  const st = strata(samples);
  const observed = observedSum(st);
  // Arrangements equal to the observed one may sum in another order: count them as extreme.
  const bound = Math.abs(observed) - 1e-9 * (1 + Math.abs(observed));
  const statistic = observed / st.length;
  let arrangements = 1;
  for (const s of st) arrangements *= binomial(s.logs.length, s.nCurrent);
  if (arrangements <= (options.exactLimit ?? EXACT_ARRANGEMENTS_LIMIT)) {
    return { pValue: exactCount(st.map(stratumDifferences), bound) / arrangements, statistic, method: 'exact', arrangements };
  }
  const random = mulberry32(options.seed);
  const work = st.map((s) => Float64Array.from(s.logs));
  let extreme = 0;
  for (let p = 0; p < options.permutations; p++) {
    let sum = 0;
    for (let j = 0; j < st.length; j++) {
      const s = st[j]!;
      const logs = work[j]!;
      const n = logs.length;
      // Partial Fisher-Yates: the first nCurrent slots become a uniform random subset.
      let current = 0;
      for (let i = 0; i < s.nCurrent; i++) {
        const pick = i + Math.floor(random() * (n - i));
        const v = logs[pick]!;
        logs[pick] = logs[i]!;
        logs[i] = v;
        current += v;
      }
      sum += current / s.nCurrent - (s.total - current) / s.nBaseline;
    }
    if (Math.abs(sum) >= bound) extreme++;
  }
  return { pValue: (extreme + 1) / (options.permutations + 1), statistic, method: 'monte-carlo', arrangements: options.permutations };
}

/** Arrangements (one difference per sample) whose |sum| >= bound, by walking their product. */
function exactCount(differences: readonly Float64Array[], bound: number): number {
  let count = 0;
  const walk = (depth: number, sum: number): void => {
    if (depth === differences.length) {
      if (Math.abs(sum) >= bound) count++;
      return;
    }
    for (const d of differences[depth]!) walk(depth + 1, sum + d);
  };
  walk(0, 0);
  return count;
}

/** A seed for one comparison: the user's seed mixed with its name (FNV-1a), so results do not depend on which other metrics ran. */
export function comparisonSeed(seed: number, name: string): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}
