/**
 * Qwen2.5-Omni (model.type `qwen2_5_omni`): the thinker with its audio tower (Whisper log-mel,
 * 128 bins, windows of 2 * n_window frames) and Qwen2.5-VL's vision tower; ChatML prompt with
 * Qwen2.5-Omni's system prompt; TMRoPE positions [3, 1, S] with position_id_per_seconds 25 and
 * use_audio_in_video chunks of seconds_per_chunk 2 s. config.json nests the thinker's values
 * under `thinker_config` (text_config, audio_config, vision_config, *_token_index).
 */
import { ModelError } from '../../errors.js';
import type { SpeechConfig, VisionConfig } from '../genai-config.js';
import type { Resolution } from '../config-resolution.js';
import { buildPrompt, DEFAULT_SYSTEM_PROMPT } from '../prompt.js';
import { QWEN_OMNI_TOKEN_IDS as QWEN } from '../token-ids.js';
import type { BuiltPrompt, Message, PromptOptions } from '../types.js';
import { hasSection, sectionFile, tensorName, type FamilyAdapter, type FamilyParts, type FamilyPromptContext, type ResolveContext } from './family.js';

/** The Qwen vision tower's section (Qwen2.5-Omni and Qwen2.5-VL share it); `hf` is config.json's vision_config prefix. */
export function resolveQwenVision(r: Resolution, ctx: ResolveContext, hf: string, defaultLabel: string): VisionConfig | null {
  if (!hasSection(r, 'vision')) {
    r.missing.push('model.vision (the vision component)');
    return null;
  }
  const filename = sectionFile(r, 'vision');
  const fixed = (value: number): { fallback: { value: number; label: string } } => ({ fallback: { value, label: defaultLabel } });
  const patch = r.value<number>('model.vision.patch_size', 'int', [r.genaiPath('model.vision.patch_size'), r.hfPath(`${hf}patch_size`), r.preprocessorPath('patch_size'), ...r.processorPaths('patch_size')], fixed(14));
  const temporal = r.value<number>('model.vision.temporal_patch_size', 'int', [r.hfPath(`${hf}temporal_patch_size`), r.preprocessorPath('temporal_patch_size'), ...r.processorPaths('temporal_patch_size')], fixed(2));
  const merge = r.value<number>(
    'model.vision.spatial_merge_size',
    'int',
    [r.genaiPath('model.vision.spatial_merge_size'), r.hfPath(`${hf}spatial_merge_size`), r.preprocessorPath('merge_size'), ...r.processorPaths('merge_size')],
    fixed(2),
  );
  const dim = (field: string, key: string): number | null => r.value<number>(`model.vision.${field}`, 'int', [r.hfPath(`${hf}${key}`)], { required: false });
  const names = "default (onnxruntime-genai's name)";
  const inputs = {
    pixel_values: tensorName(r, 'vision', 'inputs.pixel_values', 'pixel_values', names),
    image_grid_thw: tensorName(r, 'vision', 'inputs.image_grid_thw', 'image_grid_thw', names),
    attention_mask: null,
    image_sizes: null,
  };
  const outputs = { image_features: tensorName(r, 'vision', 'outputs.image_features', 'image_features', names) };
  const vision: VisionConfig | null =
    filename === null || patch === null || temporal === null || merge === null || ctx.decoderHidden === null
      ? null
      : {
          filename,
          hidden_size: dim('hidden_size', 'hidden_size'),
          num_hidden_layers: dim('num_hidden_layers', 'depth'),
          num_attention_heads: dim('num_attention_heads', 'num_heads'),
          intermediate_size: dim('intermediate_size', 'intermediate_size'),
          patch_size: patch,
          temporal_patch_size: temporal,
          spatial_merge_size: merge,
          out_hidden_size: ctx.decoderHidden,
          inputs,
          outputs,
        };
  return vision;
}

/** A Qwen special id: genai_config.json, config.json (paths given), else the Qwen vocabulary's id. */
export function qwenTokenId(r: Resolution, field: string, genaiKey: string | null, hfPaths: string[], fallback: number, label: string): number | null {
  return r.value<number>(
    `model.${field}`,
    'int',
    [...(genaiKey ? [r.genaiPath(`model.${genaiKey}`)] : []), ...hfPaths.map((p) => r.hfPath(p))],
    { fallback: { value: fallback, label } },
  );
}

/** Qwen2.5-Omni's audio tower section. */
function resolveSpeech(r: Resolution, ctx: ResolveContext): SpeechConfig | null {
  if (!hasSection(r, 'speech')) {
    r.missing.push('model.speech (the audio encoder component)');
    return null;
  }
  const hf = 'thinker_config.audio_config.';
  const fixed = (value: number): { fallback: { value: number; label: string } } => ({ fallback: { value, label: 'default (Qwen2.5-Omni)' } });
  const filename = sectionFile(r, 'speech');
  const bins = r.value<number>('model.speech.num_mel_bins', 'int', [r.hfPath(`${hf}num_mel_bins`), r.preprocessorPath('feature_size'), ...r.processorPaths('n_mel')], fixed(128));
  const nWindow = r.value<number>('model.speech.n_window', 'int', [r.hfPath(`${hf}n_window`)], fixed(100));
  const dim = (field: string, key: string): number | null => r.value<number>(`model.speech.${field}`, 'int', [r.hfPath(`${hf}${key}`)], { required: false });
  const names = "default (Qwen2.5-Omni's name)";
  const inputs = {
    input_features: tensorName(r, 'speech', 'inputs.audio_embeds', 'input_features', names),
    feature_attention_mask: tensorName(r, 'speech', 'inputs.attention_mask', 'feature_attention_mask', names),
    audio_sizes: null,
    audio_projection_mode: null,
  };
  const outputs = { audio_features: tensorName(r, 'speech', 'outputs.audio_features', 'audio_features', names) };
  if (filename === null || bins === null || nWindow === null || ctx.decoderHidden === null) return null;
  return {
    filename,
    d_model: dim('d_model', 'd_model'),
    encoder_layers: dim('encoder_layers', 'encoder_layers'),
    encoder_attention_heads: dim('encoder_attention_heads', 'encoder_attention_heads'),
    encoder_ffn_dim: dim('encoder_ffn_dim', 'encoder_ffn_dim'),
    num_mel_bins: bins,
    n_window: nWindow,
    compression_rate: null,
    output_dim: ctx.decoderHidden,
    inputs,
    outputs,
  };
}

/** The Qwen ChatML prompt with the family's system prompt and rope constants. */
export function qwenPrompt(messages: readonly Message[], ctx: FamilyPromptContext, options: PromptOptions, systemPrompt: string): BuiltPrompt {
  const c = ctx.config.model;
  const id = (v: number | null, name: string): number => {
    if (v === null) throw new ModelError(`${ctx.config.files.genaiConfig}: this ${ctx.config.family} model has no ${name}`);
    return v;
  };
  const need = (part: string, v: number | null, name: string): number => (messages.some((m) => typeof m.content !== 'string' && m.content.some((p) => p.type.includes(part))) ? id(v, name) : (v ?? -1));
  return buildPrompt(
    messages,
    {
      tokenizer: ctx.tokenizer,
      tokenIds: {
        imStart: ctx.tokenizer.tokenId('<|im_start|>') ?? QWEN.imStart,
        imEnd: ctx.tokenizer.tokenId('<|im_end|>') ?? QWEN.imEnd,
        audio: need('audio', c.audio_token_id, 'audio_token_id'),
        audioStart: need('audio', c.audio_start_token_id, 'audio_start_token_id'),
        audioEnd: need('audio', c.audio_end_token_id, 'audio_end_token_id'),
        visionStart: need('video', c.vision_start_token_id, 'vision_start_token_id'),
        visionEnd: need('video', c.vision_end_token_id, 'vision_end_token_id'),
        image: need('image', c.image_token_id, 'image_token_id'),
        video: need('video', c.video_token_id, 'video_token_id'),
      },
      rope: {
        spatialMergeSize: c.vision?.spatial_merge_size ?? 2,
        positionIdPerSeconds: c.position_id_per_seconds ?? 25,
        secondsPerChunk: c.seconds_per_chunk ?? 2,
      },
      hiddenSize: c.decoder.hidden_size,
      systemPrompt,
    },
    options,
  );
}

export const qwen2_5_omni: FamilyAdapter = {
  name: 'qwen2_5_omni',
  title: 'Qwen2.5-Omni (thinker)',
  textConfigPaths: ['thinker_config.text_config.', 'text_config.', ''],
  takes: { audio: true, video: true, image: true },
  audioFeatures: 'whisper',
  defaults: { eos: { value: [QWEN.imEnd, QWEN.endoftext], label: 'default (Qwen2.5-Omni: <|im_end|>, <|endoftext|>)' } },
  resolve(r: Resolution, ctx: ResolveContext): FamilyParts {
    const label = 'default (Qwen2.5-Omni vocabulary)';
    const t = 'thinker_config.';
    const missingBefore = r.missing.length;
    const tokens = {
      image_token_id: qwenTokenId(r, 'image_token_id', 'image_token_id', [`${t}image_token_index`, `${t}image_token_id`], QWEN.image, label),
      video_token_id: qwenTokenId(r, 'video_token_id', 'video_token_id', [`${t}video_token_index`, `${t}video_token_id`], QWEN.video, label),
      audio_token_id: qwenTokenId(r, 'audio_token_id', 'audio_token_id', [`${t}audio_token_index`, `${t}audio_token_id`], QWEN.audio, label),
      audio_start_token_id: qwenTokenId(r, 'audio_start_token_id', null, [`${t}audio_start_token_id`], QWEN.audioStart, label),
      audio_end_token_id: qwenTokenId(r, 'audio_end_token_id', null, [`${t}audio_end_token_id`], QWEN.audioEnd, label),
      vision_start_token_id: qwenTokenId(r, 'vision_start_token_id', 'vision_start_token_id', [`${t}vision_start_token_id`], QWEN.visionStart, label),
      vision_end_token_id: qwenTokenId(r, 'vision_end_token_id', null, [`${t}vision_end_token_id`], QWEN.visionEnd, label),
      position_id_per_seconds: r.value<number>('model.position_id_per_seconds', 'number', [r.hfPath(`${t}position_id_per_seconds`)], { fallback: { value: 25, label: 'default (Qwen2.5-Omni)' } }),
      seconds_per_chunk: r.value<number>('model.seconds_per_chunk', 'number', [r.hfPath(`${t}seconds_per_chunk`)], { fallback: { value: 2, label: 'default (Qwen2.5-Omni)' } }),
    };
    const vision = resolveQwenVision(r, ctx, `${t}vision_config.`, 'default (Qwen2.5-Omni)');
    const speech = resolveSpeech(r, ctx);
    return { ok: r.missing.length === missingBefore && vision !== null && speech !== null, tokens, ...(vision ? { vision } : {}), ...(speech ? { speech } : {}) };
  },
  buildPrompt(messages, ctx, options) {
    return qwenPrompt(messages, ctx, options, DEFAULT_SYSTEM_PROMPT);
  },
};
