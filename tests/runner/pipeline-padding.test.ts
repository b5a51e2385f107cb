import { describe, it, expect } from 'vitest';
import { runSerialRequest, type AudioPadding } from '../../src/runner/pipeline.js';
import { runStage } from '../../src/stages.js';
import type { AudioEncodeOptions, MelFeatures } from '../../src/model/types.js';
import type { LoadedModel } from '../../src/runner/run.js';
import { doubleDeps } from './helpers/model-double.js';

/** What the audio encoder was asked to do for one request in each padding mode. */
async function encoderCall(padding: AudioPadding): Promise<{ frames: number; validFrames: number; encodePadding: boolean; workValid: number | null }> {
  const { deps } = doubleDeps();
  const loaded = (await deps.loadModel()) as LoadedModel;
  let seen: { mel: MelFeatures; options: AudioEncodeOptions | undefined } | undefined;
  const model = {
    ...loaded.model,
    encodeAudio: (mel: MelFeatures, options?: AudioEncodeOptions) => {
      seen = { mel, options };
      return loaded.model.encodeAudio(mel, options);
    },
  };
  const sample = { sampleId: 'a', dataset: 'audiocaps', prompt: 'a', audioPath: '/clip-4s.wav' };
  const out = await runSerialRequest(sample, { model, media: deps.media, stage: runStage }, { maxNewTokens: 1, audioPadding: padding });
  if (!seen) throw new Error('the audio encoder was not called');
  return { frames: seen.mel.frames, validFrames: seen.mel.validFrames, encodePadding: seen.options?.encodePadding === true, workValid: out.work.audioValidFrames };
}

describe('audio padding modes in the serial pipeline', () => {
  it('pad-all runs the encoder over all 3000 padded frames (and counts them as its work)', async () => {
    expect(await encoderCall('pad-all')).toEqual({ frames: 3000, validFrames: 400, encodePadding: true, workValid: 3000 });
  });

  it('pad-features strips the padding before the encoder, as the Qwen2.5-Omni processor mask does', async () => {
    expect(await encoderCall('pad-features')).toEqual({ frames: 400, validFrames: 400, encodePadding: false, workValid: 400 });
  });

  it('dynamic never makes padding', async () => {
    expect(await encoderCall('dynamic')).toEqual({ frames: 400, validFrames: 400, encodePadding: false, workValid: 400 });
  });
});
