/**
 * The merged folder's content, built from checked shards without touching the disk: records in
 * one stable order, the shards' timelines joined (one process per shard), and meta.json.
 */
import type { MergedShard, RunMeta } from '../report/meta.js';
import type { Timeline } from '../report/outputs.js';
import type { ParamValue, TrialRecord } from '../report/record.js';
import type { ShardCheck } from './checks.js';
import type { ShardFolder } from './shard-folder.js';

/** Code-unit order (never the locale's: the order must not depend on the machine). */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Numbers before text, numbers by value, text by code unit. */
function byParam(a: ParamValue | undefined, b: ParamValue | undefined): number {
  if (a === b) return 0;
  if (a === undefined || b === undefined) return a === undefined ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number' || typeof b === 'number') return typeof a === 'number' ? -1 : 1;
  return byText(a, b);
}

/**
 * The records of every shard in one order that does not depend on the order of the folders:
 * the nesting of the unsharded plan (variant in the run's order, the reference first; repeat;
 * sample; sweep parameters; turn) with samples sorted by dataset and sample_id, since the
 * manifest order across shards is not in the folders. Invalid manifest rows sort as samples.
 */
export function mergedRecordOrder(records: readonly TrialRecord[], variantOrder: readonly string[]): TrialRecord[] {
  const rank = new Map(variantOrder.map((name, i) => [name, i]));
  const variantRank = (name: string): number => rank.get(name) ?? variantOrder.length;
  return [...records].sort((a, b) => {
    const order =
      variantRank(a.variant) - variantRank(b.variant) ||
      byText(a.variant, b.variant) ||
      a.repeat - b.repeat ||
      byText(a.dataset, b.dataset) ||
      byText(a.sampleId, b.sampleId);
    if (order !== 0) return order;
    const names = [...new Set([...Object.keys(a.params ?? {}), ...Object.keys(b.params ?? {})])].sort(byText);
    for (const name of names) {
      const p = byParam(a.params?.[name], b.params?.[name]);
      if (p !== 0) return p;
    }
    return a.turn - b.turn;
  });
}

/** The process name of a shard in trace.json. */
export const shardProcessName = (shard: ShardFolder): string => `shard ${shard.label}`;

/** The shards' timelines one after another (shard order), with one `processes` entry per shard. */
export function joinTimelines(shards: readonly ShardFolder[]): Timeline {
  const withGpu = shards.some((s) => s.timeline.gpu !== undefined);
  return {
    spans: shards.flatMap((s) => s.timeline.spans),
    memory: shards.flatMap((s) => s.timeline.memory),
    ...(withGpu ? { gpu: shards.flatMap((s) => s.timeline.gpu ?? []) } : {}),
    processes: shards.map((s) => ({ name: shardProcessName(s), spans: s.timeline.spans.length, memory: s.timeline.memory.length, gpu: s.timeline.gpu?.length ?? 0 })),
  };
}

/**
 * The MatMul peak the merged summary's % of peak divides by: the highest of the shards'
 * calibrated peaks (a peak is the best the machine showed), only when every shard ran on the
 * same machine and was calibrated; undefined otherwise.
 */
export function commonPeakGflops(check: ShardCheck): number | undefined {
  if (!check.sameMachine) return undefined;
  const peaks = check.ordered.map((s) => s.meta.calibration?.['peakGflops']);
  if (!peaks.every((p): p is number => typeof p === 'number' && p > 0)) return undefined;
  return Math.max(...peaks);
}

const earliest = (times: readonly string[]): string | undefined => [...times].sort(byText)[0];
const latest = (times: readonly string[]): string | undefined => [...times].sort(byText).at(-1);

/**
 * meta.json of the merged folder: the first shard's spec, model, variants, memory methods and
 * environment; its options without --shard (and --out the merged folder); every shard's own
 * facts under `merged`; the shards' warnings (prefixed with the shard) and `warnings`.
 */
export function mergedMeta(input: { check: ShardCheck; outDir: string; command: readonly string[]; warnings: readonly string[]; peakGflops: number | undefined }): RunMeta {
  const { ordered, complete } = input.check;
  const head = ordered[0] as ShardFolder;
  const m = head.meta;
  const finished = ordered.map((s) => s.meta.finishedAt);
  const merged: MergedShard[] = ordered.map((s) => ({
    dir: s.realDir,
    shard: s.label,
    records: s.records.length,
    startedAt: s.meta.startedAt,
    ...(s.meta.finishedAt ? { finishedAt: s.meta.finishedAt } : {}),
    ...(s.meta.interrupted ? { interrupted: true } : {}),
    ...(s.meta.calibration ? { calibration: s.meta.calibration } : {}),
    environment: s.meta.environment,
  }));
  const shardWarnings = ordered.flatMap((s) => (s.meta.warnings ?? []).map((w) => `shard ${s.label}: ${w}`));
  const warnings = [...shardWarnings, ...input.warnings];
  return {
    format: 'omni-bench-meta/1',
    spec: m.spec,
    command: [...input.command],
    startedAt: earliest(ordered.map((s) => s.meta.startedAt)) ?? m.startedAt,
    ...(finished.every((f): f is string => f !== undefined) ? { finishedAt: latest(finished) as string } : {}),
    environment: m.environment,
    options: { ...m.options, shard: undefined, out: input.outDir, resume: undefined },
    variants: m.variants,
    ...(m.reference ? { reference: m.reference } : {}),
    ...(m.model ? { model: m.model } : {}),
    ...(input.peakGflops !== undefined ? { calibration: { peakGflops: input.peakGflops, source: 'the highest peak of the shards\' calibrations (merged[].calibration)' } } : {}),
    memory: m.memory,
    isolation: m.isolation,
    ...(m.branchThreads ? { branchThreads: m.branchThreads } : {}),
    samples: {
      valid: ordered.reduce((n, s) => n + (s.meta.samples?.valid ?? 0), 0),
      invalid: ordered.reduce((n, s) => n + (s.meta.samples?.invalid ?? 0), 0),
    },
    // `omni-bench report` reads `complete` from here: a merge missing a shard is not complete either.
    interrupted: !complete,
    ...(warnings.length > 0 ? { warnings } : {}),
    merged,
  };
}
