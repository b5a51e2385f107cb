import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripMelPadding } from '../../src/runner/pipeline.js';
import { createEncoderCache } from '../../src/middleware/encoder-cache.js';
import { ByteLru } from '../../src/middleware/lru.js';
import type { Stack } from '../../src/middleware/types.js';
import type { EncoderOutput, MelFeatures } from '../../src/model/types.js';
import { countingMedia, countingModel, maxAbsDiff, tinyModel } from './helpers.js';

const VIDEO = resolve('fixtures/media/v04_320x240_h264_aac_2s.mp4');

let tiny: Awaited<ReturnType<typeof tinyModel>>;
beforeAll(async () => {
  tiny = await tinyModel();
});
afterAll(async () => {
  await tiny?.done();
});

interface Encoded {
  mel: MelFeatures;
  audio: EncoderOutput;
  vision: EncoderOutput;
}

/** The serial pipeline's media path for a video with sound: decode, features (pad-features), frames, patches, both encoders. */
async function encodeMedia(stack: Stack, path = VIDEO, window: { start?: number; end?: number } = {}): Promise<Encoded> {
  const decoded = await stack.media.decodeAudio(path, { ...(window.start !== undefined ? { start: window.start } : {}) });
  if (decoded.kind !== 'audio') throw new Error('no audio');
  const mel = await stack.media.logMel(decoded.samples, { padding: 'max_length', chunkLengthS: 30 });
  const video = await stack.media.sampleFrames(path, window);
  const patches = await stack.media.patchify(video);
  const audio = await stack.model.encodeAudio(stripMelPadding(mel));
  const vision = await stack.model.encodeVision(patches);
  return { mel, audio, vision };
}

function counting(): { stack: Stack; calls: () => Record<string, number> } {
  const media = countingMedia();
  const model = countingModel(tiny.model);
  return { stack: { media: media.media, model: model.model }, calls: () => ({ ...media.calls, ...model.calls }) };
}

const allOnce = { decodeAudio: 1, logMel: 1, sampleFrames: 1, patchify: 1, encodeAudio: 1, encodeVision: 1 };

describe('encoder-cache middleware', () => {
  it('serves a second request for the same media from the cache: every stage a hit, nothing decoded or encoded again, identical features', async () => {
    const plain = await encodeMedia({ media: countingMedia().media, model: tiny.model });
    const { stack, calls } = counting();
    const cache = createEncoderCache({ modelId: 'tiny-test', cacheMb: 64 });
    const wrapped = cache.wrap(stack);

    const first = await encodeMedia(wrapped);
    expect(calls()).toEqual(allOnce);
    const afterFirst = cache.stats();
    expect(afterFirst).toMatchObject({ cacheHits: 0, cacheMisses: 6 });
    expect(afterFirst.cacheMb).toBeGreaterThan(0);

    const second = await encodeMedia(wrapped);
    expect(calls()).toEqual(allOnce);
    expect(cache.stats()).toEqual({ cacheHits: 6, cacheMisses: 0, cacheMb: afterFirst.cacheMb });
    expect(second.audio.features).toBe(first.audio.features);
    expect(second.vision.features).toBe(first.vision.features);
    // What the cache holds is what the plain stages compute.
    expect(maxAbsDiff(first.audio.features, plain.audio.features)).toBe(0);
    expect(maxAbsDiff(first.vision.features, plain.vision.features)).toBe(0);
    expect(maxAbsDiff(first.mel.data, plain.mel.data)).toBe(0);
  });

  it('with cacheMb 0 stores nothing but counts every lookup as a miss', async () => {
    const { stack, calls } = counting();
    const cache = createEncoderCache({ modelId: 'tiny-test', cacheMb: 0 });
    const wrapped = cache.wrap(stack);
    await encodeMedia(wrapped);
    await encodeMedia(wrapped);
    expect(calls()).toEqual({ decodeAudio: 2, logMel: 2, sampleFrames: 2, patchify: 2, encodeAudio: 2, encodeVision: 2 });
    expect(cache.stats()).toEqual({ cacheHits: 0, cacheMisses: 12, cacheMb: 0 });
  });

  it('keys by content and parameters: a copy of the file under another name hits, another clip window misses', async () => {
    const copy = join(tiny.home, 'renamed.mp4');
    copyFileSync(VIDEO, copy);
    const { stack } = counting();
    const cache = createEncoderCache({ modelId: 'tiny-test' });
    const wrapped = cache.wrap(stack);
    await encodeMedia(wrapped);
    cache.stats();
    await encodeMedia(wrapped, copy);
    expect(cache.stats()).toMatchObject({ cacheHits: 6, cacheMisses: 0 });
    await encodeMedia(wrapped, VIDEO, { start: 0.5 });
    expect(cache.stats()).toMatchObject({ cacheHits: 0, cacheMisses: 6 });
    // The same samples with another padding are other features.
    const decoded = await wrapped.media.decodeAudio(VIDEO, {});
    if (decoded.kind !== 'audio') throw new Error('no audio');
    cache.stats();
    await wrapped.media.logMel(decoded.samples, { padding: 'dynamic', chunkLengthS: 30 });
    expect(cache.stats()).toMatchObject({ cacheHits: 0, cacheMisses: 1 });
  });

  it('keeps its entries within a conversation and starts every conversation (and run) cold', async () => {
    const { stack } = counting();
    const cache = createEncoderCache({ modelId: 'tiny-test' });
    const wrapped = cache.wrap(stack);
    await encodeMedia(wrapped);
    cache.stats();
    await encodeMedia(wrapped);
    expect(cache.stats()).toMatchObject({ cacheHits: 6, cacheMisses: 0 });
    for (const scope of ['conversation', 'run'] as const) {
      cache.reset(scope);
      expect(cache.stats().cacheMb).toBe(0);
      await encodeMedia(wrapped);
      expect(cache.stats()).toMatchObject({ cacheHits: 0, cacheMisses: 6 });
    }
  });

  it('reports a file it cannot read through the stage itself (no cache error in front of the media error)', async () => {
    const cache = createEncoderCache({ modelId: 'tiny-test' });
    const wrapped = cache.wrap(counting().stack);
    await expect(wrapped.media.decodeAudio(join(tiny.home, 'missing.wav'), {})).rejects.toThrow(/missing\.wav/);
    expect(cache.stats()).toMatchObject({ cacheHits: 0, cacheMisses: 1 });
  });

  it('refuses a negative budget and an empty model id', () => {
    expect(() => createEncoderCache({ modelId: 'm', cacheMb: -1 })).toThrow(RangeError);
    expect(() => createEncoderCache({ modelId: '' })).toThrow(/modelId/);
  });
});

describe('ByteLru', () => {
  it('evicts the least recently used entries to fit the budget', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 40);
    lru.set('b', 'B', 40);
    expect(lru.get('a')).toBe('A'); // a is now the most recently used
    lru.set('c', 'C', 40);
    expect(lru.keys()).toEqual(['a', 'c']);
    expect(lru.bytes).toBe(80);
    lru.set('d', 'D', 90);
    expect(lru.keys()).toEqual(['d']);
    expect(lru.bytes).toBe(90);
  });

  it('stores nothing larger than the budget, and nothing at all under a budget of 0', () => {
    const lru = new ByteLru<string>(10);
    lru.set('small', 's', 5);
    expect(lru.set('big', 'B', 11)).toBe(false);
    expect(lru.keys()).toEqual(['small']);
    const none = new ByteLru<string>(0);
    expect(none.set('empty', 'e', 0)).toBe(false);
    expect(none.size).toBe(0);
  });
});
