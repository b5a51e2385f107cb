/**
 * config.json and preprocessor_config.json of a built reference model, in Hugging Face's names
 * per family (/work/notes/family-contract.md): what genai_config.json has no key for (rope
 * sections, encoder sizes, mel bins, the provenance object `omni_bench`) is read from here, as
 * the runtime reads a real export's.
 */
import { QWEN_OMNI_PROCESSOR_CONFIG } from '../processor-config.js';
import type { JsonObject } from './config-files.js';
import { PHI4MM_ROPE_THETA, ROPE_THETA } from './decoder.js';
import { DEFAULT_FAMILY, PHI4MM_TOKEN_IDS, QWEN_TOKEN_IDS, vocabSizeOf, type FamilyName } from './families.js';
import { PHI4MM_COMPRESSION_RATE, PHI4MM_MEL_BINS } from './phi4mm-speech.js';
import { PHI4MM_CROP_SIZE, PHI4MM_PATCH_SIZE } from './phi4mm-vision.js';
import { mropeSection, type ModelPreset } from './presets.js';
import { N_WINDOW, NUM_MEL_BINS } from './speech.js';
import { PATCH_SIZE, QWEN_VL_TOKENS_PER_SECOND, QWEN_VL_WINDOW_SIZE, SPATIAL_MERGE_SIZE, TEMPORAL_PATCH_SIZE } from './vision.js';

/** Provenance of a built model (config.json's `omni_bench`). */
export interface Provenance {
  preset: string;
  seed: number;
  builder_version: number;
  family: FamilyName;
}

/** Qwen2VLImageProcessor's values as Qwen2.5-Omni and Qwen2.5-VL ship them (CLIP mean/std). */
/** Qwen2VLImageProcessor's fields: Qwen2.5-Omni's processor values (one definition, processor-config.ts), the builder's patch sizes. */
const QWEN_IMAGE_PROCESSOR: JsonObject = {
  image_processor_type: QWEN_OMNI_PROCESSOR_CONFIG.image_processor_type,
  patch_size: PATCH_SIZE,
  temporal_patch_size: TEMPORAL_PATCH_SIZE,
  merge_size: SPATIAL_MERGE_SIZE,
  min_pixels: QWEN_OMNI_PROCESSOR_CONFIG.min_pixels,
  max_pixels: QWEN_OMNI_PROCESSOR_CONFIG.max_pixels,
  image_mean: [...QWEN_OMNI_PROCESSOR_CONFIG.image_mean],
  image_std: [...QWEN_OMNI_PROCESSOR_CONFIG.image_std],
};

function qwenVisionConfig(preset: ModelPreset): JsonObject {
  const v = preset.vision;
  return {
    depth: v.layers,
    hidden_size: v.hiddenSize,
    num_heads: v.heads,
    intermediate_size: v.intermediateSize,
    patch_size: PATCH_SIZE,
    spatial_merge_size: SPATIAL_MERGE_SIZE,
    temporal_patch_size: TEMPORAL_PATCH_SIZE,
    out_hidden_size: preset.decoder.hiddenSize,
  };
}

function qwenTextConfig(preset: ModelPreset): JsonObject {
  const d = preset.decoder;
  return {
    hidden_size: d.hiddenSize,
    intermediate_size: d.intermediateSize,
    num_hidden_layers: d.layers,
    num_attention_heads: d.heads,
    num_key_value_heads: d.kvHeads,
    rope_theta: ROPE_THETA,
    vocab_size: vocabSizeOf('qwen2_5_omni'),
    rope_scaling: { type: 'mrope', mrope_section: mropeSection(d.headSize) },
  };
}

function qwenOmniConfig(preset: ModelPreset, provenance: Provenance): JsonObject {
  const ids = QWEN_TOKEN_IDS;
  const s = preset.speech;
  return {
    architectures: ['Qwen2_5OmniModel'],
    model_type: 'qwen2_5_omni',
    thinker_config: {
      model_type: 'qwen2_5_omni_thinker',
      audio_token_index: ids.audio,
      image_token_index: ids.image,
      video_token_index: ids.video,
      audio_start_token_id: ids.audioStart,
      audio_end_token_id: ids.audioEnd,
      vision_start_token_id: ids.visionStart,
      vision_end_token_id: ids.visionEnd,
      position_id_per_seconds: 25,
      seconds_per_chunk: 2,
      text_config: qwenTextConfig(preset),
      audio_config: {
        d_model: s.dModel,
        encoder_layers: s.layers,
        encoder_attention_heads: s.heads,
        encoder_ffn_dim: s.ffnDim,
        num_mel_bins: NUM_MEL_BINS,
        n_window: N_WINDOW,
        output_dim: preset.decoder.hiddenSize,
      },
      vision_config: qwenVisionConfig(preset),
    },
    omni_bench: { ...provenance },
  };
}

function qwenVlConfig(preset: ModelPreset, provenance: Provenance): JsonObject {
  const ids = QWEN_TOKEN_IDS;
  const { rope_scaling, ...text } = qwenTextConfig(preset);
  return {
    architectures: ['Qwen2_5_VLForConditionalGeneration'],
    model_type: 'qwen2_5_vl',
    ...text,
    vocab_size: vocabSizeOf('qwen2_5_vl'),
    rope_scaling: rope_scaling ?? null,
    image_token_id: ids.image,
    video_token_id: ids.video,
    vision_start_token_id: ids.visionStart,
    vision_end_token_id: ids.visionEnd,
    vision_token_id: ids.visionPad,
    vision_config: {
      ...qwenVisionConfig(preset),
      window_size: QWEN_VL_WINDOW_SIZE,
      tokens_per_second: QWEN_VL_TOKENS_PER_SECOND,
      // Every block of the reference vision tower attends over its whole temporal group (no
      // window attention is modelled), so every block is a full-attention block.
      fullatt_block_indexes: Array.from({ length: preset.vision.layers }, (_, i) => i),
    },
    omni_bench: { ...provenance },
  };
}

function phi4mmConfig(preset: ModelPreset, provenance: Provenance): JsonObject {
  const ids = PHI4MM_TOKEN_IDS;
  const { speech: s, vision: v, decoder: d } = preset;
  return {
    architectures: ['Phi4MMForCausalLM'],
    model_type: 'phi4mm',
    hidden_size: d.hiddenSize,
    intermediate_size: d.intermediateSize,
    num_hidden_layers: d.layers,
    num_attention_heads: d.heads,
    num_key_value_heads: d.kvHeads,
    rope_theta: PHI4MM_ROPE_THETA,
    vocab_size: vocabSizeOf('phi4mm'),
    bos_token_id: ids.endoftext,
    eos_token_id: ids.endoftext,
    pad_token_id: ids.endoftext,
    audio_processor: {
      name: 'cascades',
      config: {
        attention_dim: s.dModel,
        attention_heads: s.heads,
        num_blocks: s.layers,
        linear_units: s.ffnDim,
        input_size: PHI4MM_MEL_BINS,
        time_reduction: PHI4MM_COMPRESSION_RATE,
      },
    },
    embd_layer: {
      audio_embd_layer: { compression_rate: PHI4MM_COMPRESSION_RATE, downsample_rate: 1 },
      image_embd_layer: { crop_size: PHI4MM_CROP_SIZE, image_token_compression_cls: 'avg_pool_2d' },
    },
    // omni-bench's extension: Phi-4-multimodal's SigLIP tower is fixed; the reference one is sized by the preset.
    vision_config: {
      depth: v.layers,
      hidden_size: v.hiddenSize,
      num_heads: v.heads,
      intermediate_size: v.intermediateSize,
      patch_size: PHI4MM_PATCH_SIZE,
      crop_size: PHI4MM_CROP_SIZE,
    },
    image_token_id: ids.image,
    audio_token_id: ids.audio,
    omni_bench: { ...provenance },
  };
}

/** config.json (Hugging Face names) of a reference model; `omni_bench` holds the provenance. */
export function hfConfigFor(preset: ModelPreset, provenance: Provenance): JsonObject {
  switch (provenance.family) {
    case 'qwen2_5_omni':
      return qwenOmniConfig(preset, provenance);
    case 'qwen2_5_vl':
      return qwenVlConfig(preset, provenance);
    case 'phi4mm':
      return phi4mmConfig(preset, provenance);
  }
}

/**
 * preprocessor_config.json of a family. qwen2_5_omni: Qwen2.5-Omni's (WhisperFeatureExtractor
 * with 128 mel bins and chunk_length 300 s; Qwen2VLImageProcessor). qwen2_5_vl: the image
 * processor only. phi4mm: Phi-4-multimodal's (80 mel bins, audio compression 8, dynamic HD 36).
 */
export function preprocessorConfigFor(family: FamilyName = DEFAULT_FAMILY): JsonObject {
  switch (family) {
    case 'qwen2_5_omni':
      {
        const c = QWEN_OMNI_PROCESSOR_CONFIG;
        return {
          feature_extractor_type: c.feature_extractor_type,
          feature_size: NUM_MEL_BINS,
          sampling_rate: c.sampling_rate,
          hop_length: c.hop_length,
          n_fft: c.n_fft,
          chunk_length: c.chunk_length,
          n_samples: c.n_samples,
          nb_max_frames: c.nb_max_frames,
          padding_value: c.padding_value,
          ...QWEN_IMAGE_PROCESSOR,
          processor_class: c.processor_class,
        };
      }
    case 'qwen2_5_vl':
      return { ...QWEN_IMAGE_PROCESSOR, processor_class: 'Qwen2_5_VLProcessor' };
    case 'phi4mm':
      return {
        processor_class: 'Phi4MMProcessor',
        feature_extractor_type: 'Phi4MMAudioFeatureExtractor',
        image_processor_type: 'Phi4MMImageProcessor',
        audio_compression_rate: PHI4MM_COMPRESSION_RATE,
        audio_downsample_rate: 1,
        audio_feat_stride: 1,
        feature_size: PHI4MM_MEL_BINS,
        sampling_rate: 16000,
        dynamic_hd: 36,
        image_mean: [0.5, 0.5, 0.5],
        image_std: [0.5, 0.5, 0.5],
      };
  }
}
