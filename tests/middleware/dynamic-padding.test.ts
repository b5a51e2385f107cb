import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamicPadding } from '../../src/middleware/dynamic-padding.js';
import { stripMelPadding } from '../../src/runner/pipeline.js';
import type { Stack } from '../../src/middleware/types.js';
import { logMel } from '../../src/media/mel.js';
import type { EncoderOutput, MelFeatures } from '../../src/model/types.js';
import type { MediaLike } from '../../src/runner/types.js';
import { maxAbsDiff, noise, tinyModel } from './helpers.js';

let tiny: Awaited<ReturnType<typeof tinyModel>>;
beforeAll(async () => {
  tiny = await tinyModel();
});
afterAll(async () => {
  await tiny?.done();
});

/** src/media's log-mel behind MediaLike (no ffmpeg needed: samples are synthetic). */
const media: MediaLike = {
  decodeAudio: () => Promise.reject(new Error('not used')),
  logMel: (samples, options) => logMel(samples, { padding: options.padding, ...(options.chunkLengthS !== undefined ? { chunkLengthS: options.chunkLengthS } : {}) }),
  sampleFrames: () => Promise.reject(new Error('not used')),
  patchify: () => {
    throw new Error('not used');
  },
};

/** A tone with noise: `seconds` at 16 kHz. */
function clip(seconds: number): Float32Array {
  const n = Math.round(seconds * 16_000);
  const out = noise(n, 7, 0.05);
  for (let i = 0; i < n; i++) out[i] = (out[i] as number) + 0.4 * Math.sin((2 * Math.PI * 440 * i) / 16_000);
  return out;
}

/** The first `frames` columns of a [bins, F] mel. */
function firstFrames(mel: MelFeatures, frames: number): Float32Array {
  return stripMelPadding({ ...mel, validFrames: frames }).data;
}

/** The serial pipeline's audio path for one padding mode (pad-features strips, pad-all encodes the padding). */
async function pipelineAudio(stack: Stack, samples: Float32Array, mode: 'pad-all' | 'pad-features', chunkLengthS: number): Promise<{ mel: MelFeatures; encoded: EncoderOutput }> {
  const features = await stack.media.logMel(samples, { padding: 'max_length', chunkLengthS });
  const mel = mode === 'pad-features' ? stripMelPadding(features) : features;
  return { mel, encoded: await stack.model.encodeAudio(mel, { encodePadding: mode === 'pad-all' }) };
}

describe('dynamic-padding middleware', () => {
  it.each([
    ['5.37 s', 5.37],
    ['shorter than one hop (100 samples)', 100 / 16_000],
  ])('computes features for the real length only, equal to the first ceil(samples/160) frames of the padded ones (%s)', async (_, seconds) => {
    const samples = clip(seconds);
    const dp = createDynamicPadding();
    const stack = dp.wrap({ model: tiny.model, media });
    const padded = await media.logMel(samples, { padding: 'max_length', chunkLengthS: 30 });
    const dynamic = await stack.media.logMel(samples, { padding: 'max_length', chunkLengthS: 30 });
    const frames = Math.ceil(samples.length / 160);
    expect(padded.frames).toBe(3000);
    expect(dynamic.frames).toBe(frames);
    expect(dynamic.validFrames).toBe(frames);
    expect(maxAbsDiff(dynamic.data, firstFrames(padded, frames))).toBeLessThanOrEqual(1e-6);
  });

  it('cuts audio longer than the chunk as the processor does', async () => {
    const stack = createDynamicPadding().wrap({ model: tiny.model, media });
    const mel = await stack.media.logMel(clip(12), { padding: 'max_length', chunkLengthS: 10 });
    expect(mel.frames).toBe(1000);
    expect(mel.validFrames).toBe(1000);
  });

  it.each(['pad-features', 'pad-all'] as const)('gives the encoder outputs of pad-features when the pipeline asks for %s, running the encoder on the real frames only', async (mode) => {
    const samples = clip(5.37);
    const reference = await pipelineAudio({ model: tiny.model, media }, samples, 'pad-features', 30);
    const dp = createDynamicPadding();
    const stack = dp.wrap({ model: tiny.model, media });
    const { mel, encoded } = await pipelineAudio(stack, samples, mode, 30);
    expect(mel.frames).toBe(537);
    expect(encoded.tokens).toBe(reference.encoded.tokens);
    expect(maxAbsDiff(encoded.features, reference.encoded.features)).toBeLessThanOrEqual(1e-4);
    expect(dp.stats()).toEqual({ encoderFrames: 537 });
    expect(dp.stats()).toEqual({ encoderFrames: 0 });
  });

  it('cuts padded features handed to the encoder to their real frames, and counts only those', async () => {
    const dp = createDynamicPadding();
    const stack = dp.wrap({ model: tiny.model, media });
    const padded = await media.logMel(clip(2.5), { padding: 'max_length', chunkLengthS: 10 });
    const plain = await tiny.model.encodeAudio(padded);
    const wrapped = await stack.model.encodeAudio(padded, { encodePadding: true });
    expect(maxAbsDiff(wrapped.features, plain.features)).toBeLessThanOrEqual(1e-4);
    expect(dp.stats().encoderFrames).toBe(250);
  });
});
