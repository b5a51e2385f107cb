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

/**
 * Where a stage runs (DESIGN.md section 8): the audio branch and the vision branch may run at
 * the same time (and, streamed, overlap within themselves); both feed the prompt, after which
 * the 'main' track runs the post-encoder stages one after another.
 */
export type Track = 'audio' | 'vision' | 'main';

/** Every track, in the order the trace shows them. */
export const TRACKS: readonly Track[] = ['main', 'audio', 'vision'];

/**
 * The track of a stage: `audio_*` stages run on 'audio', `video_decode` and `vision_*` on
 * 'vision', everything else (prompt, embed, prefill, first_token, decode, any other name) on
 * 'main'.
 */
export function stageTrack(name: string): Track {
  if (name.startsWith('audio_')) return 'audio';
  if (name === 'video_decode' || name.startsWith('vision_')) return 'vision';
  return 'main';
}

/** Whether `value` names one of TRACKS. */
export function isTrack(value: string): value is Track {
  return (TRACKS as readonly string[]).includes(value);
}
