/**
 * Text pieces shared by the terminal and Markdown writers of a comparison: the table (one row
 * per measured metric, regressions first), the header and verdict lines, skipped metrics, and
 * the noise line.
 */
import { formatMs, type TextTable } from '../report/format.js';
import type { CompareGroup, CompareReport, MeasuredComparison, MetricComparison, MetricUnit } from './types.js';

/** A value with its unit: ms with precision that suits their size, MB to 0.1. */
export function formatValue(value: number, unit: MetricUnit): string {
  return unit === 'ms' ? `${formatMs(value)} ms` : `${value.toFixed(1)} MB`;
}

/** A signed difference with its unit. */
export function formatDelta(delta: number, unit: MetricUnit): string {
  return `${delta >= 0 ? '+' : '-'}${formatValue(Math.abs(delta), unit)}`;
}

/** A p-value: two significant digits, scientific below 0.001. */
export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

/** The group's label: variant, then parameters and turn where the comparison has any. */
export function groupLabel(group: CompareGroup, showTurn: boolean): string {
  return [group.variant, group.params || undefined, showTurn ? `t${group.turn}` : undefined].filter((p) => p !== undefined).join(' ');
}

function showTurns(comparisons: readonly MetricComparison[]): boolean {
  return comparisons.some((c) => c.turn > 0);
}

function where(c: CompareGroup & { metric: string }, showTurn: boolean): string {
  return `${c.metric} [${groupLabel(c, showTurn)}]`;
}

/** The comparison table: one row per measured metric (skipped ones are listed under it by skippedLines). */
export function compareTable(report: CompareReport): TextTable {
  const turns = showTurns(report.result.comparisons);
  const measured = report.result.comparisons.filter((c): c is MeasuredComparison => c.status !== 'skipped');
  return {
    header: ['result', 'variant', 'metric', 'baseline', 'current', 'delta', 'ratio', '95% interval', 'p', 'samples', 'held back by'],
    rows: measured.map((c) => [
      c.status,
      groupLabel(c, turns),
      c.metric,
      formatValue(c.baselineMean, c.unit),
      formatValue(c.currentMean, c.unit),
      formatDelta(c.delta, c.unit),
      c.ratio.toFixed(3),
      `${c.ci95Low.toFixed(3)}-${c.ci95High.toFixed(3)}`,
      formatP(c.pValue),
      c.leftOut > 0 ? `${c.samples} (+${c.leftOut} left out)` : String(c.samples),
      c.why,
    ]),
  };
}

/** Counts per verdict. */
export function verdictCounts(report: CompareReport): Record<MetricComparison['status'], number> {
  const counts = { regressed: 0, improved: 0, unchanged: 0, skipped: 0 };
  for (const c of report.result.comparisons) counts[c.status]++;
  return counts;
}

/** What was compared with what. */
export function headerLine(report: CompareReport): string {
  const side = (f: CompareReport['baseline']): string => `${f.dir} (${f.gitSha ? `git ${f.gitSha.slice(0, 10)}, ` : ''}${f.records} records)`;
  return `compare ${report.spec}: baseline ${side(report.baseline)} -> current ${side(report.current)}`;
}

/** The verdict counts and the pairing. */
export function summaryLine(report: CompareReport): string {
  const n = verdictCounts(report);
  const r = report.result;
  const unpaired = r.baselineOnly.length + r.currentOnly.length > 0 ? ` (${r.baselineOnly.length} only in the baseline, ${r.currentOnly.length} only in the current run)` : '';
  return `${n.regressed} regressed, ${n.improved} improved, ${n.unchanged} unchanged, ${n.skipped} skipped; ${r.pairs} samples paired in ${r.groups} group${r.groups === 1 ? '' : 's'}${unpaired}`;
}

/** How the figures were computed and what is flagged. */
export function rulesLine(report: CompareReport): string {
  const o = report.options;
  return (
    `ratio = current/baseline, geometric mean over samples of per-sample ratios of means (95% bootstrap interval over samples); ` +
    `p: stratified permutation test on log values; flagged when the ratio is beyond ${o.threshold}x, p < ${o.alpha} and |delta| > ${o.minDeltaMs} ms / ${o.minDeltaMb} MB`
  );
}

/** One line per skipped metric, with its reason. */
export function skippedLines(report: CompareReport): string[] {
  const turns = showTurns(report.result.comparisons);
  return report.result.comparisons.filter((c) => c.status === 'skipped').map((c) => `skipped ${where(c, turns)}: ${c.status === 'skipped' ? c.reason : ''}`);
}

/**
 * The noise among unchanged metrics and what it means for --threshold: the largest deviation of
 * an unchanged ratio from 1 (a same-commit comparison's noise floor) and how much per-sample
 * ratios spread.
 */
export function noiseLine(report: CompareReport): string {
  const noise = report.result.noise;
  const turns = showTurns(report.result.comparisons);
  if (!noise.largestUnchanged) return 'noise: no unchanged metric with |delta| beyond the minimum delta to measure it on';
  const l = noise.largestUnchanged;
  const floor = 1 + l.deviationPct / 100;
  let text = `noise: unchanged metrics within ${l.deviationPct.toFixed(1)}% of 1 (largest ${where(l, turns)}, ratio ${l.ratio.toFixed(3)})`;
  if (noise.largestSampleSpread && noise.medianSampleSpreadPct !== null) {
    text += `; per-sample ratios spread ${noise.medianSampleSpreadPct.toFixed(1)}% (median sd), up to ${noise.largestSampleSpread.spreadPct.toFixed(1)}% (${where(noise.largestSampleSpread, turns)})`;
  }
  return `${text}; for runs of one commit, choose a --threshold well above ${floor.toFixed(3)} (now ${report.options.threshold})`;
}

/** Lines of the warnings, as the CLI prints them on stderr. */
export function warningLines(report: CompareReport): string[] {
  return report.warnings.map((w) => `omni-bench: warning: ${w.message}`);
}
