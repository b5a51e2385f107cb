/**
 * The model's processor config: audio features and image patching in Hugging Face's names.
 * Read from processor_config.json (the ONNX Runtime GenAI layout), else from
 * preprocessor_config.json (what Hugging Face exports ship); a folder with neither runs on
 * Qwen2.5-Omni's values and says so in a typed warning that the caller prints.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../errors.js';
import { need, PREPROCESSOR_CONFIG_FILE, PROCESSOR_CONFIG_FILE, readModelJson, type ProcessorConfig } from './genai-config.js';

/**
 * Qwen2.5-Omni's preprocessor_config.json (Qwen/Qwen2.5-Omni-7B): WhisperFeatureExtractor with
 * 128 mel bins and chunk_length 300 s (n_samples 4,800,000, nb_max_frames 30,000), and
 * Qwen2VLImageProcessor with CLIP mean/std. The values used when a model folder has no processor
 * config, and the reference model's processor_config.json.
 */
export const QWEN_OMNI_PROCESSOR_CONFIG: Readonly<ProcessorConfig> = Object.freeze({
  feature_extractor_type: 'WhisperFeatureExtractor',
  feature_size: 128,
  sampling_rate: 16000,
  hop_length: 160,
  n_fft: 400,
  chunk_length: 300,
  n_samples: 4_800_000,
  nb_max_frames: 30_000,
  padding_value: 0.0,
  image_processor_type: 'Qwen2VLImageProcessor',
  patch_size: 14,
  temporal_patch_size: 2,
  merge_size: 2,
  min_pixels: 3136,
  max_pixels: 12_845_056,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
  processor_class: 'Qwen2_5OmniProcessor',
});

/** Something about a model folder the user should know; `message` says what to do. */
export type ModelWarning =
  /** No processor_config.json nor preprocessor_config.json: Qwen2.5-Omni's values are used. */
  | { kind: 'processor-config-missing'; dir: string; message: string }
  /** n_samples or nb_max_frames disagrees with chunk_length (chunk_length is used, as WhisperFeatureExtractor does). */
  | { kind: 'processor-config-inconsistent'; file: string; field: 'n_samples' | 'nb_max_frames'; value: number; expected: number; message: string };

/** A processor config and where it came from. */
export interface LoadedProcessorConfig {
  config: ProcessorConfig;
  /** The file read; null when the built-in Qwen2.5-Omni values are used. */
  file: string | null;
  warnings: ModelWarning[];
}

/** Throws ModelError unless the audio chunk is a whole number of hops (what the log-mel needs). */
function checkChunk(file: string, c: ProcessorConfig): void {
  if (!(c.sampling_rate > 0) || !Number.isInteger(c.hop_length) || c.hop_length < 1) {
    throw new ModelError(`${file}: sampling_rate must be > 0 and hop_length an integer >= 1, got ${c.sampling_rate} and ${c.hop_length}`);
  }
  const samples = c.chunk_length * c.sampling_rate;
  if (!(c.chunk_length > 0) || !Number.isFinite(samples) || !Number.isInteger(samples) || samples % c.hop_length !== 0) {
    throw new ModelError(
      `${file}: chunk_length must be a positive number of seconds whose samples (chunk_length x sampling_rate) are a multiple of hop_length ${c.hop_length}, got ${c.chunk_length}`,
    );
  }
}

/** Warnings for n_samples / nb_max_frames that disagree with chunk_length (WhisperFeatureExtractor recomputes both from it). */
function consistencyWarnings(file: string, c: ProcessorConfig): ModelWarning[] {
  const nSamples = c.chunk_length * c.sampling_rate;
  const expected = { n_samples: nSamples, nb_max_frames: nSamples / c.hop_length } as const;
  const warnings: ModelWarning[] = [];
  for (const field of ['n_samples', 'nb_max_frames'] as const) {
    const value = (c as unknown as Record<string, unknown>)[field];
    if (typeof value === 'number' && value !== expected[field]) {
      warnings.push({
        kind: 'processor-config-inconsistent',
        file,
        field,
        value,
        expected: expected[field],
        message: `${file}: ${field} ${value} disagrees with chunk_length ${c.chunk_length} s (expected ${expected[field]}); chunk_length is used, as WhisperFeatureExtractor does; fix ${field}`,
      });
    }
  }
  return warnings;
}

/** Reads and validates `<dir>/<file>` (HF names); throws ModelError naming the file and the field. */
export function readProcessorConfig(dir: string, file: string = PROCESSOR_CONFIG_FILE): ProcessorConfig {
  const path = join(dir, file);
  const raw = readModelJson(dir, file);
  for (const f of ['feature_size', 'sampling_rate', 'hop_length', 'n_fft', 'chunk_length', 'patch_size', 'temporal_patch_size', 'merge_size', 'min_pixels', 'max_pixels']) {
    need(path, raw, f, 'number');
  }
  need(path, raw, 'image_mean', 'number[]');
  need(path, raw, 'image_std', 'number[]');
  const config = raw as ProcessorConfig;
  checkChunk(path, config);
  return config;
}

/**
 * The processor config of a model folder: processor_config.json, else preprocessor_config.json,
 * else Qwen2.5-Omni's values with a `processor-config-missing` warning. Throws ModelError for a
 * file that exists but cannot be used.
 */
export function loadProcessorConfig(dir: string): LoadedProcessorConfig {
  for (const name of [PROCESSOR_CONFIG_FILE, PREPROCESSOR_CONFIG_FILE]) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    // onnxruntime-extensions' processor_config.json (transforms, not Hugging Face names): the values are in preprocessor_config.json.
    const raw = readModelJson(dir, name) as Record<string, unknown>;
    if (typeof raw === 'object' && raw !== null && ('processor' in raw || 'feature_extraction' in raw)) continue;
    const config = readProcessorConfig(dir, name);
    return { config, file: path, warnings: consistencyWarnings(path, config) };
  }
  const d = QWEN_OMNI_PROCESSOR_CONFIG;
  return {
    config: structuredClone(d) as ProcessorConfig,
    file: null,
    warnings: [
      {
        kind: 'processor-config-missing',
        dir,
        message:
          `${dir} has no ${PROCESSOR_CONFIG_FILE} (nor ${PREPROCESSOR_CONFIG_FILE}): using Qwen2.5-Omni's values ` +
          `(chunk_length ${d.chunk_length} s, ${d.feature_size} mel bins, ${d.sampling_rate} Hz); add the model's processor config to measure with its own`,
      },
    ],
  };
}
