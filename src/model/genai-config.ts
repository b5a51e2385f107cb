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

/** Decoder section. `%d` in the past/present names is the layer index. */
export interface DecoderConfig {
  filename: string;
  hidden_size: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_size: number;
  num_hidden_layers: number;
  intermediate_size: number;
  rope_theta: number;
  /** M-RoPE frequency bands [t, h, w], summing to head_size / 2. */
  mrope_section: number[];
  inputs: {
    /** f32 [1, S, hidden_size]. */
    inputs_embeds: string;
    /** i64 [1, P + S], ones for every valid token (past and new). */
    attention_mask: string;
    /** i64 [3, 1, S]: t, h, w positions (TMRoPE). */
    position_ids: string;
    /** f32 [1, num_key_value_heads, P, head_size] per layer, e.g. "past_key_values.%d.key". */
    past_key_names: string;
    past_value_names: string;
  };
  outputs: {
    /** f32 [1, 1, vocab_size] in the reference model: logits of the LAST position only. */
    logits: string;
    /** f32 [1, num_key_value_heads, P + S, head_size] per layer, e.g. "present.%d.key". */
    present_key_names: string;
    present_value_names: string;
  };
}

/** Embedding section: token table with placeholder positions replaced by encoder features. */
export interface EmbeddingConfig {
  filename: string;
  inputs: { input_ids: string; image_features: string; audio_features: string };
  outputs: { inputs_embeds: string };
}

/** Vision encoder section (Qwen2.5-VL vision tower). */
export interface VisionConfig {
  filename: string;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  patch_size: number;
  temporal_patch_size: number;
  spatial_merge_size: number;
  /** Width of image_features (the decoder hidden size). */
  out_hidden_size: number;
  inputs: { pixel_values: string; image_grid_thw: string };
  outputs: { image_features: string };
}

/** Speech (audio) encoder section (Qwen2.5-Omni audio tower). */
export interface SpeechConfig {
  filename: string;
  d_model: number;
  encoder_layers: number;
  encoder_attention_heads: number;
  encoder_ffn_dim: number;
  num_mel_bins: number;
  /** Half the attention window in mel frames (window = 2 * n_window = 200 frames, 2 s). */
  n_window: number;
  /** Width of audio_features (the decoder hidden size). */
  output_dim: number;
  inputs: { input_features: string; feature_attention_mask: string };
  outputs: { audio_features: string };
}

/** genai_config.json. */
export interface GenaiConfig {
  model: {
    type: string;
    vocab_size: number;
    context_length: number;
    bos_token_id: number;
    eos_token_id: number[];
    pad_token_id: number;
    image_token_id: number;
    video_token_id: number;
    audio_token_id: number;
    audio_start_token_id: number;
    audio_end_token_id: number;
    vision_start_token_id: number;
    vision_end_token_id: number;
    /** TMRoPE temporal positions per second of media (Qwen2.5-Omni: 25). */
    position_id_per_seconds: number;
    /** use_audio_in_video interleaving chunk (Qwen2.5-Omni: 2 s). */
    seconds_per_chunk: number;
    decoder: DecoderConfig;
    embedding: EmbeddingConfig;
    vision: VisionConfig;
    speech: SpeechConfig;
  };
  search: { max_length: number; do_sample: boolean };
  /** Present in models built by omni-bench's builder. */
  omni_bench?: { preset: string; seed: number; builder_version: number };
}

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

const REQUIRED: Record<string, 'number' | 'string' | 'number[]' | 'object'> = {
  'model.type': 'string',
  'model.vocab_size': 'number',
  'model.context_length': 'number',
  'model.eos_token_id': 'number[]',
  'model.pad_token_id': 'number',
  'model.image_token_id': 'number',
  'model.video_token_id': 'number',
  'model.audio_token_id': 'number',
  'model.audio_start_token_id': 'number',
  'model.audio_end_token_id': 'number',
  'model.vision_start_token_id': 'number',
  'model.vision_end_token_id': 'number',
  'model.position_id_per_seconds': 'number',
  'model.seconds_per_chunk': 'number',
  'model.decoder.hidden_size': 'number',
  'model.decoder.num_attention_heads': 'number',
  'model.decoder.num_key_value_heads': 'number',
  'model.decoder.head_size': 'number',
  'model.decoder.num_hidden_layers': 'number',
  'model.decoder.intermediate_size': 'number',
  'model.decoder.rope_theta': 'number',
  'model.decoder.mrope_section': 'number[]',
  'model.decoder.inputs.inputs_embeds': 'string',
  'model.decoder.inputs.attention_mask': 'string',
  'model.decoder.inputs.position_ids': 'string',
  'model.decoder.inputs.past_key_names': 'string',
  'model.decoder.inputs.past_value_names': 'string',
  'model.decoder.outputs.logits': 'string',
  'model.decoder.outputs.present_key_names': 'string',
  'model.decoder.outputs.present_value_names': 'string',
  'model.embedding.inputs.input_ids': 'string',
  'model.embedding.inputs.image_features': 'string',
  'model.embedding.inputs.audio_features': 'string',
  'model.embedding.outputs.inputs_embeds': 'string',
  'model.vision.hidden_size': 'number',
  'model.vision.num_hidden_layers': 'number',
  'model.vision.num_attention_heads': 'number',
  'model.vision.intermediate_size': 'number',
  'model.vision.patch_size': 'number',
  'model.vision.temporal_patch_size': 'number',
  'model.vision.spatial_merge_size': 'number',
  'model.vision.out_hidden_size': 'number',
  'model.vision.inputs.pixel_values': 'string',
  'model.vision.inputs.image_grid_thw': 'string',
  'model.vision.outputs.image_features': 'string',
  'model.speech.d_model': 'number',
  'model.speech.encoder_layers': 'number',
  'model.speech.encoder_attention_heads': 'number',
  'model.speech.encoder_ffn_dim': 'number',
  'model.speech.num_mel_bins': 'number',
  'model.speech.n_window': 'number',
  'model.speech.output_dim': 'number',
  'model.speech.inputs.input_features': 'string',
  'model.speech.inputs.feature_attention_mask': 'string',
  'model.speech.outputs.audio_features': 'string',
};

/**
 * Resolves a component's ONNX file inside the model directory and checks it is a regular file.
 * A name that climbs out with `..`, an absolute path, or a symlink to a file outside is refused:
 * a config must not make omni-bench open (and parse) any file on the machine.
 */
function componentFile(dir: string, file: string, component: ComponentName, filename: string): string {
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
 * Reads and validates `<dir>/genai_config.json`. Throws ModelError naming the file for a
 * missing directory, a missing, oversized or invalid JSON file, a missing field, or a
 * component whose ONNX file does not exist, is not a regular file or lies outside `dir`.
 */
export function readGenaiConfig(dir: string): GenaiConfig {
  const file = join(dir, GENAI_CONFIG_FILE);
  const raw = readModelJson(dir, GENAI_CONFIG_FILE);
  // eos_token_id may be a single number in ORT GenAI configs: normalise to a list.
  const model = (raw as { model?: Record<string, unknown> }).model;
  if (model && typeof model['eos_token_id'] === 'number') model['eos_token_id'] = [model['eos_token_id']];
  for (const [fieldPath, kind] of Object.entries(REQUIRED)) need(file, raw, fieldPath, kind);
  const config = raw as GenaiConfig;
  config.search ??= { max_length: config.model.context_length, do_sample: false };
  for (const component of COMPONENTS) {
    need(file, raw, `model.${component}.filename`, 'string');
    componentFile(dir, file, component, config.model[component].filename);
  }
  return config;
}

/**
 * Path of a component's ONNX file, checked to lie inside `dir` and to be a regular file (see
 * readGenaiConfig); throws ModelError naming the component, the file name and the directory.
 */
export function componentPath(dir: string, config: GenaiConfig, component: ComponentName): string {
  return componentFile(dir, join(dir, GENAI_CONFIG_FILE), component, config.model[component].filename);
}

/** Expands a `%d` name template (`present.%d.key`) for a layer. */
export function layerName(template: string, layer: number): string {
  return template.replace('%d', String(layer));
}
