/**
 * The contract of `omni-bench compare` (docs/compare.md): options, one comparison per metric
 * and group, the noise seen, and the report every writer (terminal, Markdown, JSON) reads.
 */

/** Settings of a comparison; DEFAULT_COMPARE_OPTIONS holds the CLI's defaults. */
export interface CompareOptions {
  /** records.csv columns to compare (`_ms` or `_mb`); undefined: DEFAULT_METRICS where present. */
  metrics?: readonly string[];
  /** Ratio current/baseline above which a metric may be a regression (below 1/threshold: an improvement). Default 1.10. */
  threshold: number;
  /** Significance level of the permutation test. Default 0.01. */
  alpha: number;
  /** Smallest |current - baseline| of the pooled means, in ms, that may count for `_ms` metrics. Default 1. */
  minDeltaMs: number;
  /** The same for `_mb` metrics, in MB. Default 1. */
  minDeltaMb: number;
  /** Seed of the bootstrap and the Monte Carlo permutations: the same inputs give the same output. Default 1. */
  seed: number;
  /** Random label arrangements when exact enumeration is too large. Default 4000. */
  permutations: number;
  /** Bootstrap resamples of the samples. Default 2000. */
  resamples: number;
}

/** The CLI's defaults (asv's threshold, a strict alpha, 1 ms / 1 MB). */
export const DEFAULT_COMPARE_OPTIONS: Readonly<CompareOptions> = {
  threshold: 1.1,
  alpha: 0.01,
  minDeltaMs: 1,
  minDeltaMb: 1,
  seed: 1,
  permutations: 4000,
  resamples: 2000,
};

/** Unit of a compared metric, from its column's suffix. */
export type MetricUnit = 'ms' | 'MB';

/** Where a comparison belongs: the spec's variant, its sweep point and conversation turn. */
export interface CompareGroup {
  variant: string;
  /** Sweep parameters as `name=value` pairs (paramsString); empty without parameters. */
  params: string;
  turn: number;
}

/** The verdict on one metric of one group. */
export type Verdict = 'regressed' | 'improved' | 'unchanged';

interface ComparisonBase extends CompareGroup {
  /** records.csv column, e.g. `ttft_ms`. */
  metric: string;
  unit: MetricUnit;
}

/** How the p-value was computed. */
export interface PermutationMethod {
  method: 'exact' | 'monte-carlo';
  /** Label arrangements enumerated (exact) or drawn (Monte Carlo, the observed one not counted). */
  arrangements: number;
}

/** A metric measured on both sides, with its verdict. */
export interface MeasuredComparison extends ComparisonBase, PermutationMethod {
  status: Verdict;
  /** Why an unchanged metric was not flagged (the rules that held it back); empty otherwise. */
  why: string;
  /** Paired samples the statistics use (positive values on both sides). */
  samples: number;
  /** Paired samples left out because a side had no value or one <= 0 (a stage that ran on one side only). */
  leftOut: number;
  /** Pooled means over the used samples' trials, in `unit`. */
  baselineMean: number;
  currentMean: number;
  /** currentMean - baselineMean, in `unit`. */
  delta: number;
  /** Geometric mean over samples of per-sample ratios of means (current/baseline). */
  ratio: number;
  /** Bootstrap 95% interval of `ratio` (samples resampled). */
  ci95Low: number;
  ci95High: number;
  /** Two-sided p-value of the stratified permutation test. */
  pValue: number;
  /**
   * Spread of the per-sample ratios: standard deviation of their logs, as a percentage
   * (exp(sd) - 1); null with fewer than 2 samples.
   */
  sampleSpreadPct: number | null;
}

/** A metric that could not be compared, and why. */
export interface SkippedComparison extends ComparisonBase {
  status: 'skipped';
  reason: string;
}

/** One metric of one group. */
export type MetricComparison = MeasuredComparison | SkippedComparison;

/**
 * The noise a comparison saw: what an A/A comparison (same commit twice) tells about
 * --threshold. Over unchanged metrics whose |delta| is beyond the minimum delta (the others
 * cannot count whatever their ratio).
 */
export interface NoiseReport {
  /** The unchanged metric whose ratio is furthest from 1, and |ratio - 1| in percent (a ratio below 1 as its inverse); null without one. */
  largestUnchanged: (CompareGroup & { metric: string; ratio: number; deviationPct: number }) | null;
  /** Median over measured metrics of sampleSpreadPct; null without any. */
  medianSampleSpreadPct: number | null;
  /** The metric whose per-sample ratios spread most; null without any. */
  largestSampleSpread: (CompareGroup & { metric: string; spreadPct: number }) | null;
}

/** The pairing and every comparison of two record sets. */
export interface CompareResult {
  /** Groups (variant, parameters, turn) with at least one paired sample. */
  groups: number;
  /** (group, sample) pairs with ok trials on both sides. */
  pairs: number;
  /** Pair keys (`dataset/sample|variant|t<turn>[|params]`) with ok trials on one side only. */
  baselineOnly: string[];
  currentOnly: string[];
  /** Regressions first (largest ratio first), then improvements, unchanged, skipped. */
  comparisons: MetricComparison[];
  noise: NoiseReport;
}

/** One side of a comparison, as the writers name it. */
export interface FolderInfo {
  dir: string;
  gitSha: string | null;
  startedAt: string | null;
  records: number;
}

/** A warning about what the two runs ran on (printed as `omni-bench: warning: ...`). */
export interface CompareWarning {
  kind: 'machine' | 'software' | 'version' | 'calibration' | 'options' | 'model' | 'interrupted';
  message: string;
}

/** Everything the writers print. */
export interface CompareReport {
  spec: string;
  baseline: FolderInfo;
  current: FolderInfo;
  options: CompareOptions;
  result: CompareResult;
  warnings: CompareWarning[];
}
