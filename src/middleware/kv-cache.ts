/**
 * kv-cache: keeps the decoder's KV cache between the turns of a conversation, so that a turn
 * prefills only its new tokens on top of what earlier turns (their media, questions and
 * generated answers) left in the cache, and its media is neither decoded nor encoded again.
 *
 * Protocol with the pipeline (ModelLike.heldMessages): the pipeline keeps the whole
 * conversation (user turns, and after each turn an assistant message with the generated ids as
 * a `tokens` part) and passes generate() only the messages after the first heldMessages() ones.
 * After a turn given n new messages, the cache holds those n plus the turn's answer: held
 * grows by n + 1 (turn 1 with [user1] -> 2: [user1, assistant1]). The answer's last id is not yet
 * in the tensors (DecoderState.pendingIds); the next prompt feeds it first, with the same ids
 * and positions a full re-prefill of the conversation gives (tests/model-runtime/history.test.ts).
 */
import { ModelError } from '../errors.js';
import type { DecoderState, GenerateOptions, GenerateResult, Message } from '../model/types.js';
import type { ModelLike } from '../runner/types.js';
import type { Middleware, MiddlewareStats, Stack } from './types.js';
import { override, tensorBytes } from './wrap.js';

/** Bytes of a decoder state's KV tensors (keys and values of every layer). */
export function kvBytes(state: DecoderState): number {
  return state.past.layers.reduce((n, layer) => n + tensorBytes(layer.key) + tensorBytes(layer.value), 0);
}

/** The kv-cache middleware; one instance holds at most one conversation's state. */
export function createKvCache(): Middleware {
  let state: DecoderState | undefined;
  let held = 0;
  let cachedTokens = 0;
  let newTokens = 0;

  const drop = (): void => {
    state = undefined;
    held = 0;
  };

  const generate = (inner: ModelLike) =>
    async (messages: Message[], options: GenerateOptions): Promise<GenerateResult> => {
      if (options.history !== undefined) throw new TypeError('kv-cache: generate() was given a history; the kv-cache middleware keeps the conversation state itself');
      if (messages.length === 0) throw new TypeError(`kv-cache: generate() needs the new messages after the ${held} held ones, got none`);
      const history = state;
      // The model refuses a prompt that, with the cached tokens, passes its context_length, and
      // names both numbers (OmniModel.buildPrompt): no silent truncation. The state is kept as
      // it was, so the error is the turn's and later turns are the pipeline's to skip.
      const result = await inner.generate(messages, { ...options, keepState: true, ...(history ? { history } : {}) });
      if (!result.state) throw new ModelError('kv-cache: the model returned no decoder state for generate(..., { keepState: true })');
      state = result.state;
      held += messages.length + 1;
      cachedTokens += history?.past.length ?? 0;
      newTokens += result.promptTokens.total;
      if (options.keepState) return result;
      const { state: _kept, ...rest } = result;
      return rest;
    };

  return {
    name: 'kv-cache',
    wrap(stack: Stack): Stack {
      const model = override<ModelLike>(stack.model, { generate: generate(stack.model), heldMessages: () => held });
      return { ...stack, model };
    },
    reset() {
      // Both scopes: a KV cache belongs to one conversation.
      drop();
    },
    stats(): MiddlewareStats {
      const out: MiddlewareStats = { cachedTokens, newTokens, kvCacheMb: state ? kvBytes(state) / 1e6 : 0 };
      cachedTokens = 0;
      newTokens = 0;
      return out;
    },
    dispose() {
      drop();
    },
  };
}
