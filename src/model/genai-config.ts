/**
 * The model directory contract (DESIGN.md section 3): types and readers of genai_config.json
 * (ONNX Runtime GenAI layout, model.type "qwen2_5_omni") and processor_config.json (Hugging
 * Face preprocessor names). The runtime reads tensor names from here, so a real export that
 * uses other names works unchanged. See docs/model-format.md.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../errors.js';
import { readRegularFileSync, resolveInside, statRegularFile } from '../safe-fs.js';

/** File names inside a model directory. */
export const GENAI_CONFIG_FILE = 'genai_config.json';
export const PROCESSOR_CONFIG_FILE = 'processor_config.json';
export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
/** The Hugging Face name of the processor config that real exports ship (read when processor_config.json is absent). */
export const PREPROCESSOR_CONFIG_FILE = 'preprocessor_config.json';

/** Size limit of a JSON config file in a model directory (genai_config.json, processor configs): 16 MiB. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** Turns a safe-fs problem into a ModelError. */
export const modelError = (message: string): ModelError => new ModelError(message);

/** The four ONNX components, in pipeline order. */
export const COMPONENTS = ['speech', 'vision', 'embedding', 'decoder'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/** Model families omni-bench has an adapter for (genai_config.json model.type). */
export const FAMILY_NAMES = ['qwen2_5_omni', 'qwen2_5_vl', 'phi4mm'] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

/**
 * The resolved model configuration. genai_config.json (ONNX Runtime GenAI's keys) gives the
 * component files, tensor names, decoder dims and token ids; what it lacks comes from the files
 * an export ships beside it (Hugging Face config.json, preprocessor_config.json, the processor
 * configs) or from the family's fixed values, and `sources` says where each value came from
 * (src/model/model-config.ts). Dims only FLOP counts need are null when no file gives them.
 */

/** Decoder section. `%d` in the past/present names is the layer index. */
export interface DecoderConfig {
  filename: string;
  hidden_size: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_size: number;
  num_hidden_layers: number;
  /** MLP width (FLOPs only); null when no file gives it. */
  intermediate_size: number | null;
  rope_theta: number | null;
  /** M-RoPE frequency bands [t, h, w] (Qwen families); null otherwise or when unknown. */
  mrope_section: number[] | null;
  inputs: {
    /** f32 [1, S, hidden_size]. */
    inputs_embeds: string;
    /** i64 [1, P + S], ones for every valid token (past and new). */
    attention_mask: string;
    /** i64 positions: [3, 1, S] (Qwen M-RoPE, or [1, S, 3] as a graph declares it); null: the graph has none (phi4mm). */
    position_ids: string | null;
    /** f32 [1, num_key_value_heads, P, head_size] per layer, e.g. "past_key_values.%d.key". */
    past_key_names: string;
    past_value_names: string;
  };
  outputs: {
    /** Logits [1, S, V] (the reference model: [1, 1, V], the last position only). */
    logits: string;
    /** f32 [1, num_key_value_heads, P + S, head_size] per layer, e.g. "present.%d.key". */
    present_key_names: string;
    present_value_names: string;
  };
}

/** Embedding section: token table with placeholder positions replaced by encoder features. */
export interface EmbeddingConfig {
  filename: string;
  /** image_features / audio_features: null when the family's embedding takes none. */
  inputs: { input_ids: string; image_features: string | null; audio_features: string | null };
  outputs: { inputs_embeds: string };
}

/** Vision encoder section. */
export interface VisionConfig {
  filename: string;
  /** Tower dims (FLOPs only); null when no file gives them. */
  hidden_size: number | null;
  num_hidden_layers: number | null;
  num_attention_heads: number | null;
  intermediate_size: number | null;
  patch_size: number;
  temporal_patch_size: number;
  spatial_merge_size: number;
  /** Width of image_features (the decoder hidden size). */
  out_hidden_size: number;
  /** genai_config.json vision.inputs: pixel_values and, per family, image_grid_thw (Qwen) or attention_mask + image_sizes (phi4mm). */
  inputs: { pixel_values: string; image_grid_thw: string | null; attention_mask: string | null; image_sizes: string | null };
  outputs: { image_features: string };
}

/** Speech (audio) encoder section. */
export interface SpeechConfig {
  filename: string;
  /** Tower dims (FLOPs only); null when no file gives them. */
  d_model: number | null;
  encoder_layers: number | null;
  encoder_attention_heads: number | null;
  encoder_ffn_dim: number | null;
  num_mel_bins: number;
  /** Half the attention window in mel frames (Qwen2.5-Omni: window = 2 * n_window = 200 frames, 2 s); null: attention spans the clip (phi4mm). */
  n_window: number | null;
  /** Mel frames per audio token (phi4mm: audio_compression_rate 8); Qwen2.5-Omni's rule is in flops.audioTokens. */
  compression_rate: number | null;
  /** Width of audio_features (the decoder hidden size). */
  output_dim: number;
  /**
   * genai_config.json speech.inputs: `audio_embeds` (the features, here input_features),
   * `attention_mask` (here feature_attention_mask), and phi4mm's audio_sizes and audio_projection_mode.
   */
  inputs: { input_features: string; feature_attention_mask: string; audio_sizes: string | null; audio_projection_mode: string | null };
  outputs: { audio_features: string };
}

/** Session options genai_config.json gives a component (`session_options`). */
export interface ComponentSessionOptions {
  intraOpThreads?: number;
  interOpThreads?: number;
  memArena?: boolean;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Execution providers named in provider_options, in order (onnxruntime-node names: cuda, dml, webgpu, ...). */
  executionProviders: string[];
  /** Other string entries: ONNX Runtime session config entries. */
  configEntries: Record<string, string>;
}

/** The resolved configuration of a model folder. */
export interface GenaiConfig {
  family: FamilyName;
  model: {
    type: string;
    vocab_size: number;
    context_length: number;
    bos_token_id: number;
    eos_token_id: number[];
    pad_token_id: number;
    /** Placeholder and marker ids; a family without the modality has none. */
    image_token_id: number | null;
    video_token_id: number | null;
    audio_token_id: number | null;
    audio_start_token_id: number | null;
    audio_end_token_id: number | null;
    vision_start_token_id: number | null;
    vision_end_token_id: number | null;
    /** M-RoPE temporal positions per second of media (Qwen2.5-Omni: 25; Qwen2.5-VL: tokens_per_second 2). */
    position_id_per_seconds: number | null;
    /** use_audio_in_video interleaving chunk (Qwen2.5-Omni: 2 s). */
    seconds_per_chunk: number | null;
    decoder: DecoderConfig;
    embedding: EmbeddingConfig;
    vision?: VisionConfig;
    speech?: SpeechConfig;
  };
  /** Session options per component from genai_config.json (what the CLI's --threads / --ep override). */
  sessionOptions: Partial<Record<ComponentName, ComponentSessionOptions>>;
  /** Where each resolved value came from, by dotted field (e.g. `model.speech.n_window` -> `config.json thinker_config.audio_config.n_window`). */
  sources: Record<string, string>;
  /** genai_config.json keys omni-bench does not use (kept, listed by `model inspect`). */
  ignored: string[];
  /** The files read, absolute; null where the folder has none. */
  files: { genaiConfig: string; config: string | null; preprocessorConfig: string | null; processorConfig: string | null };
  /** Present in models built by omni-bench's builder (config.json `omni_bench`). */
  omni_bench?: { preset: string; seed: number; builder_version: number; family?: string };
}

/** The resolved configuration (an alias that says what it is). */
export type ModelConfig = GenaiConfig;

/** processor_config.json (Hugging Face WhisperFeatureExtractor + Qwen2VLImageProcessor names). */
export interface ProcessorConfig {
  feature_extractor_type: string;
  feature_size: number;
  sampling_rate: number;
  hop_length: number;
  n_fft: number;
  /**
   * Seconds the audio features are padded to (and long audio is cut into) in pad-all /
   * pad-features modes: 300 for Qwen2.5-Omni, 30 for Whisper. WhisperFeatureExtractor derives
   * n_samples and nb_max_frames from it, so it is the one that counts.
   */
  chunk_length: number;
  /** chunk_length x sampling_rate (Qwen2.5-Omni: 4,800,000). */
  n_samples: number;
  /** n_samples / hop_length (Qwen2.5-Omni: 30,000). */
  nb_max_frames: number;
  padding_value: number;
  image_processor_type: string;
  patch_size: number;
  temporal_patch_size: number;
  merge_size: number;
  min_pixels: number;
  max_pixels: number;
  image_mean: number[];
  image_std: number[];
  processor_class: string;
}

/** Throws ModelError unless `dir` is a directory. */
function checkModelDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ModelError(`model directory '${dir}' not found (build one with: omni-bench model build --out DIR)`);
  }
}

/**
 * Parses a JSON file of the model directory. Only a regular file of at most MAX_CONFIG_BYTES is
 * read: a device or FIFO in its place would be read forever.
 */
export function readModelJson(dir: string, file: string): unknown {
  checkModelDir(dir);
  const path = join(dir, file);
  if (!existsSync(path)) throw new ModelError(`${path}: not found (not an ONNX Runtime GenAI model directory?)`);
  // A config that is a symlink out of the folder is not read: the folder's files describe the folder.
  const inside = resolveInside(dir, file);
  if (!inside.ok) throw new ModelError(`${path}: ${inside.reason}; a model folder's config files must lie inside it (${dir})`);
  const bytes = readRegularFileSync(path, 'model config', modelError, MAX_CONFIG_BYTES);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ModelError(`${path}: invalid JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

/** Throws ModelError naming the file and the field unless `value` at `path` has the type. */
export function need(file: string, root: unknown, fieldPath: string, kind: 'number' | 'string' | 'boolean' | 'number[]' | 'object'): void {
  let value: unknown = root;
  for (const part of fieldPath.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  const ok =
    kind === 'number[]'
      ? Array.isArray(value) && value.every((v) => typeof v === 'number')
      : kind === 'object'
        ? typeof value === 'object' && value !== null
        : typeof value === kind;
  if (!ok) throw new ModelError(`${file}: ${fieldPath} must be a ${kind}, got ${JSON.stringify(value) ?? 'nothing'}`);
}

/**
 * Resolves a component's ONNX file inside the model directory and checks it is a regular file.
 * A name that climbs out with `..`, an absolute path, or a symlink to a file outside is refused:
 * a config must not make omni-bench open (and parse) any file on the machine.
 */
export function componentFile(dir: string, file: string, component: ComponentName, filename: string): string {
  const field = `${file}: model.${component}.filename '${filename}'`;
  const inside = resolveInside(dir, filename);
  if (!inside.ok) {
    throw new ModelError(`${field} ${inside.reason}; component files must lie inside the model directory ${dir} (name them relative to it)`);
  }
  if (!existsSync(inside.path)) throw new ModelError(`${field} not found at ${inside.path}`);
  statRegularFile(inside.path, field, modelError);
  return inside.path;
}

/**
 * Path of a component's ONNX file, checked to lie inside `dir` and to be a regular file; throws
 * ModelError naming the component, the file name and the directory. A component the family
 * lacks (no speech in Qwen2.5-VL) is an error naming it.
 */
export function componentPath(dir: string, config: GenaiConfig, component: ComponentName): string {
  const section = config.model[component];
  if (!section) throw new ModelError(`${join(dir, GENAI_CONFIG_FILE)}: this ${config.family} model has no ${component} component`);
  return componentFile(dir, join(dir, GENAI_CONFIG_FILE), component, section.filename);
}

/** Components the model has (a Qwen2.5-VL export has no speech), in pipeline order. */
export function presentComponents(config: GenaiConfig): ComponentName[] {
  return COMPONENTS.filter((c) => config.model[c] !== undefined);
}

/** Expands a `%d` name template (`present.%d.key`) for a layer. */
export function layerName(template: string, layer: number): string {
  return template.replace('%d', String(layer));
}

export { readModelConfig as readGenaiConfig, readModelConfig } from './model-config.js';
