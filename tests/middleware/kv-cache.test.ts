import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { createKvCache } from '../../src/middleware/kv-cache.js';
import type { Stack } from '../../src/middleware/types.js';
import { OmniModel } from '../../src/model/omni-model.js';
import type { EncoderOutput, GenerateResult, Message } from '../../src/model/types.js';
import type { MediaLike } from '../../src/runner/types.js';
import { answerOf, maxAbsDiff, mel, patches, tinyModel, withContextLength } from './helpers.js';

let tiny: Awaited<ReturnType<typeof tinyModel>>;
let audio: EncoderOutput;
let video: EncoderOutput;
const grid: [number, number, number] = [2, 20, 28];
const questions = ['What happens in the clip?', 'And what is heard?', 'Who speaks last?'];

/** Media are never called by kv-cache: a stack's media that fails loudly if it is. */
const noMedia: MediaLike = {
  decodeAudio: () => Promise.reject(new Error('not used')),
  logMel: () => {
    throw new Error('not used');
  },
  sampleFrames: () => Promise.reject(new Error('not used')),
  patchify: () => {
    throw new Error('not used');
  },
};

beforeAll(async () => {
  tiny = await tinyModel();
  audio = await tiny.model.encodeAudio(mel(4));
  video = await tiny.model.encodeVision(patches(grid));
});
afterAll(async () => {
  await tiny?.done();
});

const user = (turn: number): Message =>
  turn === 0
    ? { role: 'user', content: [{ type: 'video_with_audio', video, gridThw: grid, secondsPerGrid: 1, audio }, { type: 'text', text: questions[0] as string }] }
    : { role: 'user', content: questions[turn] as string };

/** What the pipeline does per turn: append the question, pass what the model does not hold, append the answer ids. */
async function converse(stack: Stack, turns: number, onTurn: (turn: number, result: GenerateResult, sent: number) => void): Promise<Message[]> {
  const conversation: Message[] = [];
  for (let turn = 0; turn < turns; turn++) {
    conversation.push(user(turn));
    const held = stack.model.heldMessages?.() ?? 0;
    const result = await stack.model.generate(conversation.slice(held), { maxNewTokens: 3 });
    onTurn(turn, result, conversation.length - held);
    conversation.push(answerOf(result));
  }
  return conversation;
}

describe('kv-cache middleware', () => {
  it('gives turns 2 and 3 the first-token logits of re-prefilling the whole conversation, prefilling only the new tokens', async () => {
    const baseline: GenerateResult[] = [];
    await converse({ model: tiny.model, media: noMedia }, 3, (_, r) => baseline.push(r));

    const kv = createKvCache();
    const stack = kv.wrap({ model: tiny.model, media: noMedia });
    const cached: GenerateResult[] = [];
    const sent: number[] = [];
    const stats: ReturnType<typeof kv.stats>[] = [];
    const heldAfter: number[] = [];
    await converse(stack, 3, (_, r, n) => {
      cached.push(r);
      sent.push(n);
      stats.push(kv.stats());
      heldAfter.push(stack.model.heldMessages?.() ?? -1);
    });

    expect(sent).toEqual([1, 1, 1]);
    expect(heldAfter).toEqual([2, 4, 6]);
    for (let turn = 0; turn < 3; turn++) {
      expect(maxAbsDiff((cached[turn] as GenerateResult).firstTokenLogits, (baseline[turn] as GenerateResult).firstTokenLogits)).toBeLessThanOrEqual(1e-4);
      expect(cached[turn]?.ids).toEqual(baseline[turn]?.ids);
      // Cached + new tokens are exactly the tokens the baseline prefilled.
      expect((stats[turn]?.cachedTokens ?? 0) + (stats[turn]?.newTokens ?? 0)).toBe(baseline[turn]?.promptTokens.total);
    }
    expect(stats[0]?.cachedTokens).toBe(0);
    expect(stats[1]?.cachedTokens).toBeGreaterThan(stats[1]?.newTokens ?? Infinity);
    expect(cached[1]?.promptTokens.audio).toBe(0); // the media are in the cache, not in the prompt
  });

  it('reports the KV bytes it keeps: layers x (key + value) x kv_heads x tokens x head_size x 4 bytes', async () => {
    const kv = createKvCache();
    const stack = kv.wrap({ model: tiny.model, media: noMedia });
    const r = await stack.model.generate([user(1)], { maxNewTokens: 2, eosTokenIds: [] });
    const d = tiny.model.config.model.decoder;
    const tokens = r.promptTokens.total + 1; // the last generated id is pending, not in the tensors
    expect(kv.stats().kvCacheMb).toBeCloseTo((d.num_hidden_layers * 2 * d.num_key_value_heads * tokens * d.head_size * 4) / 1e6, 9);
    expect(r.state).toBeUndefined(); // not asked for by the caller
    expect(kv.stats()).toEqual({ cachedTokens: 0, newTokens: 0, kvCacheMb: expect.any(Number) });
  });

  it('drops the conversation on reset: the next turn starts from an empty cache', async () => {
    const kv = createKvCache();
    const stack = kv.wrap({ model: tiny.model, media: noMedia });
    const first = await stack.model.generate([user(1)], { maxNewTokens: 2 });
    await stack.model.generate([user(2)], { maxNewTokens: 2 });
    kv.reset('conversation');
    expect(stack.model.heldMessages?.()).toBe(0);
    kv.stats();
    const again = await stack.model.generate([user(1)], { maxNewTokens: 2 });
    expect(kv.stats()).toMatchObject({ cachedTokens: 0, newTokens: first.promptTokens.total });
    expect(maxAbsDiff(again.firstTokenLogits, first.firstTokenLogits)).toBe(0);
    kv.dispose();
    expect(kv.stats().kvCacheMb).toBe(0);
  });

  it('refuses a turn that would pass context_length, naming the cached tokens and the limit, and so does the baseline at the same turn', async () => {
    const turn1 = tiny.model.buildPrompt([user(1)]).ids.length;
    const limit = turn1 + 8;
    const small = await OmniModel.load(withContextLength(tiny.dir, join(tiny.home, 'small-context'), limit), { intraOpThreads: 1 });
    try {
      const kv = createKvCache();
      const stack = kv.wrap({ model: small, media: noMedia });
      const r1 = await stack.model.generate([user(1)], { maxNewTokens: 2, eosTokenIds: [] });
      const error = await stack.model.generate([user(2)], { maxNewTokens: 1 }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ModelError);
      expect((error as Error).message).toMatch(new RegExp(`^prompt is \\d+ tokens on top of ${turn1 + 1} cached \\(\\d+ in all\\); the model's context_length is ${limit} `));
      expect(stack.model.heldMessages?.()).toBe(2); // the failed turn added nothing
      await expect(small.generate([user(1), answerOf(r1), user(2)], { maxNewTokens: 1 })).rejects.toThrow(new RegExp(`context_length is ${limit} `));
    } finally {
      await small.release();
    }
  });

  it('refuses a caller-given history and an empty turn (misuse: TypeError)', async () => {
    const kv = createKvCache();
    const stack = kv.wrap({ model: tiny.model, media: noMedia });
    await expect(stack.model.generate([], { maxNewTokens: 1 })).rejects.toThrow(TypeError);
    const r = await tiny.model.generate([user(1)], { maxNewTokens: 1, keepState: true });
    if (!r.state) throw new Error('no state');
    await expect(stack.model.generate([user(2)], { maxNewTokens: 1, history: r.state })).rejects.toThrow(/keeps the conversation state itself/);
  });

  it('forwards what it does not wrap: the encoders and the audio chunk of the model', async () => {
    const stack = createKvCache().wrap({ model: tiny.model, media: noMedia });
    expect(stack.model.audioChunkSeconds).toBe(300);
    const direct = await tiny.model.encodeAudio(mel(1));
    expect(maxAbsDiff((await stack.model.encodeAudio(mel(1))).features, direct.features)).toBe(0);
  });
});
