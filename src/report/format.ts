/**
 * Shared table content for the terminal and Markdown writers: the same rows, two renderers.
 * Percentages are derived here from the summary, never stored.
 */
import { TTFT_STAGES } from '../stages.js';
import { ROOFLINE_STAGES, type RooflineStage, type TrialRecord } from './record.js';
import type { Summary } from './summary.js';

/** A table as header + rows of display text. */
export interface TextTable {
  header: string[];
  rows: string[][];
}

/** Milliseconds with precision that suits their size. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

/** A share in [0, 1] as a percentage. */
export function formatPct(share: number | undefined): string {
  if (share === undefined || !Number.isFinite(share)) return '-';
  return `${(share * 100).toFixed(1)}%`;
}

/**
 * The TTFT breakdown: one row per TTFT stage that ran in any variant, then `other` and `ttft`;
 * per variant the mean ms and its % of mean TTFT; then TPOT, peak RSS and accuracy.
 */
export function breakdownTable(summary: Summary): TextTable {
  const variants = summary.variants;
  const header = ['stage', ...variants.flatMap((v) => (variants.length > 1 ? [`${v.variant} ms`, `${v.variant} %`] : ['mean ms', '% of TTFT']))];
  const rows: string[][] = [];
  const ran = (metric: string): boolean => variants.some((v) => (v.metrics[metric]?.mean ?? 0) !== 0);
  for (const stage of [...TTFT_STAGES, 'other']) {
    const metric = `${stage}_ms`;
    if (!ran(metric) && stage !== 'other') continue;
    rows.push([
      stage,
      ...variants.flatMap((v) => {
        const mean = v.metrics[metric]?.mean;
        const ttft = v.metrics['ttft_ms']?.mean;
        return [formatMs(mean), mean !== undefined && ttft ? formatPct(mean / ttft) : '-'];
      }),
    ]);
  }
  rows.push(['ttft', ...variants.flatMap((v) => [formatMs(v.metrics['ttft_ms']?.mean), v.metrics['ttft_ms'] ? '100.0%' : '-'])]);
  if (ran('tpot_ms')) rows.push(['tpot (decode/token)', ...variants.flatMap((v) => [formatMs(v.metrics['tpot_ms']?.mean), ''])]);
  if (ran('rss_poll_peak_mb')) {
    rows.push(['peak RSS MB (rss-poll)', ...variants.flatMap((v) => [formatMs(v.metrics['rss_poll_peak_mb']?.max), ''])]);
  }
  if (variants.some((v) => v.accuracy)) {
    rows.push([
      'accuracy',
      ...variants.flatMap((v) => (v.accuracy ? [`${v.accuracy.correct}/${v.accuracy.total}`, formatPct(v.accuracy.accuracy)] : ['-', '-'])),
    ]);
  }
  rows.push(['trials ok/total', ...variants.flatMap((v) => [`${v.ok}/${v.trials}`, ''])]);
  return { header, rows };
}

/** Statistics of every metric of one variant (n, mean, p50, p90, p99, std, min, max, 95% CI, outliers). */
export function statisticsTable(summary: Summary, variantName: string): TextTable {
  const variant = summary.variants.find((v) => v.variant === variantName);
  const header = ['metric', 'n', 'mean', 'p50', 'p90', 'p99', 'std', 'min', 'max', '95% CI', 'outliers'];
  if (!variant) return { header, rows: [] };
  const rows = Object.entries(variant.metrics).map(([metric, s]) => [
    metric,
    String(s.n),
    formatMs(s.mean),
    formatMs(s.p50),
    formatMs(s.p90),
    formatMs(s.p99),
    formatMs(s.std),
    formatMs(s.min),
    formatMs(s.max),
    `${formatMs(s.ci95Low)}-${formatMs(s.ci95High)}`,
    String(s.outliers.length),
  ]);
  return { header, rows };
}

/** Error records as (key, reason) rows, at most `limit`. */
export function errorsTable(records: readonly TrialRecord[], limit = 50): TextTable {
  const rows = records
    .flatMap((r) => (r.status === 'error' ? [[`${r.dataset}/${r.sampleId}`, r.variant, String(r.repeat), r.error]] : []))
    .slice(0, limit);
  return { header: ['sample', 'variant', 'repeat', 'error'], rows };
}

/**
 * Roofline figures per variant and compute stage: mean ms, mean GFLOP, achieved GFLOP/s (total
 * work over total time of the ok trials where the stage ran) and, with the calibrated MatMul
 * peak, its share. Derived here from the records, never stored.
 */
export function rooflineTable(records: readonly TrialRecord[], peakGflops?: number): TextTable {
  const header = ['variant', 'stage', 'n', 'mean ms', 'mean GFLOP', 'GFLOP/s', ...(peakGflops ? ['% of MatMul peak'] : [])];
  const rows = stageRates(records).map((r) => [
    r.variant,
    r.stage,
    String(r.n),
    formatMs(r.totalMs / r.n),
    (r.totalGflop / r.n).toFixed(2),
    r.gflops.toFixed(1),
    ...(peakGflops ? [formatPct(r.gflops / peakGflops)] : []),
  ]);
  return { header, rows };
}

/** Achieved rate of one compute stage of one variant over its ok trials. */
export interface StageRate {
  variant: string;
  stage: RooflineStage;
  n: number;
  totalMs: number;
  totalGflop: number;
  /** Total GFLOP over total seconds of the trials where the stage ran. */
  gflops: number;
}

/** Achieved GFLOP/s per variant and compute stage (ok trials where the stage ran and has FLOPs). */
export function stageRates(records: readonly TrialRecord[]): StageRate[] {
  const rates: StageRate[] = [];
  for (const variant of [...new Set(records.map((r) => r.variant))]) {
    for (const stage of ROOFLINE_STAGES) {
      const ran = records.filter((r) => {
        const ms = r.measures.stageMs[stage];
        return r.status === 'ok' && r.variant === variant && ms !== null && ms > 0 && r.measures.stageGflop[stage] !== null;
      });
      if (ran.length === 0) continue;
      const totalMs = ran.reduce((a, r) => a + (r.measures.stageMs[stage] ?? 0), 0);
      const totalGflop = ran.reduce((a, r) => a + (r.measures.stageGflop[stage] ?? 0), 0);
      rates.push({ variant, stage, n: ran.length, totalMs, totalGflop, gflops: totalGflop / (totalMs / 1000) });
    }
  }
  return rates;
}
