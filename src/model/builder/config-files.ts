/**
 * The JSON files of a built reference model: genai_config.json (ONNX Runtime GenAI layout,
 * the runtime's contract) and processor_config.json (Hugging Face preprocessor names).
 */
import type { GenaiConfig, ProcessorConfig } from '../genai-config.js';
import { ROPE_THETA } from './decoder.js';
import { mropeSection, type ModelPreset } from './presets.js';
import { NUM_MEL_BINS, N_WINDOW } from './speech.js';
import { PATCH_SIZE, SPATIAL_MERGE_SIZE, TEMPORAL_PATCH_SIZE } from './vision.js';
import { QWEN_OMNI_TOKEN_IDS } from '../token-ids.js';
import { QWEN_OMNI_PROCESSOR_CONFIG } from '../processor-config.js';

/** Qwen2.5 / Qwen2.5-Omni vocabulary size (embedding rows; the BPE uses fewer). */
export const VOCAB_SIZE = 151936;

/** Qwen2.5-Omni special token ids (DESIGN.md section 3). */
export const TOKEN_IDS = QWEN_OMNI_TOKEN_IDS;

/** genai_config.json of a reference model built from `preset`. */
export function genaiConfigFor(preset: ModelPreset, seed: number, builderVersion: number): GenaiConfig {
  const { speech, vision, decoder } = preset;
  return {
    model: {
      type: 'qwen2_5_omni',
      vocab_size: VOCAB_SIZE,
      context_length: 32768,
      bos_token_id: TOKEN_IDS.endoftext,
      eos_token_id: [TOKEN_IDS.imEnd, TOKEN_IDS.endoftext],
      pad_token_id: TOKEN_IDS.endoftext,
      image_token_id: TOKEN_IDS.image,
      video_token_id: TOKEN_IDS.video,
      audio_token_id: TOKEN_IDS.audio,
      audio_start_token_id: TOKEN_IDS.audioStart,
      audio_end_token_id: TOKEN_IDS.audioEnd,
      vision_start_token_id: TOKEN_IDS.visionStart,
      vision_end_token_id: TOKEN_IDS.visionEnd,
      position_id_per_seconds: 25,
      seconds_per_chunk: 2,
      decoder: {
        filename: 'decoder.onnx',
        hidden_size: decoder.hiddenSize,
        num_attention_heads: decoder.heads,
        num_key_value_heads: decoder.kvHeads,
        head_size: decoder.headSize,
        num_hidden_layers: decoder.layers,
        intermediate_size: decoder.intermediateSize,
        rope_theta: ROPE_THETA,
        mrope_section: mropeSection(decoder.headSize),
        inputs: {
          inputs_embeds: 'inputs_embeds',
          attention_mask: 'attention_mask',
          position_ids: 'position_ids',
          past_key_names: 'past_key_values.%d.key',
          past_value_names: 'past_key_values.%d.value',
        },
        outputs: { logits: 'logits', present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' },
      },
      embedding: {
        filename: 'embedding.onnx',
        inputs: { input_ids: 'input_ids', image_features: 'image_features', audio_features: 'audio_features' },
        outputs: { inputs_embeds: 'inputs_embeds' },
      },
      vision: {
        filename: 'vision.onnx',
        hidden_size: vision.hiddenSize,
        num_hidden_layers: vision.layers,
        num_attention_heads: vision.heads,
        intermediate_size: vision.intermediateSize,
        patch_size: PATCH_SIZE,
        temporal_patch_size: TEMPORAL_PATCH_SIZE,
        spatial_merge_size: SPATIAL_MERGE_SIZE,
        out_hidden_size: decoder.hiddenSize,
        inputs: { pixel_values: 'pixel_values', image_grid_thw: 'image_grid_thw' },
        outputs: { image_features: 'image_features' },
      },
      speech: {
        filename: 'speech.onnx',
        d_model: speech.dModel,
        encoder_layers: speech.layers,
        encoder_attention_heads: speech.heads,
        encoder_ffn_dim: speech.ffnDim,
        num_mel_bins: NUM_MEL_BINS,
        n_window: N_WINDOW,
        output_dim: decoder.hiddenSize,
        inputs: { input_features: 'input_features', feature_attention_mask: 'feature_attention_mask' },
        outputs: { audio_features: 'audio_features' },
      },
    },
    search: { max_length: 32768, do_sample: false },
    omni_bench: { preset: preset.name, seed, builder_version: builderVersion },
  };
}

/**
 * processor_config.json: Qwen2.5-Omni's preprocessor values (WhisperFeatureExtractor with 128 mel
 * bins and chunk_length 300 s, Qwen2VLImageProcessor with CLIP mean/std), the builder's sizes.
 */
export function processorConfig(): ProcessorConfig {
  return {
    ...(structuredClone(QWEN_OMNI_PROCESSOR_CONFIG) as ProcessorConfig),
    feature_size: NUM_MEL_BINS,
    patch_size: PATCH_SIZE,
    temporal_patch_size: TEMPORAL_PATCH_SIZE,
    merge_size: SPATIAL_MERGE_SIZE,
  };
}
