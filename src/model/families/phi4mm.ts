/**
 * Phi-4-multimodal (model.type `phi4mm`): a Phi-4-mini decoder with a speech encoder (its own
 * 80-bin log-mel, src/media/phi4mm-mel.ts; one audio token per 8 frames, audio_compression_rate)
 * and a vision encoder over 448-pixel crops. The speech graph takes `audio_embeds` [1, T, 80],
 * `audio_attention_mask`, `audio_sizes` (audio tokens) and `audio_projection_mode` (2: speech;
 * Hugging Face's input modes 0 text, 1 vision, 2 speech, 3 vision + speech); the embedding takes
 * `image_features` and `audio_features`; the decoder has no position_ids (1-D RoPE positions come
 * from the attention mask). Prompt (its chat template):
 * `<|system|>...<|end|><|user|><|image_1|><|audio_1|>question<|end|><|assistant|>`, each
 * `<|image_N|>` / `<|audio_N|>` expanded to one placeholder id (200010 image, 200011 audio) per
 * feature row.
 */
import { ModelError } from '../../errors.js';
import type { SpeechConfig, VisionConfig } from '../genai-config.js';
import type { Resolution } from '../config-resolution.js';
import { append } from '../prompt.js';
import type { BuiltPrompt, ContentPart, DecoderState, Message, PromptOptions, TokenCounts } from '../types.js';
import { hasSection, sectionFile, tensorName, type FamilyAdapter, type FamilyParts, type FamilyPromptContext, type ResolveContext } from './family.js';

export { PHI4MM_TOKEN_IDS } from '../token-ids.js';
import { PHI4MM_TOKEN_IDS } from '../token-ids.js';

/** The value of `audio_projection_mode` for a speech-only request (Hugging Face's InputMode.SPEECH). */
export const PHI4MM_SPEECH_MODE = 2;

const FAMILY_DEFAULT = 'default (Phi-4-multimodal)';

function resolveSpeech(r: Resolution, ctx: ResolveContext): SpeechConfig | null {
  const filename = sectionFile(r, 'speech');
  const fixed = (value: number): { fallback: { value: number; label: string } } => ({ fallback: { value, label: FAMILY_DEFAULT } });
  const bins = r.value<number>('model.speech.num_mel_bins', 'int', [r.preprocessorPath('feature_size'), ...r.processorPaths('logmel/n_mel'), r.hfPath('audio_processor.config.input_size')], fixed(80));
  const rate = r.value<number>(
    'model.speech.compression_rate',
    'int',
    [r.preprocessorPath('audio_compression_rate'), ...r.processorPaths('audio_compression_rate'), r.hfPath('embd_layer.audio_embd_layer.compression_rate')],
    fixed(8),
  );
  const dim = (field: string, key: string): number | null => r.value<number>(`model.speech.${field}`, 'int', [r.hfPath(`audio_processor.config.${key}`)], { required: false });
  const names = "default (onnxruntime-genai's phi4mm name)";
  const inputs = {
    input_features: tensorName(r, 'speech', 'inputs.audio_embeds', 'audio_embeds', names),
    feature_attention_mask: tensorName(r, 'speech', 'inputs.attention_mask', 'audio_attention_mask', names),
    audio_sizes: tensorName(r, 'speech', 'inputs.audio_sizes', 'audio_sizes', names),
    audio_projection_mode: tensorName(r, 'speech', 'inputs.audio_projection_mode', 'audio_projection_mode', names),
  };
  const outputs = { audio_features: tensorName(r, 'speech', 'outputs.audio_features', 'audio_features', names) };
  if (filename === null || bins === null || rate === null || ctx.decoderHidden === null) return null;
  return {
    filename,
    d_model: dim('d_model', 'attention_dim'),
    encoder_layers: dim('encoder_layers', 'num_blocks'),
    encoder_attention_heads: dim('encoder_attention_heads', 'attention_heads'),
    encoder_ffn_dim: dim('encoder_ffn_dim', 'linear_units'),
    num_mel_bins: bins,
    n_window: null,
    compression_rate: rate,
    output_dim: ctx.decoderHidden,
    inputs,
    outputs,
  };
}

function resolveVision(r: Resolution, ctx: ResolveContext): VisionConfig | null {
  const filename = sectionFile(r, 'vision');
  const dim = (field: string, key: string): number | null => r.value<number>(`model.vision.${field}`, 'int', [r.hfPath(`vision_config.${key}`)], { required: false });
  const names = "default (onnxruntime-genai's phi4mm name)";
  const inputs = {
    pixel_values: tensorName(r, 'vision', 'inputs.pixel_values', 'pixel_values', names),
    image_grid_thw: null,
    attention_mask: tensorName(r, 'vision', 'inputs.attention_mask', 'image_attention_mask', names),
    image_sizes: tensorName(r, 'vision', 'inputs.image_sizes', 'image_sizes', names),
  };
  const outputs = { image_features: tensorName(r, 'vision', 'outputs.image_features', 'image_features', names) };
  if (filename === null || ctx.decoderHidden === null) return null;
  const patch = r.value<number>('model.vision.patch_size', 'int', [r.hfPath('vision_config.patch_size')], { fallback: { value: 14, label: FAMILY_DEFAULT } }) as number;
  return {
    filename,
    hidden_size: dim('hidden_size', 'hidden_size'),
    num_hidden_layers: dim('num_hidden_layers', 'depth'),
    num_attention_heads: dim('num_attention_heads', 'num_heads'),
    intermediate_size: dim('intermediate_size', 'intermediate_size'),
    patch_size: patch,
    temporal_patch_size: 1,
    spatial_merge_size: 2,
    out_hidden_size: ctx.decoderHidden,
    inputs,
    outputs,
  };
}

/** Ids that close the previous assistant turn held in a KV cache: its pending ids and `<|end|>` unless it ended on it. */
function continuationPrefix(history: DecoderState, end: number): number[] {
  const prefix = [...history.pendingIds];
  if (prefix[prefix.length - 1] !== end) prefix.push(end);
  return prefix;
}

/** Phi-4-multimodal's chat template with placeholder expansion; 1-D positions (all three rows equal). */
function phi4mmPrompt(messages: readonly Message[], ctx: FamilyPromptContext, options: PromptOptions): BuiltPrompt {
  const c = ctx.config.model;
  const H = c.decoder.hidden_size;
  const tok = ctx.tokenizer;
  const special = (name: keyof typeof PHI4MM_TOKEN_IDS, text: string): number => tok.tokenId(text) ?? PHI4MM_TOKEN_IDS[name];
  const role = { system: special('system', '<|system|>'), user: special('user', '<|user|>'), assistant: special('assistant', '<|assistant|>') };
  const end = special('end', '<|end|>');
  const imageId = c.image_token_id ?? PHI4MM_TOKEN_IDS.image;
  const audioId = c.audio_token_id ?? PHI4MM_TOKEN_IDS.audio;
  const ids: number[] = options.history ? continuationPrefix(options.history, end) : [];
  const counts: TokenCounts = { text: ids.length, audio: 0, video: 0, image: 0, total: 0 };
  const image: Float32Array[] = [];
  const audio: Float32Array[] = [];
  const text = (values: readonly number[]): void => {
    append(ids, values);
    counts.text += values.length;
  };
  messages.forEach((message, m) => {
    text([role[message.role]]);
    const parts: ContentPart[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    parts.forEach((part, p) => {
      const where = `messages[${m}].content[${p}] (${part.type})`;
      if (part.type === 'text') text(tok.encode(part.text));
      else if (part.type === 'tokens') text(part.ids);
      else if (message.role !== 'user') throw new TypeError(`messages[${m}]: ${message.role} turns carry text and tokens only, got a ${part.type} part`);
      else if (part.type === 'audio' || part.type === 'image') {
        const f = part.features;
        if (f.hiddenSize !== H || f.features.length !== f.tokens * H) throw new ModelError(`${where}: features must be [${f.tokens}, ${H}], got ${f.features.length} values with hiddenSize ${f.hiddenSize}`);
        for (let i = 0; i < f.tokens; i++) ids.push(part.type === 'audio' ? audioId : imageId);
        counts[part.type] += f.tokens;
        (part.type === 'audio' ? audio : image).push(f.features);
      } else {
        throw new ModelError(`${where}: Phi-4-multimodal's processor takes images and audio, not ${part.type === 'video' ? 'video' : 'video with its audio'}`);
      }
    });
    const last = parts[parts.length - 1];
    if (!(last?.type === 'tokens' && last.ids[last.ids.length - 1] === end)) text([end]);
  });
  if (options.addGenerationPrompt ?? true) text([role.assistant]);
  counts.total = ids.length;
  const start = options.history?.nextPosition ?? 0;
  const S = ids.length;
  const positionIds = new Int32Array(3 * S);
  for (let row = 0; row < 3; row++) for (let i = 0; i < S; i++) positionIds[row * S + i] = start + i;
  const join = (list: Float32Array[]): Float32Array => {
    const out = new Float32Array(list.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of list) {
      out.set(x, at);
      at += x.length;
    }
    return out;
  };
  return { ids, positionIds, ropeDelta: 0, nextPosition: start + S, counts, imageFeatures: join(image), audioFeatures: join(audio) };
}

export const phi4mm: FamilyAdapter = {
  name: 'phi4mm',
  title: 'Phi-4-multimodal',
  textConfigPaths: [''],
  // Its processor takes images too, but omni-bench does not run them yet (no HD crop preprocessing; no dataset has image rows): the vision component is read and inspected only.
  takes: { audio: true, video: false, image: false },
  audioFeatures: 'phi4mm',
  defaults: { eos: { value: [PHI4MM_TOKEN_IDS.end, PHI4MM_TOKEN_IDS.endoftext], label: 'default (Phi-4-multimodal: <|end|>, <|endoftext|>)' } },
  resolve(r: Resolution, ctx: ResolveContext): FamilyParts {
    const missingBefore = r.missing.length;
    const tokens = {
      image_token_id: r.value<number>('model.image_token_id', 'int', [r.genaiPath('model.image_token_id'), r.hfPath('image_token_id')], { fallback: { value: PHI4MM_TOKEN_IDS.image, label: 'default (Phi-4-multimodal vocabulary: <|endoftext10|>)' } }),
      video_token_id: null,
      audio_token_id: r.value<number>('model.audio_token_id', 'int', [r.genaiPath('model.audio_token_id'), r.hfPath('audio_token_id')], { fallback: { value: PHI4MM_TOKEN_IDS.audio, label: 'default (Phi-4-multimodal vocabulary: <|endoftext11|>)' } }),
      audio_start_token_id: null,
      audio_end_token_id: null,
      vision_start_token_id: null,
      vision_end_token_id: null,
      position_id_per_seconds: null,
      seconds_per_chunk: null,
    };
    const speech = hasSection(r, 'speech') ? resolveSpeech(r, ctx) : null;
    const vision = hasSection(r, 'vision') ? resolveVision(r, ctx) : null;
    if (!hasSection(r, 'speech') && !hasSection(r, 'vision')) r.missing.push('model.speech or model.vision (Phi-4-multimodal needs at least one encoder)');
    return { ok: r.missing.length === missingBefore, tokens, ...(vision ? { vision } : {}), ...(speech ? { speech } : {}) };
  },
  buildPrompt: phi4mmPrompt,
};
