/**
 * Vision encoder graph of the phi4mm family, Phi-4-multimodal's image tower in structure at
 * reduced width (the preset's vision dims):
 * pixel_values f32 [N_crops, 3, 448, 448] + image_attention_mask f32 [N_crops, 32, 32] +
 * image_sizes i64 [1, 2] -> image_features f32 [N_crops * 256, H].
 *
 * Per crop (crops are a batch: attention never crosses crops): SigLIP-style patch embedding
 * (Conv2d 3 -> d, kernel = stride = 14: 32 x 32 patches), learned position embeddings,
 * pre-LN transformer layers whose keys are masked by image_attention_mask (patches of a crop's
 * padding), then the 2x2 average pool (image_token_compression_cls avg_pool_2d: 16 x 16 = 256
 * tokens per crop) and the projection MLP (Linear d -> H, GELU, Linear H -> H).
 * Not modelled: the global-image/sub-image separator and newline tokens of Phi-4's HD
 * transform. image_sizes is an input as in Phi-4's export but does not change the features
 * here (the crops arrive already cut).
 */
import { DType, GraphBuilder, type GraphSpec } from './graph.js';
import { gelu, layerNorm, linear, mergeHeads, sdpa, splitHeads, type Ctx } from './nn.js';
import type { VisionDims } from './presets.js';
import type { WeightSource } from './weights.js';

/** Side of one crop in pixels (Phi-4-multimodal's crop_size). */
export const PHI4MM_CROP_SIZE = 448;
/** Patch side in pixels. */
export const PHI4MM_PATCH_SIZE = 14;
/** Patches per crop side: 448 / 14 = 32. */
export const PHI4MM_PATCHES_PER_SIDE = PHI4MM_CROP_SIZE / PHI4MM_PATCH_SIZE;
/** Image tokens per crop after the 2x2 pool: 16 * 16 = 256. */
export const PHI4MM_TOKENS_PER_CROP = (PHI4MM_PATCHES_PER_SIDE / 2) ** 2;

/** Builds phi4mm's vision.onnx graph. `outDim` is the decoder hidden size. */
export function buildPhi4mmVisionGraph(dims: VisionDims, outDim: number, w: WeightSource): GraphSpec {
  const g = new GraphBuilder('vision', { '': 17 });
  const ctx: Ctx = { g, w };
  const d = dims.hiddenSize;
  const headSize = d / dims.heads;
  const side = PHI4MM_PATCHES_PER_SIDE;
  const patches = side * side;
  const pixels = g.input('pixel_values', DType.FLOAT, ['num_crops', 3, PHI4MM_CROP_SIZE, PHI4MM_CROP_SIZE]);
  const patchMask = g.input('image_attention_mask', DType.FLOAT, ['num_crops', side, side]);
  g.input('image_sizes', DType.INT64, [1, 2]);

  const out = g.scope('vision', () => {
    let x = g.scope('embeddings', () => {
      const embedded = g.scope('patch_embedding', () => {
        const fanIn = 3 * PHI4MM_PATCH_SIZE * PHI4MM_PATCH_SIZE;
        const weight = g.weight('weight', [d, 3, PHI4MM_PATCH_SIZE, PHI4MM_PATCH_SIZE], w.linear(g.key('weight'), d * fanIn, fanIn));
        const bias = g.weight('bias', [d], w.uniform(g.key('bias'), d, 0.02));
        const conv = g.op('Conv', [pixels, weight, bias], { kernel_shape: [PHI4MM_PATCH_SIZE, PHI4MM_PATCH_SIZE], strides: [PHI4MM_PATCH_SIZE, PHI4MM_PATCH_SIZE] });
        return g.op('Transpose', [g.op('Reshape', [conv, g.constI64([0, d, patches])])], { perm: [0, 2, 1] }); // [N, 1024, d]
      });
      const positions = g.scope('position_embedding', () => g.weight('weight', [patches, d], w.uniform(g.key('weight'), patches * d, 0.02)));
      return g.op('Add', [embedded, positions]);
    });

    // Keys of padding patches masked: bias [N, 1, 1, 1024].
    const keyBias = g.scope('mask', () => {
      const flat = g.op('Reshape', [patchMask, g.constI64([0, 1, 1, patches])]);
      return g.op('Mul', [g.op('Sub', [g.constF32([1], []), flat]), g.constF32([-1e9], [])]);
    });
    for (let l = 0; l < dims.layers; l++) {
      x = g.scope(`layers.${l}`, () => {
        const h = layerNorm(ctx, 'layer_norm1', x, d, 1e-6);
        const attn = g.scope('self_attn', () => {
          const q = splitHeads(g, linear(ctx, 'q_proj', h, d, d), dims.heads, headSize);
          const k = splitHeads(g, linear(ctx, 'k_proj', h, d, d), dims.heads, headSize);
          const v = splitHeads(g, linear(ctx, 'v_proj', h, d, d), dims.heads, headSize);
          return linear(ctx, 'out_proj', mergeHeads(g, sdpa(g, q, k, v, headSize, keyBias), dims.heads, headSize), d, d);
        });
        const x1 = g.op('Add', [x, attn]);
        const mlp = g.scope('mlp', () => linear(ctx, 'fc2', gelu(g, linear(ctx, 'fc1', layerNorm(ctx, 'layer_norm2', x1, d, 1e-6), d, dims.intermediateSize)), dims.intermediateSize, d));
        return g.op('Add', [x1, mlp]);
      });
    }

    // 2x2 average pool over the 32 x 32 patch grid -> 16 x 16 tokens per crop, then project to H.
    const pooled = g.scope('image_token_compression', () => {
      const grid = g.op('Reshape', [g.op('Transpose', [x], { perm: [0, 2, 1] }), g.constI64([0, d, side, side])]); // [N, d, 32, 32]
      const pool = g.op('AveragePool', [grid], { kernel_shape: [2, 2], strides: [2, 2] }); // [N, d, 16, 16]
      const tokens = g.op('Transpose', [g.op('Reshape', [pool, g.constI64([0, d, -1])])], { perm: [0, 2, 1] }); // [N, 256, d]
      return g.op('Reshape', [tokens, g.constI64([-1, d])]);
    });
    return g.scope('img_projection', () => linear(ctx, '2', gelu(g, linear(ctx, '0', pooled, d, outDim)), outDim, outDim));
  });
  g.output(out, 'image_features', DType.FLOAT, ['num_image_tokens', outDim]);
  return g.build('omni-bench reference vision encoder (Phi-4-multimodal image tower structure: 448 px crops, 14 px patches, 2x2 pool, projection; random weights)');
}
