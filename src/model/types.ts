/**
 * Public contract of the model runtime (src/model/). The implementation lives in
 * omni-model.ts; specs, runner and middleware depend only on these types.
 */
import type { StageRunner } from '../stages.js';

/** Log-mel features as src/media/ produces them: [melBins, frames] row-major. */
export interface MelFeatures {
  /** Row-major [melBins, frames] values. */
  data: Float32Array;
  /** Columns in `data` (may include padding). */
  frames: number;
  /** Leading columns that come from real audio; the rest is padding. */
  validFrames: number;
  /** Mel bins (rows); 128 for Qwen2.5-Omni. Default 128. */
  melBins?: number;
}

/** Patches for the vision encoder as src/media/patchify produces them. */
export interface VisionPatches {
  /** Row-major [patches, 1176] normalized values in Qwen's patch order. */
  pixelValues: Float32Array;
  /** [t, h, w] in 14-pixel patches: t temporal groups of h*w patches. */
  gridThw: [number, number, number];
  /** Seconds covered by one temporal group (temporal_patch_size / sampling fps); for TMRoPE. Default 1. */
  secondsPerGrid?: number;
}

/** Encoder output: features for the LLM, one row per placeholder token. */
export interface EncoderOutput {
  /** Row-major [tokens, hiddenSize]. */
  features: Float32Array;
  tokens: number;
  hiddenSize: number;
}

/** One part of a user message. */
export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'audio'; features: EncoderOutput }
  | { type: 'video'; features: EncoderOutput; gridThw: [number, number, number]; secondsPerGrid: number }
  | { type: 'image'; features: EncoderOutput; gridThw: [number, number, number] }
  /** Video with its own audio track interleaved in 2 s chunks (use_audio_in_video, TMRoPE). */
  | { type: 'video_with_audio'; video: EncoderOutput; gridThw: [number, number, number]; secondsPerGrid: number; audio: EncoderOutput };

/** One conversation turn. Assistant turns carry text only. */
export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string | ContentPart[];
}

/** Token counts of a built prompt, per modality. */
export interface TokenCounts {
  text: number;
  audio: number;
  video: number;
  image: number;
  total: number;
}

/** Options of a greedy generation. */
export interface GenerateOptions {
  /** Tokens to generate at most. Default 16. */
  maxNewTokens?: number;
  /** Token ids that stop generation. Default: the config's eos ids. */
  eosTokenIds?: number[];
  /** Wraps every stage (prompt, embed, prefill, first_token, decode); the profiler times through it. */
  stage?: StageRunner;
}

/** What a greedy generation returns. */
export interface GenerateResult {
  /** Generated token ids, eos included when it ended the generation. */
  ids: number[];
  /** Decoded text of `ids`, special tokens skipped. */
  text: string;
  /** Logits of the first generated token, for the middleware's answer-equivalence check. */
  firstTokenLogits: Float32Array;
  /** Prompt token counts. */
  promptTokens: TokenCounts;
  /** Why generation stopped. */
  stopReason: 'eos' | 'max_new_tokens';
}
