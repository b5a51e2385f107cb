/**
 * Turns one trial's spans, output and memory samples into the record's raw Measures.
 * TTFT = request start to the end of the first `first_token` span (the first token id);
 * `other` = TTFT not covered by top-level spans; the concurrency figures (branches, overlap,
 * critical path, CPU time) are over the same window, request start to first token.
 */
import { statSync } from 'node:fs';
import { STAGES, TTFT_STAGES, type StageName } from '../stages.js';
import type { BenchSample } from './types.js';
import { branchCpuMs, concurrencyMeasures } from '../profiler/concurrency.js';
import { otherMs, stageTotals } from '../profiler/tracker.js';
import type { MemorySample, Span } from '../profiler/types.js';
import { emptyMeasures, type Measures } from '../report/record.js';
import type { TrialOutput } from '../specs/spec.js';

/** Bytes per MB in every *_mb column (10^6, as `free -m` does not: decimal megabytes). */
export const BYTES_PER_MB = 1e6;

/** Everything measured around one trial. */
export interface TrialMeasurement {
  spans: readonly Span[];
  startMs: number;
  endMs: number;
  /**
   * Process CPU ms (Instruments.cpuMs) read at request start; with the spans' `cpu` it gives
   * ttft_cpu_ms. Absent: ttft_cpu_ms is null.
   */
  startCpuMs?: number;
  /** Present when the trial completed. */
  output?: TrialOutput;
  /** rss-poll samples within [startMs, endMs] (and the last one before, for the start figure). */
  memory?: readonly MemorySample[];
  /** Peak bytes per stage (rss-poll). */
  stagePeakBytes?: Readonly<Record<string, number>>;
  /** VmHWM bytes read at the end of the trial (reset at its start); null where unavailable. */
  vmhwmBytes?: number | null;
  /** VmHWM peak bytes per stage (reset before each stage). */
  stageVmhwmBytes?: Readonly<Record<string, number>>;
  mediaFileBytes?: number | null;
  modelLoadMs: number | null;
  /** Stages the model's family lacks (no audio encoder in Qwen2.5-VL): absent (null), never 0. */
  absentStages?: readonly StageName[];
}

/** The stages a model lacks, from what its family takes (ModelLike.takes): audio or video stages. */
export function absentStagesOf(takes: { audio: boolean; video: boolean; image: boolean } | undefined): StageName[] {
  if (!takes) return [];
  return [
    ...(takes.audio ? [] : (['audio_decode', 'audio_features', 'audio_encoder'] as const)),
    // No dataset row carries an image: the vision stages run for video only.
    ...(takes.video ? [] : (['video_decode', 'vision_preprocess', 'vision_encoder'] as const)),
  ];
}

const mb = (bytes: number | null | undefined): number | null => (bytes === null || bytes === undefined ? null : bytes / BYTES_PER_MB);

/** The first first_token span: its end is when the first token id exists. */
function firstTokenSpan(spans: readonly Span[]): Span | undefined {
  return spans.find((s) => s.name === 'first_token' && !s.failed);
}

/**
 * Branch wall times, overlap, critical path and CPU ms of the window [startMs, firstTokenMs]
 * into `measures`. The CPU figures use the top-level spans that lie in the window, decode left out.
 */
function measureConcurrency(measures: Measures, m: TrialMeasurement, firstToken: Span): void {
  const window = { from: m.startMs, to: firstToken.endMs };
  const c = concurrencyMeasures(m.spans, window);
  measures.audioBranchMs = c.audioBranchMs;
  measures.visionBranchMs = c.visionBranchMs;
  measures.overlapMs = c.overlapMs;
  measures.criticalPathMs = c.criticalPathMs;
  const inWindow = m.spans.filter((s) => s.depth === 0 && s.name !== 'decode' && s.startMs >= window.from && s.endMs <= window.to);
  measures.audioBranchCpuMs = branchCpuMs(inWindow, 'audio');
  measures.visionBranchCpuMs = branchCpuMs(inWindow, 'vision');
  measures.ttftCpuMs = m.startCpuMs !== undefined && firstToken.cpu ? firstToken.cpu[1] - m.startCpuMs : null;
}

/** Measures of one trial (error trials keep the stage times measured before the failure). */
export function measureTrial(m: TrialMeasurement): Measures {
  const measures = emptyMeasures();
  const totals = stageTotals(m.spans, { from: m.startMs, to: m.endMs });
  const completed = m.output !== undefined;
  const absent = new Set(m.absentStages ?? []);
  for (const stage of STAGES) {
    const ms = totals[stage];
    measures.stageMs[stage] = absent.has(stage) && ms === undefined ? null : (ms ?? (completed ? 0 : null));
  }
  const firstToken = firstTokenSpan(m.spans);
  if (completed && firstToken) {
    const ttft = firstToken.endMs - m.startMs;
    measures.ttftMs = ttft;
    measures.otherMs = otherMs(ttft, m.spans, { startMs: m.startMs });
    measureConcurrency(measures, m, firstToken);
  }
  if (completed) measures.totalMs = m.endMs - m.startMs;
  measures.modelLoadMs = m.modelLoadMs;
  measures.mediaFileMb = mb(m.mediaFileBytes);

  const output = m.output;
  if (output) {
    const { result } = output;
    const tokens = result.promptTokens;
    measures.textTokens = tokens.text;
    measures.audioTokens = tokens.audio;
    measures.videoTokens = tokens.video;
    measures.imageTokens = tokens.image;
    measures.promptTokens = tokens.total;
    measures.outputTokens = result.ids.length;
    const decodeMs = measures.stageMs.decode;
    measures.tpotMs = result.ids.length >= 2 && decodeMs !== null ? decodeMs / (result.ids.length - 1) : null;
    measures.answer = result.text;
    if (output.media) Object.assign(measures, output.media);
  }

  const memory = m.memory ?? [];
  if (memory.length > 0) {
    const before = memory.filter((s) => s.tMs <= m.startMs);
    const during = memory.filter((s) => s.tMs >= m.startMs && s.tMs <= m.endMs);
    const startSample = before[before.length - 1] ?? during[0];
    measures.rssStartMb = mb(startSample?.bytes);
    const all = [...(startSample ? [startSample] : []), ...during];
    measures.rssPeakMb = mb(all.reduce((peak, s) => Math.max(peak, s.bytes), 0));
  }
  for (const stage of TTFT_STAGES) {
    const peak = m.stagePeakBytes?.[stage];
    measures.stageRssPeakMb[stage] = peak === undefined ? null : mb(peak);
  }
  // Growth over the trial's start: what this request added, whatever the arena kept before.
  const start = measures.rssStartMb;
  if (start !== null) {
    if (measures.rssPeakMb !== null) measures.rssGrowthMb = Math.max(0, measures.rssPeakMb - start);
    for (const stage of TTFT_STAGES) {
      const peak = measures.stageRssPeakMb[stage];
      measures.stageRssGrowthMb[stage] = peak === null ? null : Math.max(0, peak - start);
    }
  }
  for (const stage of TTFT_STAGES) {
    const peak = m.stageVmhwmBytes?.[stage];
    measures.stageVmhwmPeakMb[stage] = peak === undefined ? null : mb(peak);
  }
  // Per-stage resets lower the counter, so the trial's peak is the largest of every reading.
  const stagePeaks = Object.values(m.stageVmhwmBytes ?? {});
  const readings = [...stagePeaks, ...(m.vmhwmBytes === null || m.vmhwmBytes === undefined ? [] : [m.vmhwmBytes])];
  measures.vmhwmPeakMb = readings.length > 0 ? mb(Math.max(...readings)) : null;
  return measures;
}

/** Bytes of a sample's media files (each counted once), for media_file_mb; null when one cannot be read. */
export function mediaBytes(sample: BenchSample): number | null {
  let total = 0;
  for (const path of new Set([sample.videoPath, sample.audioPath])) {
    if (path === undefined) continue;
    try {
      total += statSync(path).size;
    } catch {
      return null;
    }
  }
  return total;
}
