/**
 * omni-bench's library API: what `import { ... } from 'omni-bench'` gives.
 */
export { OmniBenchError, UsageError, ModelError, MediaError, DatasetError, ExitCode } from './errors.js';
export { STAGES, TTFT_STAGES, type StageName, type StageRunner, type StageInfo } from './stages.js';
export { VERSION } from './paths.js';
export * from './datasets/index.js';
export { OmniModel } from './model/omni-model.js';
export { OmniTokenizer } from './model/tokenizer.js';
export { DEFAULT_SYSTEM_PROMPT } from './model/prompt.js';
export { ropePositions, type RopeSegment, type RopeConfig } from './model/rope.js';
export { ensureModel } from './model/builder/cache.js';
export { buildModel, BUILDER_VERSION, type BuildOptions, type BuildResult } from './model/builder/build.js';
export { PRESETS, type ModelPreset } from './model/builder/presets.js';
export { readGenaiConfig, type GenaiConfig } from './model/genai-config.js';
export { calibrateMatMul, type MatMulCalibration, type CalibrationOptions } from './model/calibrate.js';
export { availableExecutionProviders } from './model/sessions.js';
export type {
  MelFeatures,
  AudioEncodeOptions,
  VisionPatches,
  EncoderOutput,
  ContentPart,
  Message,
  TokenCounts,
  GenerateOptions,
  GenerateResult,
  OmniModelLoadOptions,
  PromptOptions,
  BuiltPrompt,
  KvCache,
  KvLayer,
  DecoderOutput,
  DecoderState,
  ConversationOptions,
} from './model/types.js';
export * from './media/index.js';
export { computeStatistics, createTracker, MemoryPoller, GpuPoller, toChromeTrace } from './profiler/index.js';
export type { Span, Tracker, MemorySample, MemoryMethod, Statistics } from './profiler/types.js';
export { registerSpec, listSpecs, getSpec } from './specs/registry.js';
export type { Spec, SpecRunOptions } from './specs/spec.js';
export { executeSpec, type SpecEnvironment } from './runner/execute.js';
export { realEnvironment } from './runner/real-env.js';
export { runSerialRequest, type AudioPadding, type SerialRequestOptions } from './runner/pipeline.js';
