/**
 * The media pipeline (DESIGN.md section 4): ffmpeg/ffprobe, probe, audio decode, Whisper
 * log-mel, Qwen frame sampling and patches.
 */
export * from './errors.js';
export {
  DEFAULT_TIMEOUT_MS,
  resolveBinary,
  binaryVersion,
  binaryHint,
  ffmpegInput,
  runTool,
  liveChildren,
  type MediaToolOptions,
  type MediaTool,
  type ResolvedBinary,
  type RunToolOptions,
  type ToolRun,
} from './ffmpeg.js';
export { probe, type MediaInfo, type VideoStreamInfo, type AudioStreamInfo } from './probe.js';
export { decodeAudio, decodeAudioTrack, WHISPER_SAMPLE_RATE, type DecodeAudioOptions, type AudioTrack } from './audio.js';
export {
  logMel,
  melFilterBank,
  hannWindow,
  qwenAudioTokens,
  MEL_BINS,
  N_FFT,
  HOP_LENGTH,
  MEL_SAMPLE_RATE,
  DEFAULT_CHUNK_SECONDS,
  WHISPER_CHUNK_SECONDS,
  type LogMel,
  type LogMelOptions,
  type MelPadding,
  type MelFilter,
} from './mel.js';
export {
  sampleFrames,
  planFrames,
  frameWindow,
  checkSampleOptions,
  smartResize,
  smartNframes,
  linspaceIndices,
  videoMaxPixels,
  roundHalfEven,
  IMAGE_FACTOR,
  VIDEO_MIN_PIXELS,
  VIDEO_MAX_PIXELS,
  VIDEO_TOTAL_PIXELS,
  FRAME_FACTOR,
  DEFAULT_SAMPLE_FPS,
  FPS_MIN_FRAMES,
  FPS_MAX_FRAMES,
  type SampleFramesOptions,
  type FrameCountOptions,
  type FramePlan,
  type SampledFrames,
} from './frames.js';
export { patchify, CLIP_MEAN, CLIP_STD, PATCH_SIZE, TEMPORAL_PATCH_SIZE, MERGE_SIZE, PATCH_VALUES, type RgbFrames, type Patches } from './patchify.js';
export { inspectMedia, summariseAudio, summariseVideo, type MediaInspection, type InspectOptions, type VideoPlanSummary, type AudioPlanSummary } from './inspect.js';
