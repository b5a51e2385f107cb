/**
 * Floating-point operation counts per component for one request, from the dims in
 * genai_config.json (so a real export whose config carries these dims is counted the same).
 *
 * Counted: every MatMul / Linear / Conv as 2*M*N*K (one multiply + one add per MAC), and
 * attention's two products (Q K^T and P V) as 2*L_q*L_k*head_size each per head. Decoder
 * attention is counted causally (query i sees past + i + 1 keys), i.e. the useful work.
 * Not counted: norms, activations, softmax, RoPE, residual adds, gathers (all O(tokens * width),
 * a few percent at most). The embedding component is a gather: 0 FLOPs.
 */
import type { GenaiConfig } from './genai-config.js';

/** A request as the encoders and decoder see it. */
export interface FlopsRequest {
  /** Valid log-mel frames of the audio (100 per second); 0 for no audio. */
  audioMelFrames: number;
  /** Mel frames the audio encoder actually runs on (pad-all mode runs on the padding too). Default: audioMelFrames. */
  audioEncodedFrames?: number;
  /** Vision grid [t, h, w] in 14-pixel patches; t temporal groups of h*w patches. */
  visionGrid: [number, number, number] | null;
  /** Prompt tokens fed to the decoder in this prefill (text + audio + vision placeholders). */
  promptTokens: number;
  /** Tokens already in the KV cache before the prefill. */
  pastTokens: number;
}

/** FLOPs per component, plus the total; null where the config lacks the dims to count them. */
export interface ComponentFlops {
  speech: number | null;
  vision: number | null;
  embedding: number;
  /** The prefill of `promptTokens` on top of `pastTokens` (logits for the last position only). */
  decoder: number | null;
  total: number | null;
}

/** Audio tokens for `melFrames` valid frames (Qwen2.5-Omni _get_feat_extract_output_lengths). */
export function audioTokens(melFrames: number): number {
  if (melFrames <= 0) return 0;
  const afterConv = Math.floor((melFrames - 1) / 2) + 1;
  return Math.floor((afterConv - 2) / 2) + 1;
}

/** Vision tokens for a grid [t, h, w]: t * h * w / merge^2. */
export function visionTokens(grid: readonly [number, number, number], mergeSize = 2): number {
  return (grid[0] * grid[1] * grid[2]) / (mergeSize * mergeSize);
}

/**
 * Speech encoder FLOPs for `encodedFrames` mel frames. Qwen2.5-Omni: windows of 2*n_window,
 * padded up, attention inside a window. Phi-4-multimodal (n_window null): frames / compression
 * rate positions attending over the whole clip (its conv subsampling is not counted). Null when
 * the config lacks the tower's dims (a real export without config.json): not a guess.
 */
export function speechFlops(config: GenaiConfig, encodedFrames: number, validFrames = encodedFrames): number | null {
  if (encodedFrames <= 0) return 0;
  const s = config.model.speech;
  if (!s || s.d_model === null || s.encoder_layers === null || s.encoder_ffn_dim === null) return null;
  const d = s.d_model;
  if (s.n_window === null) {
    const n = Math.ceil(encodedFrames / (s.compression_rate ?? 8));
    const perLayer = 4 * 2 * n * d * d + 2 * 2 * n * n * d + 2 * 2 * n * d * s.encoder_ffn_dim;
    return s.encoder_layers * perLayer + 2 * Math.ceil(validFrames / (s.compression_rate ?? 8)) * d * s.output_dim;
  }
  const window = 2 * s.n_window;
  const windows = Math.ceil(encodedFrames / window);
  const inFrames = windows * window;
  const frames = windows * s.n_window; // after conv2 (stride 2)
  const conv = 2 * inFrames * d * s.num_mel_bins * 3 + 2 * frames * d * d * 3;
  const perLayer = 4 * 2 * frames * d * d + 2 * 2 * windows * s.n_window * s.n_window * d + 2 * 2 * frames * d * s.encoder_ffn_dim;
  return conv + s.encoder_layers * perLayer + 2 * audioTokens(validFrames) * d * s.output_dim;
}

/** Vision encoder FLOPs for a grid [t, h, w] (attention over each temporal group, SwiGLU MLP). */
export function visionFlops(config: GenaiConfig, grid: readonly [number, number, number]): number | null {
  const v = config.model.vision;
  if (!v || v.hidden_size === null || v.num_hidden_layers === null || v.intermediate_size === null) return null;
  const [t, h, w] = grid;
  const perGroup = h * w;
  const n = t * perGroup;
  const d = v.hidden_size;
  const patchDim = 3 * v.temporal_patch_size * v.patch_size * v.patch_size;
  const merged = d * v.spatial_merge_size * v.spatial_merge_size;
  const tokens = n / (v.spatial_merge_size * v.spatial_merge_size);
  const perLayer = 4 * 2 * n * d * d + 2 * 2 * t * perGroup * perGroup * d + 3 * 2 * n * d * v.intermediate_size;
  return 2 * n * patchDim * d + v.num_hidden_layers * perLayer + 2 * tokens * merged * merged + 2 * tokens * merged * v.out_hidden_size;
}

/** Decoder FLOPs for a prefill of `tokens` on top of `past` cached tokens (one decode step: tokens = 1); null without the MLP width. */
export function decoderFlops(config: GenaiConfig, tokens: number, past: number): number | null {
  const m = config.model.decoder;
  if (m.intermediate_size === null) return null;
  const H = m.hidden_size;
  const q = m.num_attention_heads * m.head_size;
  const kv = m.num_key_value_heads * m.head_size;
  const projections = 2 * tokens * H * (2 * q + 2 * kv);
  const keysSeen = tokens * past + (tokens * (tokens + 1)) / 2; // causal
  const attention = 2 * 2 * m.num_attention_heads * m.head_size * keysSeen;
  const mlp = 3 * 2 * tokens * H * m.intermediate_size;
  const lmHead = tokens > 0 ? 2 * H * config.model.vocab_size : 0; // last position only
  return m.num_hidden_layers * (projections + attention + mlp) + lmHead;
}

/** FLOPs of every component for `request`. */
export function requestFlops(config: GenaiConfig, request: FlopsRequest): ComponentFlops {
  const speech = config.model.speech ? speechFlops(config, request.audioEncodedFrames ?? request.audioMelFrames, request.audioMelFrames) : 0;
  const vision = request.visionGrid && config.model.vision ? visionFlops(config, request.visionGrid) : 0;
  const decoder = decoderFlops(config, request.promptTokens, request.pastTokens);
  const total = speech === null || vision === null || decoder === null ? null : speech + vision + decoder;
  return { speech, vision, embedding: 0, decoder, total };
}

/** Text tokens of the reference prompt: chat template, system prompt and question (about 30). */
export const REFERENCE_TEXT_TOKENS = 30;

/**
 * The reference request of `model inspect` and `model bench`: 10 s of audio (1000 mel
 * frames -> 250 tokens), 20 frames of 392x280 (10 temporal groups of grid 20x28 -> 1400
 * tokens), and the prompt they imply (those tokens + 30 text tokens = 1680).
 */
export function referenceRequest(): FlopsRequest & { audioTokens: number; visionTokens: number; textTokens: number } {
  const audioMelFrames = 1000;
  const visionGrid: [number, number, number] = [10, 20, 28];
  const a = audioTokens(audioMelFrames);
  const v = visionTokens(visionGrid);
  return {
    audioMelFrames,
    visionGrid,
    audioTokens: a,
    visionTokens: v,
    textTokens: REFERENCE_TEXT_TOKENS,
    promptTokens: a + v + REFERENCE_TEXT_TOKENS,
    pastTokens: 0,
  };
}
