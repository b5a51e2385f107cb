/**
 * Canonical stage names (DESIGN.md section 5): CSV column stems, chart labels and trace
 * span names. Order is the order of the serial pipeline.
 */
export const STAGES = [
  'audio_decode',
  'audio_features',
  'video_decode',
  'vision_preprocess',
  'audio_encoder',
  'vision_encoder',
  'prompt',
  'embed',
  'prefill',
  'first_token',
  'decode',
] as const;

/** One canonical stage name. */
export type StageName = (typeof STAGES)[number];

/** Stages that count towards the time to first token (decode does not). */
export const TTFT_STAGES: readonly StageName[] = STAGES.filter((s) => s !== 'decode');

/** Optional facts a stage reports about its own work (token counts, tensor sizes). */
export type StageInfo = Record<string, number | string | boolean>;

/**
 * Runs one stage. The model and the media pipeline call it around every stage; the profiler
 * supplies one that times the call (a scoped span). The default just runs `fn`.
 */
export type StageRunner = <T>(stage: StageName, fn: () => Promise<T> | T, info?: StageInfo) => Promise<T>;

/** A StageRunner that measures nothing. */
export const runStage: StageRunner = async (_stage, fn) => fn();

export function isStageName(value: string): value is StageName {
  return (STAGES as readonly string[]).includes(value);
}

/** Stages whose FLOPs are computed (achieved GFLOP/s and % of the MatMul peak are derived in reports). */
export const ROOFLINE_STAGES = ['audio_encoder', 'vision_encoder', 'prefill'] as const;
/** One of ROOFLINE_STAGES. */
export type RooflineStage = (typeof ROOFLINE_STAGES)[number];
