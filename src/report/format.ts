/**
 * Shared table content for the terminal and Markdown writers: the same rows, two renderers.
 * Percentages are derived here from the summary, never stored.
 */
import { TTFT_STAGES } from '../stages.js';
import { keyString, ROOFLINE_STAGES, type RooflineStage, type TrialRecord } from './record.js';
import { shareBase, type Summary } from './summary.js';

/** A table as header + rows of display text. */
export interface TextTable {
  /** Heading above the table in summary.md and on the terminal (a spec's own tables have one). */
  title?: string;
  header: string[];
  rows: string[][];
  /** A line the writers print under the table (what its figures mean). */
  note?: string;
}

/** The answer check of a run (DESIGN.md invariant 1): records beyond the logits tolerance. */
export interface LogitsCheck {
  tolerance: number;
  /** Records that carry logits_max_abs_diff. */
  compared: number;
  /** Keys (keyString) and differences of the records beyond the tolerance. */
  beyond: { key: string; maxAbsDiff: number }[];
}

/** The answer check over `records`, or undefined when no record compares logits. */
export function logitsCheck(records: readonly TrialRecord[], tolerance: number): LogitsCheck | undefined {
  const compared = records.filter((r) => r.status === 'ok' && r.measures.logitsMaxAbsDiff !== null);
  if (compared.length === 0) return undefined;
  const beyond = compared
    .filter((r) => (r.measures.logitsMaxAbsDiff as number) > tolerance)
    .map((r) => ({ key: keyString(r), maxAbsDiff: r.measures.logitsMaxAbsDiff as number }));
  return { tolerance, compared: compared.length, beyond };
}

/** One line per record beyond the tolerance, or the all-clear line. */
export function logitsCheckLines(check: LogitsCheck): string[] {
  if (check.beyond.length === 0) return [`answer check: all ${check.compared} compared records within logits tolerance ${check.tolerance} of the reference`];
  return [
    `answer check FAILED: ${check.beyond.length} of ${check.compared} records differ from the reference by more than ${check.tolerance} (first-token logits):`,
    ...check.beyond.map((b) => `  ${b.key}: max abs diff ${b.maxAbsDiff.toPrecision(3)}`),
  ];
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

/** The note under a breakdown table whose shares are of the critical path. */
export const OVERLAP_NOTE = 'stages ran concurrently (overlap_ms > 0): shares are of critical_path_ms; stages off the critical path overlap others';

/**
 * The TTFT breakdown: one row per TTFT stage that ran in any variant, then `other` and `ttft`;
 * per variant the mean ms and its % of mean TTFT; then TPOT, peak RSS and accuracy. A group
 * whose stages ran concurrently (shareBase) has its shares of the mean critical path instead,
 * says so in its header, and the table gains a `critical path` row and OVERLAP_NOTE.
 */
export function breakdownTable(summary: Summary): TextTable {
  const variants = summary.variants;
  const bases = variants.map((v) => shareBase(v));
  const ofPath = bases.map((b) => b?.metric === 'critical_path_ms');
  const header = [
    'stage',
    ...variants.flatMap((v, i) => {
      const pct = ofPath[i] ? '% of critical path' : variants.length > 1 ? '%' : '% of TTFT';
      return variants.length > 1 ? [`${v.group} ms`, `${v.group} ${pct}`] : ['mean ms', pct];
    }),
  ];
  const rows: string[][] = [];
  const ran = (metric: string): boolean => variants.some((v) => (v.metrics[metric]?.mean ?? 0) !== 0);
  const meanAndShare = (metric: string) =>
    variants.flatMap((v, i) => {
      const mean = v.metrics[metric]?.mean;
      const base = bases[i]?.meanMs;
      return [formatMs(mean), mean !== undefined && base ? formatPct(mean / base) : '-'];
    });
  for (const stage of [...TTFT_STAGES, 'other']) {
    const metric = `${stage}_ms`;
    if (!ran(metric) && stage !== 'other') continue;
    rows.push([stage, ...meanAndShare(metric)]);
  }
  const anyPath = ofPath.some(Boolean);
  if (anyPath) rows.push(['critical path', ...meanAndShare('critical_path_ms')]);
  rows.push([
    'ttft',
    ...variants.flatMap((v, i) => {
      const ttft = v.metrics['ttft_ms'];
      if (!ttft) return [formatMs(undefined), '-'];
      return [formatMs(ttft.mean), ofPath[i] ? formatPct(ttft.mean / (bases[i]?.meanMs ?? NaN)) : '100.0%'];
    }),
  ]);
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
  return anyPath ? { header, rows, note: OVERLAP_NOTE } : { header, rows };
}

/** Statistics of every metric of one variant (n, mean, p50, p90, p99, std, min, max, 95% CI, outliers). */
export function statisticsTable(summary: Summary, group: string): TextTable {
  const variant = summary.variants.find((v) => v.group === group);
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
    .flatMap((r) => (r.status !== 'ok' ? [[`${r.dataset}/${r.sampleId}`, r.variant, String(r.repeat), `${r.status === 'skipped' ? 'skipped: ' : ''}${r.error}`]] : []))
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
