import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { buildPrompt, DEFAULT_SYSTEM_PROMPT, QWEN_OMNI_TOKEN_IDS as T, type PromptContext } from '../../src/model/prompt.js';
import { QWEN_ROPE_CONFIG } from '../../src/model/rope.js';
import type { EncoderOutput, Message } from '../../src/model/types.js';

/** One id per character (its code point): template structure is visible in the ids. */
const chars = (text: string): number[] => [...text].map((c) => c.codePointAt(0) as number);
const H = 4;
const ctx: PromptContext = { tokenizer: { encode: chars }, tokenIds: T, rope: QWEN_ROPE_CONFIG, hiddenSize: H };
const features = (tokens: number, fill = 1): EncoderOutput => ({ features: new Float32Array(tokens * H).fill(fill), tokens, hiddenSize: H });

describe('Qwen2.5-Omni chat template', () => {
  it('adds the default system prompt and the generation prompt', () => {
    const p = buildPrompt([{ role: 'user', content: 'hi' }], ctx);
    expect(p.ids).toEqual([
      T.imStart, ...chars(`system\n${DEFAULT_SYSTEM_PROMPT}`), T.imEnd, ...chars('\n'),
      T.imStart, ...chars('user\nhi'), T.imEnd, ...chars('\n'),
      T.imStart, ...chars('assistant\n'),
    ]);
    expect(p.counts).toEqual({ text: p.ids.length, audio: 0, video: 0, image: 0, total: p.ids.length });
    expect(p.ropeDelta).toBe(0);
  });

  it('builds the prompt of a 1 MB question (a million ids) without a spread overflowing the call stack', () => {
    const question = 'x'.repeat(1_000_000);
    const p = buildPrompt([{ role: 'user', content: question }], ctx);
    const short = buildPrompt([{ role: 'user', content: '' }], ctx);
    expect(p.ids.length).toBe(short.ids.length + 1_000_000);
    expect(p.positionIds.length).toBe(3 * p.ids.length);
  });

  it('keeps a given system message and earlier turns', () => {
    const messages: Message[] = [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c' },
    ];
    const p = buildPrompt(messages, ctx, { addGenerationPrompt: false });
    const turn = (role: string, text: string): number[] => [T.imStart, ...chars(`${role}\n${text}`), T.imEnd, ...chars('\n')];
    expect(p.ids).toEqual([...turn('system', 'S'), ...turn('user', 'a'), ...turn('assistant', 'b'), ...turn('user', 'c')]);
  });

  it('expands audio, image and video placeholders to the encoders\' row counts', () => {
    const p = buildPrompt(
      [
        {
          role: 'user',
          content: [
            { type: 'audio', features: features(3) },
            { type: 'image', features: features(4), gridThw: [1, 4, 4] },
            { type: 'video', features: features(2), gridThw: [2, 2, 2], secondsPerGrid: 1 },
            { type: 'text', text: 'q' },
          ],
        },
      ],
      ctx,
      { defaultSystemPrompt: false },
    );
    const start = [T.imStart, ...chars('user\n')];
    expect(p.ids.slice(0, start.length + 16)).toEqual([
      ...start,
      T.audioStart, T.audio, T.audio, T.audio, T.audioEnd,
      T.visionStart, T.image, T.image, T.image, T.image, T.visionEnd,
      T.visionStart, T.video, T.video, T.visionEnd,
      ...chars('q'),
    ]);
    expect(p.counts).toMatchObject({ audio: 3, image: 4, video: 2, total: p.ids.length });
    expect(p.counts.text + p.counts.audio + p.counts.image + p.counts.video).toBe(p.counts.total);
    expect(p.ids.filter((id) => id === T.audio)).toHaveLength(p.audioFeatures.length / H);
    expect(p.ids.filter((id) => id === T.image || id === T.video)).toHaveLength(p.imageFeatures.length / H);
  });

  it('interleaves a video with its audio per 2 s chunk (use_audio_in_video)', () => {
    const p = buildPrompt(
      [{ role: 'user', content: [{ type: 'video_with_audio', video: features(4), gridThw: [4, 2, 2], secondsPerGrid: 1, audio: features(60) }] }],
      ctx,
      { defaultSystemPrompt: false, addGenerationPrompt: false },
    );
    const body = p.ids.slice(chars('user\n').length + 1, -2);
    const run = (id: number, n: number): number[] => new Array<number>(n).fill(id);
    expect(body).toEqual([T.visionStart, T.audioStart, ...run(T.video, 2), ...run(T.audio, 50), ...run(T.video, 2), ...run(T.audio, 10), T.audioEnd, T.visionEnd]);
    expect(p.counts).toMatchObject({ video: 4, audio: 60 });
  });

  it('rejects features whose row count does not match the grid', () => {
    expect(() =>
      buildPrompt([{ role: 'user', content: [{ type: 'image', features: features(3), gridThw: [1, 4, 4] }] }], ctx),
    ).toThrow(/messages\[0\]\.content\[0\] \(image\): image features has 3 rows but the prompt needs 4/);
    expect(() => buildPrompt([{ role: 'user', content: [{ type: 'audio', features: { features: new Float32Array(6), tokens: 2, hiddenSize: 3 } }] }], ctx)).toThrow(ModelError);
  });

  it('continues a cached conversation: closes the answer, no system prompt, positions from the next position', () => {
    const history = { past: { length: 30, layers: [] }, nextPosition: 100, pendingIds: [7] };
    const p = buildPrompt([{ role: 'user', content: 'x' }], ctx, { history });
    expect(p.ids).toEqual([7, T.imEnd, ...chars('\n'), T.imStart, ...chars('user\nx'), T.imEnd, ...chars('\n'), T.imStart, ...chars('assistant\n')]);
    expect(p.positionIds[0]).toBe(100);
    expect(p.nextPosition).toBe(100 + p.ids.length);
    expect(p.ropeDelta).toBe(p.nextPosition - (30 + p.ids.length));
  });
});
