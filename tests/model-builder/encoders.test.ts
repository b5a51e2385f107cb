import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTiny, cleanup, f32, i64, maxAbsDiff, openSession, ort, randomFloats, tempDir } from './helpers.js';
import { audioTokensForFrames } from '../../src/model/builder/speech.js';
import { visionTokensForGrid } from '../../src/model/builder/vision.js';
import { audioTokens } from '../../src/model/flops.js';

const MEL = 128;
const H = 128; // tiny decoder hidden size

/** Mel [128, T] with the first `valid` columns from `source` ([128, valid]) and the rest `fill`. */
function padMel(source: Float32Array, valid: number, total: number, fill: number): Float32Array {
  const out = new Float32Array(MEL * total).fill(fill);
  for (let m = 0; m < MEL; m++) out.set(source.subarray(m * valid, (m + 1) * valid), m * total);
  return out;
}

describe('speech encoder', () => {
  let parent: string;
  let speech: ort.InferenceSession;
  const run = async (mel: Float32Array, frames: number, valid: number): Promise<ort.Tensor> => {
    const mask = Array.from({ length: frames }, (_, i) => (i < valid ? 1 : 0));
    const out = await speech.run({ input_features: f32(mel, [1, MEL, frames]), feature_attention_mask: i64(mask, [1, frames]) });
    return out['audio_features'] as ort.Tensor;
  };
  beforeAll(async () => {
    parent = tempDir();
    speech = await openSession(buildTiny(parent), 'speech.onnx');
  });
  afterAll(() => cleanup(parent));

  it('follows Qwen2.5-Omni\'s length formula: 10 s (1000 frames) -> 250 tokens', () => {
    expect(audioTokensForFrames(1000)).toBe(250);
    expect(audioTokensForFrames(3000)).toBe(750);
    expect(audioTokensForFrames(1)).toBe(0); // Python floor division: (1 - 2) // 2 + 1 = 0
    expect(audioTokensForFrames(3)).toBe(1);
    expect(audioTokensForFrames(201)).toBe(50); // conv: 101 frames; pool: 50
    expect(audioTokens(537)).toBe(audioTokensForFrames(537));
  });

  it.each([1000, 201, 537, 3])('emits exactly the formula\'s token count for %i frames', async (frames) => {
    const out = await run(randomFloats(MEL * frames, frames), frames, frames);
    expect(out.dims).toEqual([audioTokensForFrames(frames), H]);
  });

  it('gives the real frames the same features whether fed at true length or padded to 30 s with a mask', async () => {
    const valid = 537; // ends mid-window
    const mel = randomFloats(MEL * valid, 11);
    const exact = await run(mel, valid, valid);
    // Non-zero padding values: the mask, not the values, must decide.
    const padded = await run(padMel(mel, valid, 3000, 0.7), 3000, valid);
    expect(padded.dims).toEqual(exact.dims);
    expect(maxAbsDiff(padded.data as Float32Array, exact.data as Float32Array)).toBeLessThanOrEqual(1e-5);
    const values = exact.data as Float32Array;
    expect(values.every(Number.isFinite)).toBe(true);
  });

  it('encodes every frame when the mask covers the padding (pad-all): 30 s -> 750 tokens', async () => {
    const out = await run(padMel(randomFloats(MEL * 537, 11), 537, 3000, 0.7), 3000, 3000);
    expect(out.dims).toEqual([750, H]);
  });
});

describe('vision encoder', () => {
  let parent: string;
  let vision: ort.InferenceSession;
  beforeAll(async () => {
    parent = tempDir();
    vision = await openSession(buildTiny(parent), 'vision.onnx');
  });
  afterAll(() => cleanup(parent));

  it('turns a 392x280 frame pair (grid [1, 20, 28], 560 patches) into 140 tokens', async () => {
    const grid: [number, number, number] = [1, 280 / 14, 392 / 14];
    expect(visionTokensForGrid(grid)).toBe(140);
    const n = grid[0] * grid[1] * grid[2];
    const out = await vision.run({ pixel_values: f32(randomFloats(n * 1176, 3), [n, 1176]), image_grid_thw: i64(grid, [1, 3]) });
    expect(out['image_features']?.dims).toEqual([140, H]);
  });

  it('keeps attention inside a temporal group: group 0 is unchanged when group 1 changes', async () => {
    const per = 4 * 4;
    const first = randomFloats(per * 1176, 5);
    const pixels = (second: number): ort.Tensor => {
      const all = new Float32Array(2 * per * 1176);
      all.set(first);
      all.set(randomFloats(per * 1176, second), per * 1176);
      return f32(all, [2 * per, 1176]);
    };
    const a = await vision.run({ pixel_values: pixels(6), image_grid_thw: i64([2, 4, 4], [1, 3]) });
    const b = await vision.run({ pixel_values: pixels(7), image_grid_thw: i64([2, 4, 4], [1, 3]) });
    const fa = a['image_features']?.data as Float32Array;
    const fb = b['image_features']?.data as Float32Array;
    expect(a['image_features']?.dims).toEqual([8, H]);
    expect(maxAbsDiff(fa.subarray(0, 4 * H), fb.subarray(0, 4 * H))).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(fa.subarray(4 * H), fb.subarray(4 * H))).toBeGreaterThan(1e-3);
  });
});

describe('embedding', () => {
  let parent: string;
  let embedding: ort.InferenceSession;
  beforeAll(async () => {
    parent = tempDir();
    embedding = await openSession(buildTiny(parent), 'embedding.onnx');
  });
  afterAll(() => cleanup(parent));

  it('fills image/video and audio placeholders with the features in order and keeps text rows', async () => {
    const IMAGE = 151655;
    const VIDEO = 151656;
    const AUDIO = 151646;
    const ids = [9707, AUDIO, IMAGE, AUDIO, VIDEO, 11];
    const image = Float32Array.from({ length: 2 * H }, (_, i) => 100 + Math.floor(i / H)); // rows 100, 101
    const audio = Float32Array.from({ length: 2 * H }, (_, i) => 200 + Math.floor(i / H)); // rows 200, 201
    const out = await embedding.run({ input_ids: i64(ids, [1, 6]), image_features: f32(image, [2, H]), audio_features: f32(audio, [2, H]) });
    const e = out['inputs_embeds'] as ort.Tensor;
    expect(e.dims).toEqual([1, 6, H]);
    const row = (i: number): Float32Array => (e.data as Float32Array).subarray(i * H, (i + 1) * H);
    expect([1, 2, 3, 4].map((i) => row(i)[0])).toEqual([200, 100, 201, 101]);
    expect(Math.abs(row(0)[0] ?? 0)).toBeLessThan(1);
    // Text-only prompts work with empty feature tensors.
    const text = await embedding.run({ input_ids: i64([9707, 11], [1, 2]), image_features: f32(new Float32Array(0), [0, H]), audio_features: f32(new Float32Array(0), [0, H]) });
    expect(maxAbsDiff((text['inputs_embeds']?.data as Float32Array).subarray(0, H), row(0))).toBe(0);
  });
});
