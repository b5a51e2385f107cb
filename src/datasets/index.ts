/**
 * The datasets module's public API: the manifest model, selection, prompts, validation and
 * the importers.
 */
export {
  loadManifest,
  formatInvalidRow,
  writeManifest,
  manifestCsv,
  type Sample,
  type InvalidRow,
  type LoadManifestOptions,
  type LoadedManifest,
  type ManifestRow,
  type WriteManifestOptions,
} from './manifest.js';
export { UNIFIED_COLUMNS, LEGACY_COLUMNS, parseOptions, sampleIdProblem, type UnifiedColumn } from './columns.js';
export { selectItems, parseShard, checkShard, shardOf, fnv1a32, type Shard, type SelectOptions } from './select.js';
export { promptText, parseChoice, VIDEO_MME_INSTRUCTION, VIDEO_MME_POST_PROMPT, AUDIOCAPS_QUESTION } from './prompt.js';
export { validateManifest, validationExitCode, type ValidationReport, type RowReport, type ValidateOptions, type ProbeFacts } from './validate.js';
export { importDataset, applyMediaFacts, writeImport, IMPORTERS, type DatasetName, type ImportOptions, type MediaFacts, type InspectMedia, type MediaFactsOptions } from './importers/index.js';
export { FAILURE_DROP_KINDS, type ImportResult, type DroppedRow, type DropKind, type CommonImportOptions } from './importers/common.js';
export { importVideoMme, VIDEO_MME_EXTENSIONS, VIDEO_MME_DURATIONS, type VideoMmeImportOptions } from './importers/video-mme.js';
export { importActivityNetQa, ACTIVITYNET_EXTENSIONS, ACTIVITYNET_TYPES } from './importers/activitynet-qa.js';
export { importAudioCaps, AUDIOCAPS_DEFAULT_PATTERN, AUDIOCAPS_CLIP_SECONDS, type AudioCapsImportOptions } from './importers/audiocaps.js';
export { importMsvdQa, parseYoutubeMapping, MSVD_EXTENSIONS } from './importers/msvd-qa.js';
