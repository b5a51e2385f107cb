import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTiny, cleanup, f32, i64, maxAbsDiff, openSession, ort, randomFloats, readJson, tempDir } from './helpers.js';

/** The parts of genai_config.json this test reads (the builder's own files, read as JSON: no runtime involved). */
interface GenaiConfig {
  model: {
    vocab_size: number;
    decoder: {
      hidden_size: number;
      num_hidden_layers: number;
      num_key_value_heads: number;
      head_size: number;
      inputs: { inputs_embeds: string; attention_mask: string; position_ids: string; past_key_names: string; past_value_names: string };
      outputs: { logits: string; present_key_names: string; present_value_names: string };
    };
  };
}

/** Qwen2.5-Omni's token ids, from config.json's thinker_config. */
interface ThinkerIds {
  audio_token_index: number;
  video_token_index: number;
  audio_start_token_id: number;
  audio_end_token_id: number;
  vision_start_token_id: number;
  vision_end_token_id: number;
}

const layerName = (template: string, layer: number): string => template.replace('%d', String(layer));

/**
 * The decoder's KV cache must not change the answer: one prefill of S tokens, a prefill split
 * in two chunks, and a prefill followed by single-token decode steps give the same logits.
 */
describe('decoder KV cache', () => {
  let parent: string;
  let config: GenaiConfig;
  let decoder: ort.InferenceSession;
  let embeds: Float32Array; // [S, H] from embedding.onnx: text, audio and vision placeholders mixed
  let positions: number[][]; // [3][S]
  const S = 25;

  beforeAll(async () => {
    parent = tempDir();
    const dir = buildTiny(parent);
    config = readJson<GenaiConfig>(dir, 'genai_config.json');
    decoder = await openSession(dir, 'decoder.onnx');
    const embedding = await openSession(dir, 'embedding.onnx');
    const H = config.model.decoder.hidden_size;
    const m = readJson<{ thinker_config: ThinkerIds }>(dir, 'config.json').thinker_config;
    const ids = [
      151644, 8948, 198, m.audio_start_token_id, ...Array<number>(5).fill(m.audio_token_index), m.audio_end_token_id,
      m.vision_start_token_id, ...Array<number>(6).fill(m.video_token_index), m.vision_end_token_id, 3555, 374, 419, 30, 151645, 198, 151644,
    ];
    expect(ids.length).toBe(S);
    const out = await embedding.run({
      input_ids: i64(ids, [1, S]),
      image_features: f32(randomFloats(6 * H, 1), [6, H]),
      audio_features: f32(randomFloats(5 * H, 2), [5, H]),
    });
    embeds = out['inputs_embeds']?.data as Float32Array;
    // TMRoPE-like positions: the three rows differ on the vision span.
    positions = [0, 1, 2].map((row) => Array.from({ length: S }, (_, i) => (i >= 11 && i < 17 ? 11 + (row === 0 ? 0 : row === 1 ? (i - 11) % 2 : Math.floor((i - 11) / 2)) : i)));
  });
  afterAll(() => cleanup(parent));

  type Cache = { key: ort.Tensor; value: ort.Tensor }[];

  /** Runs tokens [from, to) on top of `past` (covering [0, from)). */
  async function prefill(from: number, to: number, past: Cache | null, rows = positions): Promise<{ logits: Float32Array; cache: Cache }> {
    const d = config.model.decoder;
    const H = d.hidden_size;
    const n = to - from;
    const feeds: Record<string, ort.Tensor> = {
      [d.inputs.inputs_embeds]: f32(embeds.slice(from * H, to * H), [1, n, H]),
      [d.inputs.attention_mask]: i64(Array<number>(to).fill(1), [1, to]),
      [d.inputs.position_ids]: i64(rows.flatMap((r) => r.slice(from, to)), [3, 1, n]),
    };
    for (let l = 0; l < d.num_hidden_layers; l++) {
      const empty = (): ort.Tensor => f32(new Float32Array(0), [1, d.num_key_value_heads, 0, d.head_size]);
      feeds[layerName(d.inputs.past_key_names, l)] = past?.[l]?.key ?? empty();
      feeds[layerName(d.inputs.past_value_names, l)] = past?.[l]?.value ?? empty();
    }
    const out = await decoder.run(feeds);
    const logits = out[d.outputs.logits] as ort.Tensor;
    expect(logits.dims).toEqual([1, 1, config.model.vocab_size]);
    const cache = Array.from({ length: d.num_hidden_layers }, (_, l) => ({
      key: out[layerName(d.outputs.present_key_names, l)] as ort.Tensor,
      value: out[layerName(d.outputs.present_value_names, l)] as ort.Tensor,
    }));
    expect(cache[0]?.key.dims).toEqual([1, d.num_key_value_heads, to, d.head_size]);
    return { logits: logits.data as Float32Array, cache };
  }

  it('gives the same last-token logits for one prefill and a prefill split in two chunks', async () => {
    const whole = await prefill(0, S, null);
    expect(whole.logits.every(Number.isFinite)).toBe(true);
    for (const k of [1, 9, 13]) {
      const first = await prefill(0, k, null);
      const rest = await prefill(k, S, first.cache);
      expect(maxAbsDiff(rest.logits, whole.logits), `split at ${k}`).toBeLessThanOrEqual(1e-4);
    }
  });

  it('gives the same logits for prefill + n decode steps as for single prefills of each prefix', async () => {
    const text = [0, 1, 2].map(() => Array.from({ length: S }, (_, i) => i)); // text-style: all rows equal
    let state = await prefill(0, S - 4, null, text);
    for (let t = S - 4; t < S; t++) {
      state = await prefill(t, t + 1, state.cache, text);
      const reference = await prefill(0, t + 1, null, text);
      expect(maxAbsDiff(state.logits, reference.logits), `step to ${t + 1}`).toBeLessThanOrEqual(1e-4);
    }
  });

  it('uses the position ids: other M-RoPE rows change the logits', async () => {
    const text = [0, 1, 2].map(() => Array.from({ length: S }, (_, i) => i));
    const a = await prefill(0, S, null, text);
    const b = await prefill(0, S, null);
    expect(maxAbsDiff(a.logits, b.logits)).toBeGreaterThan(1e-4);
  });
});
