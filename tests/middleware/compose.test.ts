/**
 * The middleware composed as a multiturn spec runs them: a conversation about one fixture video
 * (its frames and its sound), each turn through a pipeline that decodes and encodes the media of
 * the messages the model does not hold. Every variant's first-token logits per turn equal the
 * plain baseline's (which re-decodes, re-encodes and re-prefills the whole conversation).
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripMelPadding } from '../../src/runner/pipeline.js';
import { collectStats, composeStack, createMiddleware, parseMiddlewareList, resetMiddleware } from '../../src/middleware/registry.js';
import type { MiddlewareStats, Stack } from '../../src/middleware/types.js';
import type { Message } from '../../src/model/types.js';
import { answerOf, countingMedia, maxAbsDiff, tinyModel } from './helpers.js';

const VIDEO = resolve('fixtures/media/v04_320x240_h264_aac_2s.mp4');
const QUESTIONS = ['What happens in the clip?', 'What is heard?', 'Describe the colours.'];

let tiny: Awaited<ReturnType<typeof tinyModel>>;
beforeAll(async () => {
  tiny = await tinyModel();
});
afterAll(async () => {
  await tiny?.done();
});

/** The user message of turn 0 with its media encoded through `stack` (pad-features, as the baseline pipeline). */
async function mediaTurn(stack: Stack): Promise<Message> {
  const decoded = await stack.media.decodeAudio(VIDEO, {});
  if (decoded.kind !== 'audio') throw new Error('no audio');
  const mel = stripMelPadding(await stack.media.logMel(decoded.samples, { padding: 'max_length', chunkLengthS: 300 }));
  const patches = await stack.media.patchify(await stack.media.sampleFrames(VIDEO, {}));
  const audio = await stack.model.encodeAudio(mel, { encodePadding: false });
  const video = await stack.model.encodeVision(patches);
  return {
    role: 'user',
    content: [
      { type: 'video_with_audio', video, gridThw: patches.gridThw, secondsPerGrid: patches.secondsPerGrid ?? 1, audio },
      { type: 'text', text: QUESTIONS[0] as string },
    ],
  };
}

/** One conversation: per turn, the messages the model does not hold are rebuilt (media encoded again) and passed. */
async function conversation(stack: Stack, after: () => MiddlewareStats = () => ({})): Promise<{ logits: Float32Array[]; stats: MiddlewareStats[] }> {
  const texts: Message[] = [];
  const logits: Float32Array[] = [];
  const stats: MiddlewareStats[] = [];
  for (let turn = 0; turn < QUESTIONS.length; turn++) {
    if (turn > 0) texts.push({ role: 'user', content: QUESTIONS[turn] as string });
    const held = stack.model.heldMessages?.() ?? 0;
    // Message 0 carries the media: encoded again unless the model holds it.
    const messages = held === 0 ? [await mediaTurn(stack), ...texts] : texts.slice(held - 1);
    const result = await stack.model.generate(messages, { maxNewTokens: 3 });
    texts.push(answerOf(result));
    logits.push(result.firstTokenLogits);
    stats.push(after());
  }
  return { logits, stats };
}

let baselineRun: ReturnType<typeof conversation> | undefined;

describe('middleware composed per variant', () => {
  it.each(['dynamic-padding', 'encoder-cache', 'kv-cache', 'dynamic-padding,encoder-cache', 'all'])(
    '%s: first-token logits of every turn within 1e-4 of the plain baseline',
    async (variant) => {
      baselineRun ??= conversation({ media: countingMedia().media, model: tiny.model });
      const baseline = await baselineRun;
      const middleware = createMiddleware(parseMiddlewareList(variant), { modelId: 'tiny-test', cacheMb: 256 });
      resetMiddleware(middleware, 'run');
      const stack = composeStack({ media: countingMedia().media, model: tiny.model }, middleware);
      const run = await conversation(stack, () => collectStats(middleware));
      for (let turn = 0; turn < QUESTIONS.length; turn++) {
        expect(maxAbsDiff(run.logits[turn] as Float32Array, baseline.logits[turn] as Float32Array)).toBeLessThanOrEqual(1e-4);
      }
      const names = parseMiddlewareList(variant);
      if (names.includes('kv-cache')) expect(run.stats.map((s) => s.cachedTokens === 0)).toEqual([true, false, false]);
      else if (names.includes('encoder-cache')) expect(run.stats.map((s) => s.cacheHits)).toEqual([0, 6, 6]);
      if (names.includes('dynamic-padding')) {
        const decoded = await countingMedia().media.decodeAudio(VIDEO, {});
        const realFrames = decoded.kind === 'audio' ? Math.ceil(decoded.samples.length / 160) : NaN;
        expect(run.stats[0]?.encoderFrames).toBe(realFrames); // not the 30,000 frames of the 300 s chunk
      }
    },
  );
});
