/**
 * The Summary half of the data model: statistics per variant and metric, computed from
 * records only (so `omni-bench report DIR` rebuilds the same summary from records.csv).
 */
import { computeStatistics } from '../profiler/stats.js';
import type { Statistics } from '../profiler/types.js';
import { STAGES, TTFT_STAGES, type StageName } from '../stages.js';
import { keyString, paramsString, type Measures, type TrialRecord } from './record.js';

/** A metric summarized per variant: its records.csv column name and how to read it. */
export interface MetricDef {
  /** records.csv column, e.g. `ttft_ms`. */
  name: string;
  read(measures: Measures): number | null;
}

/** Metrics summarized for every spec, in table order. */
export const SUMMARY_METRICS: readonly MetricDef[] = [
  { name: 'ttft_ms', read: (m) => m.ttftMs },
  ...STAGES.map((stage): MetricDef => ({ name: `${stage}_ms`, read: (m) => m.stageMs[stage] })),
  { name: 'other_ms', read: (m) => m.otherMs },
  { name: 'tpot_ms', read: (m) => m.tpotMs },
  { name: 'total_ms', read: (m) => m.totalMs },
  { name: 'critical_path_ms', read: (m) => m.criticalPathMs },
  { name: 'overlap_ms', read: (m) => m.overlapMs },
  { name: 'audio_branch_ms', read: (m) => m.audioBranchMs },
  { name: 'vision_branch_ms', read: (m) => m.visionBranchMs },
  { name: 'ttft_cpu_ms', read: (m) => m.ttftCpuMs },
  { name: 'audio_branch_cpu_ms', read: (m) => m.audioBranchCpuMs },
  { name: 'vision_branch_cpu_ms', read: (m) => m.visionBranchCpuMs },
  { name: 'rss_poll_peak_mb', read: (m) => m.rssPeakMb },
  { name: 'rss_poll_growth_mb', read: (m) => m.rssGrowthMb },
  { name: 'vmhwm_peak_mb', read: (m) => m.vmhwmPeakMb },
  { name: 'gpu_smi_peak_mb', read: (m) => m.gpuPeakMb },
  { name: 'logits_max_abs_diff', read: (m) => m.logitsMaxAbsDiff },
  { name: 'audio_features_max_abs_diff', read: (m) => m.audioFeaturesMaxAbsDiff },
  { name: 'encoder_features_max_abs_diff', read: (m) => m.encoderFeaturesMaxAbsDiff },
  { name: 'cached_tokens', read: (m) => m.cachedTokens },
  { name: 'new_tokens', read: (m) => m.newTokens },
  { name: 'kv_cache_mb', read: (m) => m.kvCacheMb },
  { name: 'cache_mb', read: (m) => m.cacheMb },
  { name: 'encoder_frames', read: (m) => m.encoderFrames },
];

/** Multiple-choice accuracy of one variant; unparseable answers count as wrong. */
export interface Accuracy {
  /** Ok records of samples with options. */
  total: number;
  /** Of those, answers from which a letter could be parsed. */
  answered: number;
  correct: number;
  /** correct / total, in [0, 1]. */
  accuracy: number;
}

/**
 * Summary of one group of records: one variant at one point of the sweep (parameters) and one
 * conversation turn. Single-turn specs without parameters have one group per variant.
 */
export interface VariantSummary {
  variant: string;
  /** The sweep point of the group (empty without parameters). */
  params: Readonly<Record<string, number | string>>;
  /** The conversation turn of the group (0 for single-turn specs). */
  turn: number;
  /** How tables and charts name the group: the variant, then its parameters and turn where the run has them. */
  group: string;
  /** Records of the variant, and how many are ok / error. */
  trials: number;
  ok: number;
  errors: number;
  /** Statistics of every metric that has at least one value, by column name. */
  metrics: Record<string, Statistics>;
  /** Keys (see keyString) of the records flagged as outliers per metric; flagged, never dropped. */
  outliers: Record<string, string[]>;
  /** Null when no sample of this variant has options. */
  accuracy: Accuracy | null;
}

/** Summary of a run. */
export interface Summary {
  spec: string;
  variants: VariantSummary[];
}

/** Variants in first-seen order. */
export function variantsOf(records: readonly TrialRecord[]): string[] {
  return [...new Set(records.map((r) => r.variant))];
}

function accuracyOf(records: readonly TrialRecord[]): Accuracy | null {
  const graded = records.filter((r) => r.status === 'ok' && r.measures.correct !== null);
  if (graded.length === 0) return null;
  const correct = graded.filter((r) => r.measures.correct === true).length;
  const answered = graded.filter((r) => r.measures.choice !== null && r.measures.choice !== '').length;
  return { total: graded.length, answered, correct, accuracy: correct / graded.length };
}

/** Records split by (variant, parameters, turn), in first-seen order, with each group's label. */
export function groupsOf(records: readonly TrialRecord[]): { variant: string; params: Readonly<Record<string, number | string>>; turn: number; group: string; records: TrialRecord[] }[] {
  const multiTurn = records.some((r) => r.turn > 0);
  const groups = new Map<string, { variant: string; params: Readonly<Record<string, number | string>>; turn: number; group: string; records: TrialRecord[] }>();
  for (const r of records) {
    const params = paramsString(r.params);
    const id = JSON.stringify([r.variant, params, r.turn]);
    let g = groups.get(id);
    if (!g) {
      const group = [r.variant, params.replace(/,/g, ' '), multiTurn ? `turn ${r.turn}` : ''].filter((x) => x !== '').join(' ');
      g = { variant: r.variant, params: { ...(r.params ?? {}) }, turn: r.turn, group, records: [] };
      groups.set(id, g);
    }
    g.records.push(r);
  }
  return [...groups.values()];
}

/** Builds the summary of `records` (statistics over ok records; errors and skipped turns are counted, not measured). */
export function summarize(spec: string, records: readonly TrialRecord[]): Summary {
  const variants = groupsOf(records).map(({ variant, params, turn, group, records: mine }): VariantSummary => {
    const ok = mine.filter((r) => r.status === 'ok');
    const metrics: Record<string, Statistics> = {};
    const outliers: Record<string, string[]> = {};
    for (const metric of SUMMARY_METRICS) {
      const measured = ok.filter((r) => {
        const v = metric.read(r.measures);
        return v !== null && Number.isFinite(v);
      });
      if (measured.length === 0) continue;
      const [first, ...rest] = measured.map((r) => metric.read(r.measures) as number);
      const stats = computeStatistics([first as number, ...rest]);
      metrics[metric.name] = stats;
      if (stats.outliers.length > 0) outliers[metric.name] = stats.outliers.map((i) => keyString(measured[i] as TrialRecord));
    }
    return {
      variant,
      params,
      turn,
      group,
      trials: mine.length,
      ok: ok.length,
      errors: mine.length - ok.length,
      metrics,
      outliers,
      accuracy: accuracyOf(mine),
    };
  });
  return { spec, variants };
}

/** Whether stages of a group ran concurrently: some ok record of it has overlap_ms > 0. */
export function stagesOverlapped(variant: VariantSummary): boolean {
  return (variant.metrics['overlap_ms']?.max ?? 0) > 0;
}

/**
 * What a group's stage shares are computed against: the mean critical_path_ms where its stages
 * ran concurrently (per-stage times then add up to more than TTFT; stages off the critical path
 * overlap others), otherwise the mean TTFT. Undefined when that mean is absent or 0.
 */
export function shareBase(variant: VariantSummary): { metric: 'ttft_ms' | 'critical_path_ms'; meanMs: number } | undefined {
  const metric = stagesOverlapped(variant) && (variant.metrics['critical_path_ms']?.mean ?? 0) > 0 ? 'critical_path_ms' : 'ttft_ms';
  const meanMs = variant.metrics[metric]?.mean;
  return meanMs ? { metric, meanMs } : undefined;
}

/** One row of a TTFT breakdown: a stage (or `other`) with its mean ms and share of mean TTFT. */
export interface BreakdownRow {
  stage: StageName | 'other';
  meanMs: number;
  /** meanMs / mean TTFT, in [0, 1] (derived here, never stored). */
  share: number;
}

/**
 * The TTFT breakdown of a variant: mean ms of every TTFT stage and of `other`, each with its
 * share of the mean TTFT. Stages that never ran (mean 0 or absent) are left out.
 */
export function breakdown(variant: VariantSummary): { ttftMeanMs: number; rows: BreakdownRow[] } | null {
  const ttft = variant.metrics['ttft_ms'];
  if (!ttft || ttft.mean <= 0) return null;
  const rows: BreakdownRow[] = [];
  for (const stage of [...TTFT_STAGES, 'other' as const]) {
    const stats = variant.metrics[`${stage}_ms`];
    if (!stats || stats.mean === 0) continue;
    rows.push({ stage, meanMs: stats.mean, share: stats.mean / ttft.mean });
  }
  return { ttftMeanMs: ttft.mean, rows };
}
