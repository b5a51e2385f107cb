/**
 * Speech (audio) encoder graph of the phi4mm family, Phi-4-multimodal's audio tower in
 * structure at reduced width (the preset's speech dims):
 * audio_embeds f32 [1, T, 80] (time-major log-mel, 100 frames/s) + audio_attention_mask bool
 * [1, T] + audio_sizes i64 [1] + audio_projection_mode i64 [1] -> audio_features f32 [N, H].
 * audio_sizes is the clip's audio token count, as onnxruntime-genai and Hugging Face's processor
 * feed it (audio_embed_sizes = ceil(frames / 8)); N = ceil(valid / 8) where valid = the frames the
 * mask admits below audio_sizes * 8, i.e. N = audio_sizes for an all-valid clip.
 *
 * Structure: conv subsampling x8 (three Conv1d k3 s2 p1 + ReLU over time, as the cascades
 * encoder's three stride-2 convs), sinusoidal positions, pre-LN transformer layers attending
 * over the whole clip (Phi-4's conformer sees the whole clip; padded keys masked), a final
 * LayerNorm, then one of two projection MLPs (Linear d -> H, GELU, Linear H -> H), chosen by
 * audio_projection_mode: Hugging Face's input mode, 2 = speech (speech projection), 3 = vision +
 * speech (the vision projection for audio alongside an image). Both exist; only the chosen one is
 * computed (its weights are gathered by mode).
 *
 * Padded frames are zeroed before each conv and after it, so a frame's conv output reads
 * zeros past the last valid frame whether they are padding or the conv's own padding: the
 * real frames' features do not depend on how much masked padding follows.
 */
import { DType, GraphBuilder, type GraphSpec } from './graph.js';
import { gelu, layerNorm, linear, mergeHeads, sdpa, splitHeads, type Ctx } from './nn.js';
import type { SpeechDims } from './presets.js';
import type { WeightSource } from './weights.js';

/** Mel bins and audio tokens (ceil(frames / 8): each stride-2 conv gives ceil(n / 2)) of Phi-4-multimodal: the feature extractor's, one definition. */
export { PHI4MM_MEL_BINS, phi4mmAudioTokens } from '../../media/phi4mm-mel.js';
import { PHI4MM_MEL_BINS } from '../../media/phi4mm-mel.js';
/** Mel frames per audio token (three stride-2 convs). */
export const PHI4MM_COMPRESSION_RATE = 8;

/** Builds phi4mm's speech.onnx graph. `outDim` is the decoder hidden size. */
export function buildPhi4mmSpeechGraph(dims: SpeechDims, outDim: number, w: WeightSource): GraphSpec {
  const g = new GraphBuilder('speech', { '': 17 });
  const ctx: Ctx = { g, w };
  const d = dims.dModel;
  const headSize = d / dims.heads;
  const features = g.input('audio_embeds', DType.FLOAT, [1, 'num_frames', PHI4MM_MEL_BINS]);
  const attentionMask = g.input('audio_attention_mask', DType.BOOL, [1, 'num_frames']);
  const audioSizes = g.input('audio_sizes', DType.INT64, [1]);
  const mode = g.input('audio_projection_mode', DType.INT64, [1]);

  const out = g.scope('audio', () => {
    // Phase 1: valid frames = the mask AND index < audio_sizes * 8 (audio_sizes counts tokens); zero the rest. x: [1, 80, T].
    const { x0, mask0 } = g.scope('mask', () => {
      const t = g.op('Gather', [g.op('Shape', [attentionMask]), g.constI64([1], [])], { axis: 0 });
      const inSize = g.op('Less', [g.op('Range', [g.constI64([0], []), t, g.constI64([1], [])]), g.op('Mul', [audioSizes, g.constI64([PHI4MM_COMPRESSION_RATE])])]); // [T]
      const valid = g.op('And', [attentionMask, g.op('Unsqueeze', [inSize, g.constI64([0])])]); // [1, T]
      const maskF = g.op('Unsqueeze', [g.op('Cast', [valid], { to: DType.FLOAT }), g.constI64([1])]); // [1, 1, T]
      return { x0: g.op('Mul', [g.op('Transpose', [features], { perm: [0, 2, 1] }), maskF]), mask0: maskF };
    });

    // Phase 2: conv subsampling x8; after each conv, keep frame i iff its input frame 2i was valid.
    let x = x0;
    let mask = mask0;
    g.scope('embed', () => {
      [PHI4MM_MEL_BINS, d, d].forEach((inCh, i) => {
        g.scope(`conv.${i}`, () => {
          const weight = g.weight('weight', [d, inCh, 3], w.linear(g.key('weight'), d * inCh * 3, inCh * 3));
          const bias = g.weight('bias', [d], w.uniform(g.key('bias'), d, 0.02));
          mask = g.op('Slice', [mask, g.constI64([0]), g.constI64([2 ** 62]), g.constI64([2]), g.constI64([2])]);
          const y = g.op('Relu', [g.op('Conv', [x, weight, bias], { kernel_shape: [3], pads: [1, 1], strides: [2] })]);
          x = g.op('Mul', [y, mask]);
        });
      });
    });
    let h = g.op('Transpose', [x], { perm: [0, 2, 1] }); // [1, N, d]

    // Phase 3: sinusoidal positions over the clip (computed in the graph: any length).
    h = g.scope('embed_positions', () => {
      const half = d / 2;
      const n = g.op('Gather', [g.op('Shape', [h]), g.constI64([1], [])], { axis: 0 });
      const pos = g.op('Unsqueeze', [g.op('Cast', [g.op('Range', [g.constI64([0], []), n, g.constI64([1], [])])], { to: DType.FLOAT }), g.constI64([1])]);
      const increment = Math.log(10000) / (half - 1);
      const inv = Array.from({ length: half }, (_, i) => Math.exp(-increment * i)); // as Whisper's sinusoids
      const angles = g.op('Mul', [pos, g.constF32(inv, [1, half])]); // [N, half]
      return g.op('Add', [h, g.op('Concat', [g.op('Sin', [angles]), g.op('Cos', [angles])], { axis: -1 })]);
    });

    // Phase 4: pre-LN layers over the whole clip, padded keys masked.
    const keyBias = g.scope('mask', () => {
      const invalid = g.op('Sub', [g.constF32([1], []), mask]); // [1, 1, N]
      return g.op('Unsqueeze', [g.op('Mul', [invalid, g.constF32([-1e9], [])]), g.constI64([1])]); // [1, 1, 1, N]
    });
    for (let l = 0; l < dims.layers; l++) {
      h = g.scope(`layers.${l}`, () => {
        const n1 = layerNorm(ctx, 'self_attn_layer_norm', h, d);
        const attn = g.scope('attn', () => {
          const q = splitHeads(g, linear(ctx, 'q_proj', n1, d, d), dims.heads, headSize);
          const k = splitHeads(g, linear(ctx, 'k_proj', n1, d, d), dims.heads, headSize);
          const v = splitHeads(g, linear(ctx, 'v_proj', n1, d, d), dims.heads, headSize);
          return linear(ctx, 'out_proj', mergeHeads(g, sdpa(g, q, k, v, headSize, keyBias), dims.heads, headSize), d, d);
        });
        const x1 = g.op('Add', [h, attn]);
        const ffn = g.scope('mlp', () => linear(ctx, 'fc2', gelu(g, linear(ctx, 'fc1', layerNorm(ctx, 'final_layer_norm', x1, d), d, dims.ffnDim)), dims.ffnDim, d));
        return g.op('Add', [x1, ffn]);
      });
    }

    // Phase 5: keep the valid frames, LayerNorm, project with the mode's MLP.
    const valid = g.scope('output', () => {
      const flat = g.op('Reshape', [layerNorm(ctx, 'ln_post', h, d), g.constI64([-1, d])]);
      const keep = g.op('Cast', [g.op('Reshape', [mask, g.constI64([-1])])], { to: DType.BOOL });
      return g.op('Compress', [flat, keep], { axis: 0 }); // [N_valid, d]
    });
    return g.scope('audio_projection', () => {
      // scalar: 0 speech (mode 2), 1 vision (mode 3: audio alongside an image)
      const index = g.op('Reshape', [g.op('Cast', [g.op('Equal', [mode, g.constI64([3])])], { to: DType.INT64 }), g.constI64([], [0])]);
      // Both MLPs' weights (audio_projection.speech.0.weight, audio_projection.vision.0.weight, ...)
      // stacked [2, ...] and gathered by mode: only the chosen MLP is computed.
      const chosen = (layer: string, input: string, inF: number, outF: number): string => {
        const stacked = (local: string, shape: number[], make: (key: string) => Float32Array): string[] =>
          ['speech', 'vision'].map((m) => g.scope(m, () => g.scope(layer, () => g.weight(local, shape, make(g.key(local))))));
        const weights = stacked('weight', [inF, outF], (key) => w.linear(key, inF * outF, inF));
        const biases = stacked('bias', [outF], (key) => w.uniform(key, outF, 0.02));
        return g.scope(layer, () => {
          const pick = (pair: string[]): string =>
            g.op('Gather', [g.op('Concat', pair.map((t) => g.op('Unsqueeze', [t, g.constI64([0])])), { axis: 0 }), index], { axis: 0 });
          return g.op('Add', [g.op('MatMul', [input, pick(weights)]), pick(biases)]);
        });
      };
      return chosen('2', gelu(g, chosen('0', valid, d, outDim)), outDim, outDim);
    });
  });
  g.output(out, 'audio_features', DType.FLOAT, ['num_audio_tokens', outDim]);
  return g.build('omni-bench reference speech encoder (Phi-4-multimodal audio tower structure: conv x8, whole-clip attention, speech/vision projections; random weights)');
}
