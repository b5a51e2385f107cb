/** JSON writer of a comparison (`--json`; format `omni-bench-compare/1`, docs/compare.md). */
import { verdictCounts } from './format.js';
import type { CompareReport } from './types.js';

/** The comparison as the JSON document `--json` prints. */
export function compareJsonDocument(report: CompareReport): Record<string, unknown> {
  const r = report.result;
  return {
    format: 'omni-bench-compare/1',
    spec: report.spec,
    baseline: report.baseline,
    current: report.current,
    settings: {
      threshold: report.options.threshold,
      alpha: report.options.alpha,
      minDeltaMs: report.options.minDeltaMs,
      minDeltaMb: report.options.minDeltaMb,
      seed: report.options.seed,
      permutations: report.options.permutations,
      resamples: report.options.resamples,
      ratio: 'geometric mean over samples of per-sample ratios of means (current/baseline)',
      interval: 'percentile bootstrap 95% over samples',
      test: 'stratified permutation test on log values, two-sided',
    },
    counts: verdictCounts(report),
    pairs: { groups: r.groups, samples: r.pairs, baselineOnly: r.baselineOnly, currentOnly: r.currentOnly },
    metrics: r.comparisons,
    noise: r.noise,
    warnings: report.warnings,
  };
}

/** `compareJsonDocument` as text, two-space indented, with a final newline. */
export function compareJson(report: CompareReport): string {
  return `${JSON.stringify(compareJsonDocument(report), null, 2)}\n`;
}
