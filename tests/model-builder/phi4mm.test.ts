import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phi4mmAudioTokens } from '../../src/model/builder/phi4mm-speech.js';
import { PHI4MM_TOKENS_PER_CROP } from '../../src/model/builder/phi4mm-vision.js';
import { bool, buildTiny, cleanup, f32, i64, maxAbsDiff, openSession, ort, randomFloats, tempDir } from './helpers.js';

const MEL = 80;
const H = 128; // tiny decoder hidden size

describe('phi4mm reference model', () => {
  let parent: string;
  let dir: string;
  beforeAll(() => {
    parent = tempDir();
    dir = buildTiny(parent, 'phi4mm', { family: 'phi4mm' });
  });
  afterAll(() => cleanup(parent));

  describe('speech encoder', () => {
    let speech: ort.InferenceSession;
    beforeAll(async () => {
      speech = await openSession(dir, 'speech.onnx');
    });

    /** Runs `features` ([T, 80], time-major) with the first `valid` frames marked in the mask. */
    const run = async (features: Float32Array, frames: number, options: { valid?: number; sizes?: number; mode?: number } = {}): Promise<ort.Tensor> => {
      const valid = options.valid ?? frames;
      const out = await speech.run({
        audio_embeds: f32(features, [1, frames, MEL]),
        audio_attention_mask: bool(Array.from({ length: frames }, (_, i) => i < valid), [1, frames]),
        audio_sizes: i64([options.sizes ?? Math.ceil(frames / 8)], [1]), // audio tokens, as onnxruntime-genai feeds it
        audio_projection_mode: i64([options.mode ?? 2], [1]), // 2: speech (Hugging Face's InputMode)
      });
      return out['audio_features'] as ort.Tensor;
    };

    it('turns T = 250 frames into ceil(250 / 8) = 32 tokens, and other lengths into ceil(T / 8)', async () => {
      expect(speech.inputNames).toEqual(['audio_embeds', 'audio_attention_mask', 'audio_sizes', 'audio_projection_mode']);
      expect((await run(randomFloats(250 * MEL, 1), 250)).dims).toEqual([32, H]);
      for (const frames of [1, 8, 9, 17, 1001]) {
        expect((await run(randomFloats(frames * MEL, frames), frames)).dims, `${frames} frames`).toEqual([phi4mmAudioTokens(frames), H]);
      }
      expect([1, 8, 9, 250, 1001].map((n) => phi4mmAudioTokens(n))).toEqual([1, 1, 2, 32, 126]);
    });

    it('projects with the speech MLP in mode 2 (speech) and the vision MLP in mode 3 (vision + speech)', async () => {
      const features = randomFloats(250 * MEL, 2);
      const speechMode = (await run(features, 250, { mode: 2 })).data as Float32Array;
      const visionMode = (await run(features, 250, { mode: 3 })).data as Float32Array;
      expect(maxAbsDiff(speechMode, visionMode)).toBeGreaterThan(1e-2);
      expect(maxAbsDiff(speechMode, (await run(features, 250, { mode: 2 })).data as Float32Array)).toBe(0);
    });

    it('gives the real frames the same features when masked padding frames are appended', async () => {
      const valid = 250;
      const features = randomFloats(valid * MEL, 3);
      const exact = await run(features, valid);
      // 150 padding frames of non-zero values: the mask, not the values, must decide.
      const padded = new Float32Array((valid + 150) * MEL).fill(0.7);
      padded.set(features);
      const byMask = await run(padded, valid + 150, { valid });
      expect(byMask.dims).toEqual([32, H]);
      expect(maxAbsDiff(byMask.data as Float32Array, exact.data as Float32Array)).toBeLessThanOrEqual(1e-5);
      // Unmasked, the same padding is encoded: more tokens, and the real frames' features change (whole-clip attention).
      const unmasked = await run(padded, valid + 150);
      expect(unmasked.dims).toEqual([50, H]);
      expect(maxAbsDiff((unmasked.data as Float32Array).subarray(0, 32 * H), exact.data as Float32Array)).toBeGreaterThan(1e-3);
    });
  });

  describe('vision encoder', () => {
    let vision: ort.InferenceSession;
    const crop = 3 * 448 * 448;
    const run = async (pixels: Float32Array, crops: number, mask?: Float32Array): Promise<ort.Tensor> => {
      const out = await vision.run({
        pixel_values: f32(pixels, [crops, 3, 448, 448]),
        image_attention_mask: f32(mask ?? new Float32Array(crops * 32 * 32).fill(1), [crops, 32, 32]),
        image_sizes: i64([448, 896], [1, 2]),
      });
      return out['image_features'] as ort.Tensor;
    };
    beforeAll(async () => {
      vision = await openSession(dir, 'vision.onnx');
    });

    it('turns 2 crops of 448 x 448 into 2 x 256 = 512 rows', async () => {
      expect(vision.inputNames).toEqual(['pixel_values', 'image_attention_mask', 'image_sizes']);
      expect(PHI4MM_TOKENS_PER_CROP).toBe(256);
      const out = await run(randomFloats(2 * crop, 4), 2);
      expect(out.dims).toEqual([512, H]);
      expect((out.data as Float32Array).every(Number.isFinite)).toBe(true);
    });

    it('encodes each crop on its own: crop 0 is unchanged when crop 1 changes', async () => {
      const first = randomFloats(crop, 5);
      const pixels = (seed: number): Float32Array => {
        const all = new Float32Array(2 * crop);
        all.set(first);
        all.set(randomFloats(crop, seed), crop);
        return all;
      };
      const a = (await run(pixels(6), 2)).data as Float32Array;
      const b = (await run(pixels(7), 2)).data as Float32Array;
      expect(maxAbsDiff(a.subarray(0, 256 * H), b.subarray(0, 256 * H))).toBeLessThanOrEqual(1e-6);
      expect(maxAbsDiff(a.subarray(256 * H), b.subarray(256 * H))).toBeGreaterThan(1e-3);
    });

    it('masks attention to the patches image_attention_mask marks as padding', async () => {
      const pixels = randomFloats(crop, 8);
      const half = new Float32Array(32 * 32).map((_, i) => (i < 16 * 32 ? 1 : 0)); // bottom half is padding
      const full = (await run(pixels, 1)).data as Float32Array;
      const masked = (await run(pixels, 1, half)).data as Float32Array;
      expect(maxAbsDiff(full, masked)).toBeGreaterThan(1e-3);
    });
  });

  describe('embedding', () => {
    it('fills image (200010) and audio (200011) placeholders in order and keeps text rows', async () => {
      const embedding = await openSession(dir, 'embedding.onnx');
      expect(embedding.inputNames).toEqual(['input_ids', 'image_features', 'audio_features']);
      const ids = [200021, 200011, 200010, 200011, 200010, 200020];
      const image = Float32Array.from({ length: 2 * H }, (_, i) => 100 + Math.floor(i / H));
      const audio = Float32Array.from({ length: 2 * H }, (_, i) => 200 + Math.floor(i / H));
      const out = await embedding.run({ input_ids: i64(ids, [1, 6]), image_features: f32(image, [2, H]), audio_features: f32(audio, [2, H]) });
      const e = out['inputs_embeds'] as ort.Tensor;
      expect(e.dims).toEqual([1, 6, H]);
      const row = (i: number): number => (e.data as Float32Array)[i * H] ?? NaN;
      expect([1, 2, 3, 4].map(row)).toEqual([200, 100, 201, 101]);
      expect(Math.abs(row(0))).toBeLessThan(1);
    });
  });

  describe('decoder without position_ids', () => {
    const S = 12;
    const KV = 2;
    const HEAD = 32;
    let decoder: ort.InferenceSession;
    let embeds: Float32Array;
    beforeAll(async () => {
      decoder = await openSession(dir, 'decoder.onnx');
      embeds = randomFloats((S + 1) * H, 9);
    });

    type Cache = { key: ort.Tensor; value: ort.Tensor }[];
    /** Runs embeddings [from, to) on top of `past` (covering [0, from)). */
    const step = async (from: number, to: number, past: Cache | null): Promise<{ logits: Float32Array; cache: Cache }> => {
      const feeds: Record<string, ort.Tensor> = {
        inputs_embeds: f32(embeds.slice(from * H, to * H), [1, to - from, H]),
        attention_mask: i64(Array<number>(to).fill(1), [1, to]),
      };
      for (let l = 0; l < 2; l++) {
        feeds[`past_key_values.${l}.key`] = past?.[l]?.key ?? f32(new Float32Array(0), [1, KV, 0, HEAD]);
        feeds[`past_key_values.${l}.value`] = past?.[l]?.value ?? f32(new Float32Array(0), [1, KV, 0, HEAD]);
      }
      const out = await decoder.run(feeds);
      expect(out['logits']?.dims).toEqual([1, 1, 200064]);
      const cache = [0, 1].map((l) => ({ key: out[`present.${l}.key`] as ort.Tensor, value: out[`present.${l}.value`] as ort.Tensor }));
      expect(cache[0]?.key.dims).toEqual([1, KV, to, HEAD]);
      return { logits: out['logits']?.data as Float32Array, cache };
    };

    it('takes no position_ids input', () => {
      expect(decoder.inputNames).toEqual(['inputs_embeds', 'attention_mask', 'past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value']);
    });

    it('gives the same last logits for a prefill of S then one decode step as for a prefill of S + 1', async () => {
      const prefill = await step(0, S, null);
      const decoded = await step(S, S + 1, prefill.cache);
      const whole = await step(0, S + 1, null);
      expect(whole.logits.every(Number.isFinite)).toBe(true);
      expect(maxAbsDiff(decoded.logits, whole.logits)).toBeLessThanOrEqual(1e-4);
      // A prefill split in two chunks agrees as well (positions continue from the past length).
      const rest = await step(5, S + 1, (await step(0, 5, null)).cache);
      expect(maxAbsDiff(rest.logits, whole.logits)).toBeLessThanOrEqual(1e-4);
    });
  });
});
