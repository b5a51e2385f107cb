/**
 * Speech (audio) encoder graph, Qwen2.5-Omni's audio tower at reduced width:
 * input_features f32 [1, 128, T] + feature_attention_mask i64 [1, T] -> audio_features f32 [N, H].
 *
 * As Qwen2_5OmniAudioEncoder: mel frames are cut into windows of 2 * n_window = 200 frames;
 * each window runs conv1 (k3 s1 p1) + GELU, conv2 (k3 s2 p1) + GELU (100 frames), gets
 * sinusoidal positions restarting at 0, and pre-LN transformer layers attend only inside
 * their window (the windows are a batch, so attention is block-diagonal) with padded keys
 * masked. The valid frames are then gathered, average-pooled by 2, layer-normed and projected
 * to the decoder width. Padded frames are zeroed before conv1 and before conv2, so the real
 * frames' outputs never depend on how much padding follows; windows with no real frame are
 * dropped before conv1, so masked padding costs no encoder time (Qwen's pad-features path).
 */
import { DType, GraphBuilder, type GraphSpec } from './graph.js';
import { gelu, layerNorm, linear, mergeHeads, sdpa, splitHeads, type Ctx } from './nn.js';
import type { SpeechDims } from './presets.js';
import type { WeightSource } from './weights.js';

/** Mel bins of Qwen2.5-Omni's WhisperFeatureExtractor. */
export const NUM_MEL_BINS = 128;
/** Qwen2.5-Omni audio_config.n_window: a window is 2 * n_window mel frames (2 s). */
export const N_WINDOW = 100;
const WINDOW = 2 * N_WINDOW;
const WINDOW_OUT = N_WINDOW;

/**
 * Audio tokens for `melFrames` valid frames: Qwen2.5-Omni's _get_feat_extract_output_lengths
 * (conv2 stride 2, then AvgPool 2, with Python's floor division: 1 frame gives 0 tokens).
 */
export function audioTokensForFrames(melFrames: number): number {
  if (melFrames <= 0) return 0;
  const afterConv = Math.floor((melFrames - 1) / 2) + 1;
  return Math.floor((afterConv - 2) / 2) + 1;
}

/** Whisper's sinusoidal position table [length, channels]: sin in the first half, cos in the second. */
export function sinusoids(length: number, channels: number, maxTimescale = 10000): Float32Array {
  const half = channels / 2;
  const increment = Math.log(maxTimescale) / (half - 1);
  const out = new Float32Array(length * channels);
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * Math.exp(-increment * i);
      out[t * channels + i] = Math.sin(angle);
      out[t * channels + half + i] = Math.cos(angle);
    }
  }
  return out;
}

/** Builds speech.onnx's graph. `outDim` is the decoder hidden size. */
export function buildSpeechGraph(dims: SpeechDims, outDim: number, w: WeightSource): GraphSpec {
  const g = new GraphBuilder('speech', { '': 17 });
  const ctx: Ctx = { g, w };
  const d = dims.dModel;
  const headSize = d / dims.heads;
  const features = g.input('input_features', DType.FLOAT, [1, NUM_MEL_BINS, 'num_frames']);
  const mask = g.input('feature_attention_mask', DType.INT64, [1, 'num_frames']);

  const out = g.scope('audio', () => {
    // Phase 1: pad T to a multiple of the window and cut into a batch of windows [nW, 128, 200].
    const { windows, frameMask } = g.scope('windows', () => {
      const t = g.op('Gather', [g.op('Shape', [mask]), g.constI64([1])], { axis: 0 }); // [1]
      const win = g.constI64([WINDOW]);
      const pad = g.op('Mod', [g.op('Sub', [win, g.op('Mod', [t, win])]), win]);
      const zero3 = g.constI64([0, 0, 0]);
      const maskF = g.op('Cast', [mask], { to: DType.FLOAT });
      const maskPadded = g.op('Pad', [maskF, g.op('Concat', [g.constI64([0, 0, 0]), pad], { axis: 0 })]);
      const featPadded = g.op('Pad', [features, g.op('Concat', [zero3, g.constI64([0, 0]), pad], { axis: 0 })]);
      // Zero padded frames before conv1: the caller's padding values never reach real frames.
      const masked = g.op('Mul', [featPadded, g.op('Unsqueeze', [maskPadded, g.constI64([1])])]);
      const perWindow = g.op('Reshape', [masked, g.constI64([NUM_MEL_BINS, -1, WINDOW])]);
      const allWindows = g.op('Transpose', [perWindow], { perm: [1, 0, 2] });
      const allMasks = g.op('Reshape', [maskPadded, g.constI64([-1, 1, WINDOW])]); // [nW, 1, 200]
      // Drop windows without a single real frame, as Qwen splits by feature length before the
      // encoder: masked padding costs nothing (pad-all mode passes a mask of ones instead).
      const keep = g.op('Cast', [g.op('ReduceMax', [allMasks], { axes: [1, 2], keepdims: 0 })], { to: DType.BOOL });
      return {
        windows: g.op('Compress', [allWindows, keep], { axis: 0 }),
        frameMask: g.op('Compress', [allMasks, keep], { axis: 0 }),
      };
    });

    // Phase 2: convolutions, masked in between (as Qwen multiplies by padded_mask after conv1).
    const conv = (name: string, x: string, inCh: number, stride: number): string =>
      g.scope(name, () => {
        const weight = g.weight('weight', [d, inCh, 3], w.linear(g.key('weight'), d * inCh * 3, inCh * 3));
        const bias = g.weight('bias', [d], w.uniform(g.key('bias'), d, 0.02));
        return gelu(g, g.op('Conv', [x, weight, bias], { kernel_shape: [3], pads: [1, 1], strides: [stride] }));
      });
    const c1 = g.op('Mul', [conv('conv1', windows, NUM_MEL_BINS, 1), frameMask]);
    const c2 = conv('conv2', c1, d, 2); // [nW, d, 100]
    // A conv2 output frame i is valid iff input frame 2i is: (m - 1) // 2 + 1 valid of m.
    const outMask = g.scope('mask', () => g.op('Slice', [frameMask, g.constI64([0]), g.constI64([WINDOW]), g.constI64([2]), g.constI64([2])]));

    let x = g.scope('embed_positions', () => {
      const pos = g.tensorF32('audio.positional_embedding', [WINDOW_OUT, d], sinusoids(WINDOW_OUT, d));
      return g.op('Add', [g.op('Transpose', [c2], { perm: [0, 2, 1] }), pos]); // [nW, 100, d]
    });

    // Phase 3: pre-LN layers, attention block-diagonal per window, padded keys masked.
    const keyBias = g.scope('mask', () => {
      const invalid = g.op('Sub', [g.constF32([1], []), outMask]);
      return g.op('Unsqueeze', [g.op('Mul', [invalid, g.constF32([-1e9], [])]), g.constI64([1])]); // [nW,1,1,100]
    });
    for (let l = 0; l < dims.layers; l++) {
      x = g.scope(`layers.${l}`, () => {
        const h = layerNorm(ctx, 'self_attn_layer_norm', x, d);
        const attn = g.scope('attn', () => {
          const q = splitHeads(g, linear(ctx, 'q_proj', h, d, d), dims.heads, headSize);
          const k = splitHeads(g, linear(ctx, 'k_proj', h, d, d, false), dims.heads, headSize);
          const v = splitHeads(g, linear(ctx, 'v_proj', h, d, d), dims.heads, headSize);
          return linear(ctx, 'out_proj', mergeHeads(g, sdpa(g, q, k, v, headSize, keyBias), dims.heads, headSize), d, d);
        });
        const x1 = g.op('Add', [x, attn]);
        const h2 = layerNorm(ctx, 'final_layer_norm', x1, d);
        const ffn = g.scope('mlp', () => linear(ctx, 'fc2', gelu(g, linear(ctx, 'fc1', h2, d, dims.ffnDim)), dims.ffnDim, d));
        return g.op('Add', [x1, ffn]);
      });
    }

    // Phase 4: keep the valid frames (in order), AvgPool(2), LayerNorm, project to H.
    return g.scope('output', () => {
      const flat = g.op('Reshape', [x, g.constI64([-1, d])]);
      const keep = g.op('Cast', [g.op('Reshape', [outMask, g.constI64([-1])])], { to: DType.BOOL });
      const valid = g.op('Compress', [flat, keep], { axis: 0 }); // [N2, d]
      const pooled = g.scope('avg_pooler', () => {
        const ncl = g.op('Unsqueeze', [g.op('Transpose', [valid], { perm: [1, 0] }), g.constI64([0])]); // [1, d, N2]
        const p = g.op('AveragePool', [ncl], { kernel_shape: [2], strides: [2] });
        return g.op('Transpose', [g.op('Squeeze', [p, g.constI64([0])])], { perm: [1, 0] }); // [N2/2, d]
      });
      return linear(ctx, 'proj', layerNorm(ctx, 'ln_post', pooled, d), d, outDim);
    });
  });
  g.output(out, 'audio_features', DType.FLOAT, ['num_audio_tokens', outDim]);
  return g.build('omni-bench reference speech encoder (Qwen2.5-Omni audio tower structure, random weights)');
}
