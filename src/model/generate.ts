/**
 * Greedy generation over OmniModel's stage methods. Each stage runs inside the caller's
 * StageRunner (the profiler's spans): prompt, embed, prefill, first_token, then one decode
 * per later token. The encoders are not called here: their features arrive in the messages.
 */
import type { StageRunner } from '../stages.js';
import type { OmniModel } from './omni-model.js';
import type { DecoderState, GenerateOptions, GenerateResult, Message } from './types.js';

/** Index of the largest value (the first one on ties, as torch.argmax). */
export function argmax(values: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Default tokens to generate. */
export const DEFAULT_MAX_NEW_TOKENS = 16;

/** Runs greedy generation on `model` (see OmniModel.generate). */
export async function greedyGenerate(model: OmniModel, messages: readonly Message[], options: GenerateOptions & { stage: StageRunner }): Promise<GenerateResult> {
  const { stage } = options;
  const maxNewTokens = options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new RangeError(`maxNewTokens must be an integer >= 1, got ${maxNewTokens}`);
  const eos = new Set(options.eosTokenIds ?? model.eosTokenIds);
  const history: DecoderState | undefined = options.history;

  const prompt = await stage('prompt', () => model.buildPrompt(messages, history ? { history } : {}));
  const info = { prompt_tokens: prompt.counts.total, audio_tokens: prompt.counts.audio, video_tokens: prompt.counts.video, image_tokens: prompt.counts.image };
  const embeds = await stage('embed', () => model.embed(prompt.ids, prompt.imageFeatures, prompt.audioFeatures), info);
  const prefill = await stage('prefill', () => model.prefill(embeds, prompt.positionIds, history?.past), { ...info, past_tokens: history?.past.length ?? 0 });
  const first = await stage('first_token', () => {
    const id = argmax(prefill.logits);
    model.tokenizer.decode([id]); // the tokenizer step of a streaming client
    return id;
  });

  const ids = [first];
  let past = prefill.past;
  let position = prompt.nextPosition; // = cache length + rope delta
  // A decode step feeds the previous token into the cache: stop before the cache would pass
  // context_length (the model was never made for those positions), and say so.
  const full = (): boolean => past.length + 1 > model.contextLength;
  const stop = (): GenerateResult['stopReason'] | undefined =>
    eos.has(ids[ids.length - 1] as number) ? 'eos' : ids.length >= maxNewTokens ? 'max_new_tokens' : full() ? 'context_length' : undefined;
  let stopReason = stop();
  while (stopReason === undefined) {
    const last = ids[ids.length - 1] as number;
    const step = await stage('decode', async () => {
      const out = await model.decodeStep(last, past, position);
      return { out, id: argmax(out.logits) };
    });
    past = step.out.past;
    position += 1;
    ids.push(step.id);
    stopReason = stop();
  }

  const result: GenerateResult = {
    ids,
    text: model.tokenizer.decode(ids),
    firstTokenLogits: prefill.logits,
    promptTokens: prompt.counts,
    stopReason,
    pastTokens: history?.past.length ?? 0,
  };
  if (options.keepState) result.state = { past, nextPosition: position, pendingIds: [ids[ids.length - 1] as number] };
  return result;
}
