import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModel } from '../../src/model/builder/cache.js';
import { OmniModel } from '../../src/model/omni-model.js';
import { concatEncoderOutputs, createEncodeWorkers, defaultBranchThreads } from '../../src/middleware/encode-workers.js';
import { composeStack } from '../../src/middleware/registry.js';
import type { Middleware } from '../../src/middleware/types.js';
import type { MelFeatures } from '../../src/model/types.js';
import type { MediaLike, ModelLike } from '../../src/runner/types.js';
import { cleanup, maxAbsDiff, noise, tempDir } from '../model-runtime/helpers.js';

let home: string;
let model: OmniModel;
const made: Middleware[] = [];
const encode = (schedule: 'parallel' | 'streaming'): Middleware => {
  const m = createEncodeWorkers({ schedule, threads: { audio: 1, vision: 1 } });
  made.push(m);
  return m;
};
const noMedia = {} as MediaLike;

beforeAll(async () => {
  home = tempDir();
  process.env['OMNI_BENCH_HOME'] = home;
  model = await OmniModel.load(await ensureModel('tiny'), { intraOpThreads: 1 });
});
afterAll(async () => {
  for (const m of made) m.dispose();
  await model?.release();
  cleanup(home);
});

function melOf(frames: number, valid = frames, seed = 3): MelFeatures {
  return { data: noise(128 * frames, seed), frames, validFrames: valid };
}

describe('parallel-encode and streaming-encode', () => {
  it('gives both branches every core below 4 cores, and splits them from 4: a quarter to audio, the rest to vision', () => {
    expect(defaultBranchThreads(1)).toEqual({ audio: 1, vision: 1 });
    expect(defaultBranchThreads(2)).toEqual({ audio: 2, vision: 2 });
    expect(defaultBranchThreads(4)).toEqual({ audio: 1, vision: 3 });
    expect(defaultBranchThreads(8)).toEqual({ audio: 2, vision: 6 });
    expect(defaultBranchThreads(16)).toEqual({ audio: 4, vision: 12 });
  });

  it('encodes audio window by window with the tokens of one run, at every length around a window edge', async () => {
    const stack = composeStack({ model, media: noMedia }, [encode('streaming')]);
    expect(stack.schedule).toBe('streaming');
    for (const frames of [1, 2, 3, 4, 199, 200, 201, 202, 203, 204, 399, 400, 401, 402, 403, 650]) {
      const whole = await model.encodeAudio(melOf(frames));
      const windowed = await stack.model.encodeAudio(melOf(frames));
      expect({ frames, tokens: windowed.tokens }).toEqual({ frames, tokens: whole.tokens });
      expect(maxAbsDiff(windowed.features, whole.features)).toBeLessThanOrEqual(1e-5);
    }
    // Padded features (pad-features before stripping): only the real frames are windowed.
    const padded = await stack.model.encodeAudio(melOf(600, 410));
    const reference = await model.encodeAudio(melOf(600, 410));
    expect(padded.tokens).toBe(reference.tokens);
    expect(maxAbsDiff(padded.features, reference.features)).toBeLessThanOrEqual(1e-5);
  });

  it('runs the encoders of a model that cannot name its session files on the calling thread, still under its schedule', async () => {
    const calls: string[] = [];
    const double: ModelLike = {
      encodeAudio: async (mel, options) => (calls.push(`audio run=${options?.run !== undefined}`), { features: new Float32Array(mel.frames), tokens: mel.frames, hiddenSize: 1 }),
      encodeVision: async (_p, options) => (calls.push(`vision run=${options?.run !== undefined}`), { features: new Float32Array(2), tokens: 2, hiddenSize: 1 }),
      generate: async () => {
        throw new Error('unused');
      },
    };
    const stack = composeStack({ model: double, media: noMedia }, [encode('parallel')]);
    expect(stack.schedule).toBe('parallel');
    await stack.model.encodeAudio(melOf(10));
    await stack.model.encodeVision({ pixelValues: new Float32Array(0), gridThw: [1, 2, 2] });
    expect(calls).toEqual(['audio run=false', 'vision run=false']);
    expect(stack.media).toBe(noMedia); // a media double's functions never move to a worker
  });

  it('concatenates encoder outputs in order', () => {
    const out = concatEncoderOutputs([
      { features: Float32Array.of(1, 2, 3, 4), tokens: 2, hiddenSize: 2, encodedFrames: 200 },
      { features: Float32Array.of(5, 6), tokens: 1, hiddenSize: 2, encodedFrames: 7 },
    ]);
    expect([...out.features]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(out.tokens).toBe(3);
    expect(out.encodedFrames).toBe(207);
  });
});
