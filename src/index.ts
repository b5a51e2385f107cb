/**
 * omni-bench's library API: what `import { ... } from 'omni-bench'` gives.
 */
export { OmniBenchError, UsageError, ModelError, MediaError, DatasetError, ExitCode } from './errors.js';
export { STAGES, TTFT_STAGES, type StageName, type StageRunner, type StageInfo } from './stages.js';
export { VERSION } from './paths.js';
