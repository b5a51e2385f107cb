/**
 * Compares two record sets metric by metric (docs/compare.md): pairs samples, computes the
 * ratio, its interval and the permutation p-value per (group, metric), decides, and reports
 * the noise seen among unchanged metrics.
 */
import { UsageError } from '../errors.js';
import type { TrialRecord } from '../report/record.js';
import { checkRules, decide } from './decision.js';
import { DEFAULT_METRICS, pairRecords, resolveMetrics, type CompareMetric, type PairedGroup } from './pairing.js';
import { bootstrapRatioInterval, comparisonSeed, geometricMeanRatio, sampleSpreadPct, stratifiedPermutationTest, type SampleValues } from './statistics.js';
import type { CompareOptions, CompareResult, MeasuredComparison, MetricComparison, NoiseReport } from './types.js';

function finiteValues(records: readonly TrialRecord[], metric: CompareMetric): number[] {
  const out: number[] = [];
  for (const r of records) {
    const v = metric.read(r);
    if (v !== null && Number.isFinite(v)) out.push(v);
  }
  return out;
}

function pooledMean(samples: readonly SampleValues[], side: keyof SampleValues): number {
  let sum = 0;
  let n = 0;
  for (const s of samples) {
    for (const v of s[side]) sum += v;
    n += s[side].length;
  }
  return sum / n;
}

/**
 * One metric of one group; undefined for a default metric that neither run measured (a GPU
 * column without a GPU, a stage the spec never runs), which is left out rather than listed.
 */
function compareMetric(group: PairedGroup, metric: CompareMetric, options: CompareOptions, explicit: boolean): MetricComparison | undefined {
  const base = { variant: group.variant, params: group.params, turn: group.turn, metric: metric.name, unit: metric.unit };
  const skipped = (reason: string): MetricComparison => ({ ...base, status: 'skipped', reason });
  const values: SampleValues[] = group.samples.map((s) => ({ baseline: finiteValues(s.baseline, metric), current: finiteValues(s.current, metric) }));
  const inBaseline = values.some((v) => v.baseline.length > 0);
  const inCurrent = values.some((v) => v.current.length > 0);
  if (!inBaseline && !inCurrent) return explicit ? skipped('no values in either run') : undefined;
  if (!inBaseline) return skipped('no values in the baseline run');
  if (!inCurrent) return skipped('no values in the current run');
  // A stage that did not run is 0 on both sides: nothing to compare, and not a left-out sample.
  const ran = values.filter((v) => ![...v.baseline, ...v.current].every((x) => x === 0));
  const used = ran.filter((v) => v.baseline.length > 0 && v.current.length > 0 && v.baseline.every((x) => x > 0) && v.current.every((x) => x > 0));
  const leftOut = ran.length - used.length;
  if (used.length === 0) {
    if (ran.length === 0) return explicit ? skipped('0 on every paired trial (the stage did not run)') : undefined;
    return skipped(`no paired sample has values > 0 on both sides (${leftOut} with a value missing or <= 0 on one side)`);
  }
  const seed = comparisonSeed(options.seed, `${group.variant}|${group.params}|${group.turn}|${metric.name}`);
  const test = stratifiedPermutationTest(used, { permutations: options.permutations, seed });
  const ratio = geometricMeanRatio(used);
  const interval = bootstrapRatioInterval(used, { resamples: options.resamples, seed: comparisonSeed(seed, 'bootstrap') });
  const baselineMean = pooledMean(used, 'baseline');
  const currentMean = pooledMean(used, 'current');
  const delta = currentMean - baselineMean;
  const minDelta = metric.unit === 'ms' ? options.minDeltaMs : options.minDeltaMb;
  const verdict = decide({ ratio, pValue: test.pValue, delta, unit: metric.unit }, { threshold: options.threshold, alpha: options.alpha, minDelta });
  return {
    ...base,
    ...verdict,
    samples: used.length,
    leftOut,
    baselineMean,
    currentMean,
    delta,
    ratio,
    ci95Low: interval.low,
    ci95High: interval.high,
    pValue: test.pValue,
    method: test.method,
    arrangements: test.arrangements,
    sampleSpreadPct: sampleSpreadPct(used),
  };
}

const ORDER: Record<MetricComparison['status'], number> = { regressed: 0, improved: 1, unchanged: 2, skipped: 3 };

/** Regressions (largest ratio first), improvements (smallest first), unchanged, skipped; stable otherwise. */
function sortComparisons(list: MetricComparison[]): MetricComparison[] {
  return list
    .map((c, i) => ({ c, i }))
    .sort((a, b) => {
      const rank = ORDER[a.c.status] - ORDER[b.c.status];
      if (rank !== 0) return rank;
      if (a.c.status === 'regressed' && b.c.status === 'regressed') return b.c.ratio - a.c.ratio;
      if (a.c.status === 'improved' && b.c.status === 'improved') return a.c.ratio - b.c.ratio;
      return a.i - b.i;
    })
    .map(({ c }) => c);
}

/** |ratio - 1| in percent, symmetric in log (a ratio of 0.9 counts as 1/0.9). */
export function deviationPct(ratio: number): number {
  return (Math.exp(Math.abs(Math.log(ratio))) - 1) * 100;
}

/**
 * The noise among unchanged metrics: their largest deviation from 1 and their per-sample
 * spread. Metrics whose |delta| is within the minimum delta are left out: that rule already
 * keeps them from counting, whatever their ratio (a 1.5 ms stage wanders by 50% at 0.7 ms).
 */
export function noiseReport(comparisons: readonly MetricComparison[], minDelta: { ms: number; MB: number } = { ms: 0, MB: 0 }): NoiseReport {
  const unchanged = comparisons.filter((c): c is MeasuredComparison => c.status === 'unchanged' && Math.abs(c.delta) > minDelta[c.unit]);
  const where = (c: MeasuredComparison): { variant: string; params: string; turn: number; metric: string } => ({ variant: c.variant, params: c.params, turn: c.turn, metric: c.metric });
  let largestUnchanged: NoiseReport['largestUnchanged'] = null;
  for (const c of unchanged) {
    const d = deviationPct(c.ratio);
    if (!largestUnchanged || d > largestUnchanged.deviationPct) largestUnchanged = { ...where(c), ratio: c.ratio, deviationPct: d };
  }
  const spreads = unchanged.filter((c) => c.sampleSpreadPct !== null);
  let largestSampleSpread: NoiseReport['largestSampleSpread'] = null;
  for (const c of spreads) {
    if (!largestSampleSpread || c.sampleSpreadPct! > largestSampleSpread.spreadPct) largestSampleSpread = { ...where(c), spreadPct: c.sampleSpreadPct! };
  }
  const sorted = spreads.map((c) => c.sampleSpreadPct!).sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const medianSampleSpreadPct = sorted.length === 0 ? null : sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { largestUnchanged, medianSampleSpreadPct, largestSampleSpread };
}

/**
 * Compares the ok records of two runs. UsageError when they share no (variant, sample,
 * parameters, turn) or a --metric name is not comparable; RangeError for options out of range.
 */
export function compareRecords(baseline: readonly TrialRecord[], current: readonly TrialRecord[], options: CompareOptions): CompareResult {
  checkRules({ threshold: options.threshold, alpha: options.alpha, minDelta: options.minDeltaMs });
  checkRules({ threshold: options.threshold, alpha: options.alpha, minDelta: options.minDeltaMb });
  const explicit = options.metrics !== undefined;
  const metrics = resolveMetrics(options.metrics ?? DEFAULT_METRICS);
  const pairing = pairRecords(baseline, current);
  if (pairing.groups.length === 0) {
    const sides = `${pairing.baselineOnly.length} in the baseline, ${pairing.currentOnly.length} in the current run`;
    throw new UsageError(`the runs share no (variant, sample, parameters, turn) with ok trials (${sides}): compare runs of the same manifest and variants`);
  }
  const comparisons: MetricComparison[] = [];
  for (const group of pairing.groups) {
    for (const metric of metrics) {
      const c = compareMetric(group, metric, options, explicit);
      if (c) comparisons.push(c);
    }
  }
  const sorted = sortComparisons(comparisons);
  return {
    groups: pairing.groups.length,
    pairs: pairing.groups.reduce((n, g) => n + g.samples.length, 0),
    baselineOnly: pairing.baselineOnly,
    currentOnly: pairing.currentOnly,
    comparisons: sorted,
    noise: noiseReport(sorted, { ms: options.minDeltaMs, MB: options.minDeltaMb }),
  };
}
