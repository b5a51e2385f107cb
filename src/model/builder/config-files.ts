/**
 * genai_config.json of a built reference model, per family (/work/notes/family-contract.md):
 * ONLY keys that onnxruntime-genai's parser accepts (checked by genai-keys.ts in the tests).
 * What the parser has no key for (rope sections, mel bins, layer sizes of the encoders, the
 * provenance) lives in config.json and preprocessor_config.json (hf-configs.ts).
 */
import { DEFAULT_FAMILY, PHI4MM_TOKEN_IDS, QWEN_TOKEN_IDS, vocabSizeOf, type FamilyName } from './families.js';
import type { ModelPreset } from './presets.js';
import { PATCH_SIZE, QWEN_VL_TOKENS_PER_SECOND, QWEN_VL_WINDOW_SIZE, SPATIAL_MERGE_SIZE } from './vision.js';

/** A JSON object as written. */
export type JsonObject = { [key: string]: JsonValue };
/** A JSON value as written. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** Context length written into genai_config.json (Qwen2.5-Omni's 32768). */
export const CONTEXT_LENGTH = 32768;

/** Session options of every component: genai's defaults, CPU (no provider options). */
function sessionOptions(): JsonObject {
  return { log_id: 'onnxruntime-genai', provider_options: [] };
}

function decoderSection(preset: ModelPreset, withPositionIds: boolean): JsonObject {
  const d = preset.decoder;
  return {
    filename: 'decoder.onnx',
    hidden_size: d.hiddenSize,
    num_attention_heads: d.heads,
    num_key_value_heads: d.kvHeads,
    head_size: d.headSize,
    num_hidden_layers: d.layers,
    session_options: sessionOptions(),
    inputs: {
      inputs_embeds: 'inputs_embeds',
      attention_mask: 'attention_mask',
      ...(withPositionIds ? { position_ids: 'position_ids' } : {}),
      past_key_names: 'past_key_values.%d.key',
      past_value_names: 'past_key_values.%d.value',
    },
    outputs: { logits: 'logits', present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' },
  };
}

function embeddingSection(withAudio: boolean): JsonObject {
  return {
    filename: 'embedding.onnx',
    session_options: sessionOptions(),
    inputs: { input_ids: 'input_ids', image_features: 'image_features', ...(withAudio ? { audio_features: 'audio_features' } : {}) },
    outputs: { inputs_embeds: 'inputs_embeds' },
  };
}

const SEARCH: JsonObject = {
  max_length: CONTEXT_LENGTH,
  do_sample: false,
  num_beams: 1,
  top_k: 1,
  top_p: 1.0,
  temperature: 1.0,
  past_present_share_buffer: false,
};

function qwenOmni(preset: ModelPreset): JsonObject {
  const ids = QWEN_TOKEN_IDS;
  return {
    model: {
      type: 'qwen2_5_omni',
      vocab_size: vocabSizeOf('qwen2_5_omni'),
      context_length: CONTEXT_LENGTH,
      bos_token_id: ids.endoftext,
      eos_token_id: [ids.imEnd, ids.endoftext],
      pad_token_id: ids.endoftext,
      image_token_id: ids.image,
      video_token_id: ids.video,
      audio_token_id: ids.audio,
      vision_start_token_id: ids.visionStart,
      decoder: decoderSection(preset, true),
      embedding: embeddingSection(true),
      vision: {
        filename: 'vision.onnx',
        session_options: sessionOptions(),
        spatial_merge_size: SPATIAL_MERGE_SIZE,
        patch_size: PATCH_SIZE,
        inputs: { pixel_values: 'pixel_values', image_grid_thw: 'image_grid_thw' },
        outputs: { image_features: 'image_features' },
      },
      speech: {
        filename: 'speech.onnx',
        session_options: sessionOptions(),
        inputs: { audio_embeds: 'input_features', attention_mask: 'feature_attention_mask' },
        outputs: { audio_features: 'audio_features' },
      },
    },
    search: { ...SEARCH },
  };
}

function qwenVl(preset: ModelPreset): JsonObject {
  const ids = QWEN_TOKEN_IDS;
  return {
    model: {
      type: 'qwen2_5_vl',
      vocab_size: vocabSizeOf('qwen2_5_vl'),
      context_length: CONTEXT_LENGTH,
      bos_token_id: ids.endoftext,
      eos_token_id: [ids.imEnd, ids.endoftext],
      pad_token_id: ids.endoftext,
      image_token_id: ids.image,
      video_token_id: ids.video,
      vision_start_token_id: ids.visionStart,
      decoder: decoderSection(preset, true),
      embedding: embeddingSection(false),
      vision: {
        filename: 'vision.onnx',
        session_options: sessionOptions(),
        spatial_merge_size: SPATIAL_MERGE_SIZE,
        tokens_per_second: QWEN_VL_TOKENS_PER_SECOND,
        patch_size: PATCH_SIZE,
        window_size: QWEN_VL_WINDOW_SIZE,
        inputs: { pixel_values: 'pixel_values', image_grid_thw: 'image_grid_thw' },
        outputs: { image_features: 'image_features' },
      },
    },
    search: { ...SEARCH },
  };
}

function phi4mm(preset: ModelPreset): JsonObject {
  const ids = PHI4MM_TOKEN_IDS;
  return {
    model: {
      type: 'phi4mm',
      vocab_size: vocabSizeOf('phi4mm'),
      context_length: CONTEXT_LENGTH,
      bos_token_id: ids.endoftext,
      eos_token_id: [ids.end, ids.endoftext],
      pad_token_id: ids.endoftext,
      decoder: decoderSection(preset, false),
      embedding: embeddingSection(true),
      vision: {
        filename: 'vision.onnx',
        session_options: sessionOptions(),
        inputs: { pixel_values: 'pixel_values', attention_mask: 'image_attention_mask', image_sizes: 'image_sizes' },
        outputs: { image_features: 'image_features' },
      },
      speech: {
        filename: 'speech.onnx',
        session_options: sessionOptions(),
        inputs: {
          audio_embeds: 'audio_embeds',
          attention_mask: 'audio_attention_mask',
          audio_sizes: 'audio_sizes',
          audio_projection_mode: 'audio_projection_mode',
        },
        outputs: { audio_features: 'audio_features' },
      },
    },
    search: { ...SEARCH },
  };
}

/** genai_config.json of a reference model of `family` built from `preset`. */
export function genaiConfigFor(preset: ModelPreset, family: FamilyName = DEFAULT_FAMILY): JsonObject {
  switch (family) {
    case 'qwen2_5_omni':
      return qwenOmni(preset);
    case 'qwen2_5_vl':
      return qwenVl(preset);
    case 'phi4mm':
      return phi4mm(preset);
  }
}
