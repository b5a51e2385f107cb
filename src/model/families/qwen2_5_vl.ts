/**
 * Qwen2.5-VL (model.type `qwen2_5_vl`): Qwen2.5-Omni's vision tower and preprocessing (the same
 * smart_resize, patches and 2x2 merge), no audio encoder. ChatML prompt with Qwen2.5-VL's system
 * prompt; M-RoPE positions [3, 1, S] whose temporal index is
 * floor(t * second_per_grid_t * tokens_per_second) (vision_config.tokens_per_second 2, where
 * Qwen2.5-Omni has position_id_per_seconds 25). onnxruntime-genai feeds position_ids as
 * [3, batch, S] (its qwen2_5_vl position inputs and model builder). config.json keeps the text
 * model's fields at the top (or under text_config in newer transformers) and vision_config.
 */
import { ModelError } from '../../errors.js';
import type { Resolution } from '../config-resolution.js';
import { QWEN_OMNI_TOKEN_IDS as QWEN } from '../token-ids.js';
import { hasSection, type FamilyAdapter, type FamilyParts, type ResolveContext } from './family.js';
import { qwenPrompt, qwenTokenId, resolveQwenVision } from './qwen2_5_omni.js';

/** Qwen2.5-VL's default system prompt (its chat template). */
export const QWEN_VL_SYSTEM_PROMPT = 'You are a helpful assistant.';

export const qwen2_5_vl: FamilyAdapter = {
  name: 'qwen2_5_vl',
  title: 'Qwen2.5-VL',
  textConfigPaths: ['text_config.', ''],
  takes: { audio: false, video: true, image: true },
  audioFeatures: null,
  defaults: { eos: { value: [QWEN.imEnd, QWEN.endoftext], label: 'default (Qwen2.5-VL: <|im_end|>, <|endoftext|>)' } },
  resolve(r: Resolution, ctx: ResolveContext): FamilyParts {
    const label = 'default (Qwen2.5-VL vocabulary)';
    const missingBefore = r.missing.length;
    const tokens = {
      image_token_id: qwenTokenId(r, 'image_token_id', 'image_token_id', ['image_token_id'], QWEN.image, label),
      video_token_id: qwenTokenId(r, 'video_token_id', 'video_token_id', ['video_token_id'], QWEN.video, label),
      audio_token_id: null,
      audio_start_token_id: null,
      audio_end_token_id: null,
      vision_start_token_id: qwenTokenId(r, 'vision_start_token_id', 'vision_start_token_id', ['vision_start_token_id'], QWEN.visionStart, label),
      vision_end_token_id: qwenTokenId(r, 'vision_end_token_id', null, ['vision_end_token_id'], QWEN.visionEnd, label),
      position_id_per_seconds: r.value<number>(
        'model.position_id_per_seconds',
        'number',
        [r.genaiPath('model.vision.tokens_per_second'), r.hfPath('vision_config.tokens_per_second')],
        { fallback: { value: 2, label: 'default (Qwen2.5-VL vision_config.tokens_per_second)' } },
      ),
      seconds_per_chunk: null,
    };
    if (hasSection(r, 'speech')) r.warnings.push(`model.speech is present but ${this.title} has no audio encoder: it is not used`);
    const vision = resolveQwenVision(r, ctx, 'vision_config.', 'default (Qwen2.5-VL)');
    return { ok: r.missing.length === missingBefore && vision !== null, tokens, ...(vision ? { vision } : {}) };
  },
  buildPrompt(messages, ctx, options) {
    for (const [m, message] of messages.entries()) {
      if (typeof message.content === 'string') continue;
      for (const part of message.content) {
        if (part.type === 'audio' || part.type === 'video_with_audio') throw new ModelError(`messages[${m}]: ${this.title} takes no audio (a ${part.type} part)`);
      }
    }
    return qwenPrompt(messages, ctx, options, QWEN_VL_SYSTEM_PROMPT);
  },
};

