/**
 * The one data model every writer reads (hyperfine's BenchmarkResult): a TrialRecord per
 * trial, holding raw measurements only (record-columns.ts maps it to records.csv and back).
 * Ratios and shares are derived at report time, never stored.
 */
import { STAGES, type RooflineStage, type StageName } from '../stages.js';

/** What identifies one trial: resume runs exactly the keys that have no record yet. */
export interface TrialKey {
  dataset: string;
  sampleId: string;
  variant: string;
  /** 0-based repeat index (warmups are never recorded). */
  repeat: number;
  /** 0-based conversation turn; 0 for single-turn specs. */
  turn: number;
  /**
   * The point of the spec's sweep (audio seconds, chunk seconds...): one `param_<name>` column
   * each, part of the key. Absent or empty for specs without axes.
   */
  params?: Readonly<Record<string, number | string>>;
}

/** Value of one sweep parameter. */
export type ParamValue = number | string;

/** How the process that ran a trial was isolated: `process` = one fresh child process per variant. */
export type Isolation = 'none' | 'process';

/** Raw measurements of a trial. Every field may be null on an error record or when not measured. */
export interface Measures {
  /** Milliseconds per canonical stage (summed over the trial's spans; 0 when the stage did not run). */
  stageMs: Record<StageName, number | null>;
  /** Request start to first token id, ms. */
  ttftMs: number | null;
  /** Mean ms per generated token after the first (decode_ms / (output_tokens - 1)); null with < 2 tokens. */
  tpotMs: number | null;
  /** TTFT not explained by any top-level stage span, ms. */
  otherMs: number | null;
  /** Request start to the last token, ms. */
  totalMs: number | null;
  /**
   * How the stages combined, over request start to first token (src/profiler/concurrency.ts),
   * ms: each branch's wall time (the union of its spans; null without the branch), the time
   * spans of two or more tracks ran at once, and the critical path (slower branch + the main
   * track's stages). Null on records without a TTFT.
   */
  audioBranchMs: number | null;
  visionBranchMs: number | null;
  overlapMs: number | null;
  criticalPathMs: number | null;
  /**
   * Process CPU ms (all threads plus reaped children such as ffmpeg) spent in each branch's
   * spans; null without the branch, without CPU readings, or when the branch overlapped another
   * track (process-wide counters cannot be split between concurrent branches).
   */
  audioBranchCpuMs: number | null;
  visionBranchCpuMs: number | null;
  /** Process CPU ms (all threads plus reaped children) from request start to the first token id. */
  ttftCpuMs: number | null;
  /** Prompt tokens per modality and generated tokens. */
  textTokens: number | null;
  audioTokens: number | null;
  videoTokens: number | null;
  imageTokens: number | null;
  promptTokens: number | null;
  outputTokens: number | null;
  /** Media fed to the model: seconds of audio, seconds of video, sampled frames and their size. */
  audioSeconds: number | null;
  videoSeconds: number | null;
  videoFrames: number | null;
  frameWidth: number | null;
  frameHeight: number | null;
  /** Mel frames given to the audio encoder (padding included) and patches given to the vision encoder. */
  melFrames: number | null;
  visionPatches: number | null;
  /** What the request left out of the row's media and why (a video's soundtrack on a model without an audio encoder); null when nothing. */
  mediaNote: string | null;
  /** Bytes of the media files on disk, in MB (10^6 bytes). */
  mediaFileMb: number | null;
  /** Process RSS at request start and its peak during the trial (method `rss-poll`), MB. */
  rssStartMb: number | null;
  rssPeakMb: number | null;
  /** Peak process RSS per TTFT stage (method `rss-poll`), MB. */
  stageRssPeakMb: Record<StageName, number | null>;
  /**
   * Growth of process RSS over the trial's start: the trial's peak minus rssStartMb, and each
   * stage's peak minus rssStartMb (method `rss-poll`), MB. Unlike the peaks, these do not carry
   * what ONNX Runtime's arena kept from earlier, larger requests (0 when the arena already
   * holds enough).
   */
  rssGrowthMb: number | null;
  stageRssGrowthMb: Record<StageName, number | null>;
  /** Kernel high-water mark over the trial (method `vmhwm`, reset at request start), MB. */
  vmhwmPeakMb: number | null;
  /** Kernel high-water mark per TTFT stage (method `vmhwm`, reset before each stage), MB. */
  stageVmhwmPeakMb: Record<StageName, number | null>;
  /** GPU memory.used peak over the trial (method `nvidia-smi`), MB; null without a GPU. */
  gpuPeakMb: number | null;
  /** Generated text. */
  answer: string | null;
  /** Letter parsed from the answer (A-D...) for multiple-choice samples. */
  choice: string | null;
  /** Expected answer from the manifest. */
  expected: string | null;
  /** Whether the parsed choice equals the expected letter; null when the sample has no options. */
  correct: boolean | null;
  /** Max |first-token logits - reference logits| for specs that compare variants. */
  logitsMaxAbsDiff: number | null;
  /** Work of the compute stages in GFLOP (from the model's dimensions and the input sizes), for roofline figures. */
  stageGflop: Record<RooflineStage, number | null>;
  /** Load time of the model in the process that ran this trial, ms (never inside TTFT). */
  modelLoadMs: number | null;
  /** Middleware active in the trial (comma-separated names, `none` without). */
  middleware: string | null;
  /** Encoder-cache lookups that hit / missed during the turn, and the cache's size after it, MB. */
  cacheHits: number | null;
  cacheMisses: number | null;
  cacheMb: number | null;
  /** Prompt tokens served from the KV cache and tokens prefilled in this turn. */
  cachedTokens: number | null;
  newTokens: number | null;
  /** Decoder KV cache kept after the turn, MB. */
  kvCacheMb: number | null;
  /** Mel frames the audio encoder ran on (padding included when it encoded padding). */
  encoderFrames: number | null;
  /** Max abs diff of the real frames' log-mel against the spec's reference features. */
  audioFeaturesMaxAbsDiff: number | null;
  /** Max abs diff of the encoders' output features (audio and vision tokens) against the spec's reference variant's. */
  encoderFeaturesMaxAbsDiff: number | null;
}

/** The spec- and middleware-reported measures a trial may fill (TrialOutput.measures). */
export type ExtraMeasures = Partial<Pick<Measures, 'middleware' | 'cacheHits' | 'cacheMisses' | 'cacheMb' | 'cachedTokens' | 'newTokens' | 'kvCacheMb' | 'encoderFrames' | 'audioFeaturesMaxAbsDiff'>>;

interface RecordBase extends TrialKey {
  spec: string;
  isolation: Isolation;
  /** ISO time the trial started. */
  startedAt: string;
  measures: Measures;
}

/**
 * One trial's outcome, tagged: read numbers only after narrowing on status. `skipped`: a turn
 * after a failed turn of the same conversation (its reason in `error`).
 */
export type TrialRecord = (RecordBase & { status: 'ok' }) | (RecordBase & { status: 'error'; error: string }) | (RecordBase & { status: 'skipped'; error: string });

export { ROOFLINE_STAGES, type RooflineStage } from '../stages.js';

/** A Measures with nothing measured. */
export function emptyMeasures(): Measures {
  const perStage = (): Record<StageName, number | null> =>
    Object.fromEntries(STAGES.map((s) => [s, null])) as Record<StageName, number | null>;
  return {
    stageMs: perStage(),
    ttftMs: null,
    tpotMs: null,
    otherMs: null,
    totalMs: null,
    audioBranchMs: null,
    visionBranchMs: null,
    overlapMs: null,
    criticalPathMs: null,
    audioBranchCpuMs: null,
    visionBranchCpuMs: null,
    ttftCpuMs: null,
    textTokens: null,
    audioTokens: null,
    videoTokens: null,
    imageTokens: null,
    promptTokens: null,
    outputTokens: null,
    audioSeconds: null,
    videoSeconds: null,
    videoFrames: null,
    frameWidth: null,
    frameHeight: null,
    melFrames: null,
    visionPatches: null,
    mediaNote: null,
    mediaFileMb: null,
    rssStartMb: null,
    rssPeakMb: null,
    stageRssPeakMb: perStage(),
    rssGrowthMb: null,
    stageRssGrowthMb: perStage(),
    vmhwmPeakMb: null,
    stageVmhwmPeakMb: perStage(),
    gpuPeakMb: null,
    answer: null,
    choice: null,
    expected: null,
    correct: null,
    logitsMaxAbsDiff: null,
    stageGflop: { audio_encoder: null, vision_encoder: null, prefill: null },
    modelLoadMs: null,
    middleware: null,
    cacheHits: null,
    cacheMisses: null,
    cacheMb: null,
    cachedTokens: null,
    newTokens: null,
    kvCacheMb: null,
    encoderFrames: null,
    audioFeaturesMaxAbsDiff: null,
    encoderFeaturesMaxAbsDiff: null,
  };
}

/** The parameters of a key as `name=value` pairs in name order (empty string without any). */
export function paramsString(params: TrialKey['params']): string {
  return Object.keys(params ?? {})
    .sort()
    .map((name) => `${name}=${String(params?.[name])}`)
    .join(',');
}

/** The key of a record or planned trial as one string (dataset/sample|variant|repeat|turn[|params]). */
export function keyString(key: TrialKey): string {
  const params = paramsString(key.params);
  return `${key.dataset}/${key.sampleId}|${key.variant}|r${key.repeat}|t${key.turn}${params ? `|${params}` : ''}`;
}

/** The conversation a key belongs to: its key without the turn (the unit of resume). */
export function conversationString(key: TrialKey): string {
  return keyString({ ...key, turn: 0 });
}

export { PARAM_PREFIX, REQUIRED_COLUMNS, numericColumnError, recordColumns, recordFromRow, recordToRow, type Cell, type Column } from './record-columns.js';
