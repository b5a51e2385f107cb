/**
 * omni-bench's library API: what `import { ... } from 'omni-bench'` gives.
 */
export { OmniBenchError, UsageError, ModelError, MediaError, DatasetError, ExitCode } from './errors.js';
export { STAGES, TTFT_STAGES, TRACKS, stageTrack, type StageName, type StageRunner, type StageInfo, type Track } from './stages.js';
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
export { calibrateMatMul, calibrationDrift, overPeakWarning, type MatMulCalibration, type CalibrationOptions, type CalibrationWarning } from './model/calibrate.js';
export type { ModelWarning } from './model/processor-config.js';
export { availableExecutionProviders } from './model/sessions.js';
export type {
  MelFeatures,
  AudioEncodeOptions,
  VisionPatches,
  EncoderOutput,
  ContentPart,
  TokensPart,
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
export { computeStatistics, createTracker, MemoryPoller, GpuPoller, toChromeTrace, processCpuMs, concurrencyMeasures, assignLanes } from './profiler/index.js';
export type { Span, Tracker, MemorySample, MemoryMethod, Statistics } from './profiler/types.js';
export { registerSpec, listSpecs, getSpec } from './specs/registry.js';
export type { Spec, SpecRunOptions } from './specs/spec.js';
export { executeSpec, type SpecEnvironment } from './runner/execute.js';
export { realEnvironment } from './runner/real-env.js';
export { runSerialRequest, encodeRequestMedia, fitAudio, type AudioPadding, type SerialRequestOptions, type EncodedMedia } from './runner/pipeline.js';
export { createMiddleware, parseMiddlewareList, composeStack, MIDDLEWARE_NAMES, type MiddlewareContext } from './middleware/registry.js';
export type { Middleware, MiddlewareStats, Stack, ResetScope, Schedule } from './middleware/types.js';
export { createEncodeWorkers, defaultBranchThreads, type BranchThreads } from './middleware/encode-workers.js';
export { BranchWorker, type Branch, type SessionRunner, type WorkerSessionSource } from './model/branch-worker.js';
export { fitPolynomial, chooseModel } from './profiler/fit.js';
export { compareRecords } from './compare/compare.js';
export { buildCompareReport } from './compare/command.js';
export { stratifiedPermutationTest, bootstrapRatioInterval, geometricMeanRatio } from './compare/statistics.js';
export { DEFAULT_COMPARE_OPTIONS, type CompareOptions, type CompareResult, type CompareReport, type MetricComparison, type MeasuredComparison, type NoiseReport } from './compare/types.js';
