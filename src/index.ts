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
export { calibrateMatMul, type MatMulCalibration, type CalibrationOptions } from './model/calibrate.js';
export { availableExecutionProviders } from './model/sessions.js';
export type {
  MelFeatures,
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
