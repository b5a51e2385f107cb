/**
 * Exact history: a conversation rebuilt from scratch with the assistant's generated ids (a
 * `tokens` part) gives the same ids, TMRoPE positions and first-token logits as the KV-cache
 * path (turn 1's prompt + its answer + what `history` appends for turn 2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModel } from '../../src/model/builder/cache.js';
import { OmniModel } from '../../src/model/omni-model.js';
import type { BuiltPrompt, DecoderState, EncoderOutput, Message } from '../../src/model/types.js';
import { cleanup, maxAbsDiff, mel, patches, tempDir } from './helpers.js';

let home: string;
let model: OmniModel;
let audio: EncoderOutput;
let video: EncoderOutput;
const grid: [number, number, number] = [2, 20, 28];

beforeAll(async () => {
  home = tempDir();
  process.env['OMNI_BENCH_HOME'] = home;
  model = await OmniModel.load(await ensureModel('tiny'), { intraOpThreads: 1, interOpThreads: 1 });
  audio = await model.encodeAudio(mel(4));
  video = await model.encodeVision(patches(grid));
});
afterAll(async () => {
  await model?.release();
  cleanup(home);
});

const IM_END = 151645;
const ENDOFTEXT = 151643;

const user1 = (): Message => ({
  role: 'user',
  content: [
    { type: 'video_with_audio', video, gridThw: grid, secondsPerGrid: 1, audio },
    { type: 'text', text: 'What happens in the clip?' },
  ],
});
const user2: Message = { role: 'user', content: 'And what is heard after that?' };
const assistant = (ids: number[]): Message => ({ role: 'assistant', content: [{ type: 'tokens', ids }] });

/** Row r of row-major [3, S] positions. */
function row(p: BuiltPrompt, r: number): number[] {
  const S = p.ids.length;
  return Array.from(p.positionIds.subarray(r * S, (r + 1) * S));
}

/**
 * What the KV cache holds plus what the history path appends: turn 1's prompt, the answer's
 * ids but the last (pending, fed with turn 2's prompt), then turn 2's prompt.
 */
function historyPath(p1: BuiltPrompt, answer: number[], p2: BuiltPrompt): { ids: number[]; rows: number[][] } {
  const fed = answer.slice(0, -1);
  const ids = [...p1.ids, ...fed, ...p2.ids];
  const rows = [0, 1, 2].map((r) => [...row(p1, r), ...fed.map((_, i) => p1.nextPosition + i), ...row(p2, r)]);
  return { ids, rows };
}

/** A decoder state as generate(keepState) leaves it after `answer`, without running the decoder (buildPrompt reads lengths only). */
function stateAfter(p1: BuiltPrompt, answer: number[]): DecoderState {
  return { past: { length: p1.ids.length + answer.length - 1, layers: [] }, nextPosition: p1.nextPosition + answer.length - 1, pendingIds: answer.slice(-1) };
}

describe('exact history: an assistant turn given as its generated token ids', () => {
  it.each([
    ['cut by max_new_tokens', [9707, 11, 1879]],
    ['ended by <|im_end|> (no second <|im_end|>)', [9707, 11, IM_END]],
    ['ended by <|endoftext|> (closed by <|im_end|>)', [9707, ENDOFTEXT]],
    ['a single eos token', [IM_END]],
  ])('rebuilds the ids and TMRoPE positions of the KV-cache path, answer %s', (_, answer) => {
    const p1 = model.buildPrompt([user1()]);
    const p2 = model.buildPrompt([user2], { history: stateAfter(p1, answer) });
    const full = model.buildPrompt([user1(), assistant(answer), user2]);
    const expected = historyPath(p1, answer, p2);
    expect(full.ids).toEqual(expected.ids);
    for (const r of [0, 1, 2]) expect(row(full, r)).toEqual(expected.rows[r]);
    expect(full.nextPosition).toBe(p2.nextPosition);
    expect(full.ropeDelta).toBe(p2.ropeDelta);
    expect(full.counts.audio).toBe(p1.counts.audio);
    expect(full.counts.video).toBe(p1.counts.video);
  });

  it('puts the ids in verbatim: a tokens part differs from re-tokenizing the same text when the ids are not the canonical ones', () => {
    const text = model.buildPrompt([user1(), { role: 'assistant', content: 'Hello' }, user2]);
    const split = model.tokenizer.encode('Hel').concat(model.tokenizer.encode('lo'));
    const tokens = model.buildPrompt([user1(), assistant(split), user2]);
    expect(model.tokenizer.decode(split)).toBe('Hello');
    expect(split).not.toEqual(model.tokenizer.encode('Hello'));
    expect(tokens.ids.length).toBe(text.ids.length + split.length - model.tokenizer.encode('Hello').length);
    expect(tokens.ids.join(',')).toContain(split.join(','));
  });

  it('refuses media in an assistant turn and ids that are not non-negative integers', () => {
    expect(() => model.buildPrompt([user1(), { role: 'assistant', content: [{ type: 'audio', features: audio }] }])).toThrow(/assistant turns carry text and tokens only/);
    expect(() => model.buildPrompt([user1(), assistant([1, -2])])).toThrow(/messages\[1\]\.content\[0\] \(tokens\): token ids must be non-negative integers, got -2/);
  });

  it.each([
    ['max_new_tokens', [] as number[]],
    ['eos', undefined],
  ])('gives turn 2 the same first-token logits from the whole conversation as from the KV cache (turn 1 stopped by %s)', async (stop, eosIds) => {
    let eos = eosIds;
    if (stop === 'eos') {
      // The model's own second token as eos: generation then really stops on eos after 2 tokens.
      const free = await model.generate([user1()], { maxNewTokens: 2, eosTokenIds: [] });
      eos = [free.ids[1] as number];
    }
    const r1 = await model.generate([user1()], { maxNewTokens: 4, eosTokenIds: eos ?? [], keepState: true });
    expect(r1.stopReason).toBe(stop);
    const state = r1.state;
    if (!state) throw new Error('no state');
    const cached = await model.generate([user2], { maxNewTokens: 1, history: state });
    const whole = await model.generate([user1(), assistant(r1.ids), user2], { maxNewTokens: 1 });

    const p1 = model.buildPrompt([user1()]);
    const p2 = model.buildPrompt([user2], { history: state });
    const full = model.buildPrompt([user1(), assistant(r1.ids), user2]);
    expect(full.ids).toEqual(historyPath(p1, r1.ids, p2).ids);
    expect(state.past.length + p2.ids.length).toBe(full.ids.length);
    expect(maxAbsDiff(cached.firstTokenLogits, whole.firstTokenLogits)).toBeLessThanOrEqual(1e-4);
    expect(cached.ids).toEqual(whole.ids);
  });
});
