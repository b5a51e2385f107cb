/**
 * Public contract of the model runtime (src/model/). The implementation lives in
 * omni-model.ts; specs, runner and middleware depend only on these types.
 */
import type { Tensor } from 'onnxruntime-node';
import type { StageRunner } from '../stages.js';
import type { SessionRunner } from './branch-worker.js';

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

/** Options of OmniModel.encodeAudio. */
export interface AudioEncodeOptions {
  /**
   * Run the encoder over the padded windows too (Whisper style, `pad-all`: the cost of encoding
   * the padding), returning only the real audio's tokens, which equal those of the unpadded input
   * (the padded tail of the last real window stays masked; attention never crosses a window).
   * Default false: windows of padding are dropped before the encoder.
   */
  encodePadding?: boolean;
  /**
   * Runs the speech session elsewhere (a worker thread: src/model/branch-worker.ts) instead of
   * on the calling thread. The features' buffer is lent to it and `mel.data` is replaced by a
   * view on the buffer handed back (same values). Default: the model's own session.
   */
  run?: SessionRunner;
}

/** Options of OmniModel.encodeVision. */
export interface VisionEncodeOptions {
  /** Runs the vision session elsewhere (a worker thread), as AudioEncodeOptions.run; `patches.pixelValues` is lent and handed back. */
  run?: SessionRunner;
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
  /** Audio encoder only: the mel frames it ran on (its windows of padding included under encodePadding). */
  encodedFrames?: number;
  /** True when a cache served these features: no encoder ran (0 GFLOP credited). */
  fromCache?: boolean;
}

/**
 * Token ids taken verbatim into the prompt (no tokenizer): an assistant turn's generated ids
 * (`GenerateResult.ids`, eos included when it ended the answer), so that a conversation rebuilt
 * from scratch re-prefills exactly the ids a KV cache holds (re-tokenizing the decoded text may
 * give other ids). A turn whose last part is a tokens part ending in `<|im_end|>` is not closed
 * by a second `<|im_end|>`, as the KV-cache history path does.
 */
export interface TokensPart {
  type: 'tokens';
  /** Token ids, each a non-negative integer below the vocabulary size. */
  ids: readonly number[];
}

/** One part of a message: media parts in user turns only; text and tokens in any turn. */
export type ContentPart =
  | { type: 'text'; text: string }
  | TokensPart
  | { type: 'audio'; features: EncoderOutput }
  | { type: 'video'; features: EncoderOutput; gridThw: [number, number, number]; secondsPerGrid: number }
  | { type: 'image'; features: EncoderOutput; gridThw: [number, number, number] }
  /** Video with its own audio track interleaved in 2 s chunks (use_audio_in_video, TMRoPE). */
  | { type: 'video_with_audio'; video: EncoderOutput; gridThw: [number, number, number]; secondsPerGrid: number; audio: EncoderOutput };

/**
 * One conversation turn. Assistant turns carry text, or (for exact history) the generated ids
 * as a `tokens` part: `{ role: 'assistant', content: [{ type: 'tokens', ids: result.ids }] }`.
 */
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
export interface GenerateOptions extends ConversationOptions {
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
  /** Why generation stopped: an eos id, maxNewTokens, or the model's context_length filled (nothing is truncated). */
  stopReason: 'eos' | 'max_new_tokens' | 'context_length';
  /** Tokens already in the KV cache the prefill attended to (a continued conversation); 0 otherwise. */
  pastTokens?: number;
  /** The decoder state after this turn, when `keepState` was set. */
  state?: DecoderState;
}

/** Options of `OmniModel.load`. */
export interface OmniModelLoadOptions {
  /** ONNX Runtime execution provider (`cpu`, `cuda`, `webgpu`, ...). Default `cpu`. */
  executionProvider?: string;
  /** Intra-op threads per session; undefined lets ONNX Runtime decide. */
  intraOpThreads?: number;
  /** Inter-op threads per session; undefined lets ONNX Runtime decide. */
  interOpThreads?: number;
  /** ONNX Runtime graph optimization level. Default `all`. */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * ONNX Runtime's CPU memory arena (`enableCpuMemArena`) for every session. Default true (ORT's
   * default). The arena keeps the high-water mark of every differently sized request, so process
   * RSS then carries earlier requests' memory; false gives per-request memory figures, at some speed.
   */
  memArena?: boolean;
  /**
   * Per-op profiling: each session writes `<prefix>_<component>_<timestamp>.json` when the
   * model is released. Off when absent.
   */
  profileFilePrefix?: string;
}

/** Options of `OmniModel.buildPrompt`. */
export interface PromptOptions {
  /** Add the default system prompt when the messages start without one. Default true (false when continuing). */
  defaultSystemPrompt?: boolean;
  /** End with `<|im_start|>assistant\n`. Default true. */
  addGenerationPrompt?: boolean;
  /** Continue a conversation whose earlier turns are already in a KV cache (see {@link DecoderState}). */
  history?: DecoderState;
}

/** A tokenized prompt with its TMRoPE positions, ready for embed and prefill. */
export interface BuiltPrompt {
  /** Token ids, placeholders expanded. */
  ids: number[];
  /** Row-major [3, S] TMRoPE positions (rows t, h, w). */
  positionIds: Int32Array;
  /** max position + 1 - (cached + S): a decode step's position is its cache index + ropeDelta. */
  ropeDelta: number;
  /** Position the token after this prompt gets (max position + 1). */
  nextPosition: number;
  counts: TokenCounts;
  /** Image and video features concatenated in prompt order, row-major [rows, hidden]. */
  imageFeatures: Float32Array;
  /** Audio features (audio parts and the audio of videos) concatenated in prompt order. */
  audioFeatures: Float32Array;
}

/** One layer's KV cache tensors, as the decoder returned them: f32 [1, kv_heads, length, head_size]. */
export interface KvLayer {
  key: Tensor;
  value: Tensor;
}

/** The decoder's KV cache after some tokens. */
export interface KvCache {
  /** Cached tokens. */
  length: number;
  layers: KvLayer[];
}

/** What one decoder run (prefill or decode step) returns. */
export interface DecoderOutput {
  /** Logits of the last position, [vocab]. */
  logits: Float32Array;
  /** The KV cache including this run's tokens. */
  past: KvCache;
}

/**
 * A conversation's decoder state between turns: its KV cache, the position the next token
 * gets, and generated ids not yet fed through the decoder (the last one).
 */
export interface DecoderState {
  past: KvCache;
  nextPosition: number;
  pendingIds: number[];
}

/** Extra options of a generation that continues a conversation (multi-turn with a KV cache). */
export interface ConversationOptions {
  /** The state a previous `generate(..., { keepState: true })` returned; `messages` then hold only the new turn(s). */
  history?: DecoderState;
  /** Return the decoder state in `GenerateResult.state`, to continue the conversation. Default false. */
  keepState?: boolean;
}
