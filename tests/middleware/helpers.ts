import { copyFileSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureModel } from '../../src/model/builder/cache.js';
import { OmniModel } from '../../src/model/omni-model.js';
import type { Message } from '../../src/model/types.js';
import type { GenerateResult } from '../../src/model/types.js';
import { decodeAudioTrack } from '../../src/media/audio.js';
import { sampleFrames, type SampledFrames } from '../../src/media/frames.js';
import { logMel } from '../../src/media/mel.js';
import { patchify } from '../../src/media/patchify.js';
import type { MediaLike, ModelLike } from '../../src/runner/types.js';
import { cleanup, tempDir } from '../model-runtime/helpers.js';

export { cleanup, maxAbsDiff, mel, patches, noise, tempDir } from '../model-runtime/helpers.js';

/** The tiny preset built into a fresh OMNI_BENCH_HOME, loaded single-threaded; `done` releases and removes it. */
export async function tinyModel(): Promise<{ model: OmniModel; dir: string; home: string; done: () => Promise<void> }> {
  const home = tempDir('omni-bench-middleware-');
  process.env['OMNI_BENCH_HOME'] = home;
  const dir = await ensureModel('tiny');
  const model = await OmniModel.load(dir, { intraOpThreads: 1, interOpThreads: 1 });
  return {
    model,
    dir,
    home,
    done: async () => {
      await model.release();
      cleanup(home);
    },
  };
}

/** A copy of model folder `dir` in `into` whose genai_config.json has `contextLength` (ONNX files hard-linked). */
export function withContextLength(dir: string, into: string, contextLength: number): string {
  mkdirSync(into, { recursive: true });
  for (const file of readdirSync(dir)) {
    if (file === 'genai_config.json') {
      const config = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      config.model.context_length = contextLength;
      writeFileSync(join(into, file), JSON.stringify(config));
    } else if (file.endsWith('.onnx')) linkSync(join(dir, file), join(into, file));
    else copyFileSync(join(dir, file), join(into, file));
  }
  return into;
}

/** The assistant turn the pipeline appends after a turn: the generated ids, verbatim. */
export function answerOf(result: GenerateResult): Message {
  return { role: 'assistant', content: [{ type: 'tokens', ids: result.ids }] };
}

/** src/media behind the runner's MediaLike (as the CLI's adapter), with a count of calls per stage. */
export function countingMedia(): { media: MediaLike; calls: Record<Exclude<keyof MediaLike, 'branchWorkerSafe'>, number> } {
  const calls = { decodeAudio: 0, logMel: 0, sampleFrames: 0, patchify: 0 };
  const media: MediaLike = {
    async decodeAudio(path, window) {
      calls.decodeAudio++;
      const track = await decodeAudioTrack(path, window);
      return track.status === 'ok' ? { kind: 'audio', samples: track.samples } : { kind: 'no-audio' };
    },
    logMel(samples, options) {
      calls.logMel++;
      return logMel(samples, { padding: options.padding, ...(options.chunkLengthS !== undefined ? { chunkLengthS: options.chunkLengthS } : {}) });
    },
    async sampleFrames(path, window) {
      calls.sampleFrames++;
      const sampled = await sampleFrames(path, { ...(window.start !== undefined ? { start: window.start } : {}), ...(window.end !== undefined ? { end: window.end } : {}) });
      return { frames: sampled, count: sampled.frames.length, width: sampled.width, height: sampled.height, seconds: (sampled.endFrame - sampled.startFrame + 1) / sampled.videoFps };
    },
    patchify(video) {
      calls.patchify++;
      return patchify(video.frames as SampledFrames);
    },
  };
  return { media, calls };
}

/** A model whose encoder calls are counted (everything else forwarded). */
export function countingModel(model: ModelLike): { model: ModelLike; calls: { encodeAudio: number; encodeVision: number } } {
  const calls = { encodeAudio: 0, encodeVision: 0 };
  return {
    calls,
    model: {
      audioChunkSeconds: model.audioChunkSeconds ?? 300,
      encodeAudio: (mel, options) => {
        calls.encodeAudio++;
        return model.encodeAudio(mel, options);
      },
      encodeVision: (patches) => {
        calls.encodeVision++;
        return model.encodeVision(patches);
      },
      generate: (messages, options) => model.generate(messages, options),
    },
  };
}
