/**
 * The middleware contract (DESIGN.md section 8): a middleware wraps the stage functions a
 * request pipeline calls (the model's and the media's) and changes how they do their work,
 * never what they answer. The model never knows it is wrapped, and a middleware never times
 * anything: the runner's StageRunner times the wrapped calls as it times the plain ones.
 */
import type { MediaLike, ModelLike } from '../runner/types.js';

/**
 * How a request pipeline orders its two media branches (audio: decode, features, encoder;
 * vision: decode, preprocess, encoder): `serial`, one stage after the other as Qwen2.5-Omni's
 * reference code does; `parallel`, both branches at once; `streaming`, both at once with the
 * vision encoder started on each temporal group of frames while the video still decodes.
 */
export type Schedule = 'serial' | 'parallel' | 'streaming';

/** The stage functions one request pipeline calls, and how it may order them. */
export interface Stack {
  model: ModelLike;
  media: MediaLike;
  /** Set by the encode middleware; default `serial`. */
  schedule?: Schedule;
}

/**
 * What a middleware reports about the work it saved or kept, per trial or turn (the runner
 * reads stats() after each one and resets nothing itself). Every field becomes a records.csv
 * column of the same name in snake_case (docs/results-format.md); absent = not applicable.
 */
export interface MiddlewareStats {
  /** Encoder-cache lookups that found features (cache_hits) or had to compute them (cache_misses). */
  cacheHits?: number;
  cacheMisses?: number;
  /** Bytes held by the encoder cache after the turn, MB (10^6 bytes). */
  cacheMb?: number;
  /** Prompt tokens already in the KV cache (not prefilled again) and tokens prefilled this turn. */
  cachedTokens?: number;
  newTokens?: number;
  /** Bytes of the decoder's KV cache kept after the turn, MB. */
  kvCacheMb?: number;
  /** Mel frames the audio encoder actually ran on (the padding it was spared is not counted). */
  encoderFrames?: number;
}

/**
 * When state is dropped: `conversation` before each new conversation (a trial's first turn),
 * `run` before the recorded trials of a variant (so warmups never fill the caches they measure).
 */
export type ResetScope = 'conversation' | 'run';

/** One middleware. Register it in src/middleware/registry.ts with one line. */
export interface Middleware {
  readonly name: string;
  /** Returns the stack with this middleware's behaviour around the given one. */
  wrap(stack: Stack): Stack;
  reset(scope: ResetScope): void;
  /** What the middleware did since the last call (counters restart after each call). */
  stats(): MiddlewareStats;
  /** Frees what it holds (caches, KV tensors). */
  dispose(): void;
}
