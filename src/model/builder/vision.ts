/**
 * Vision encoder graph, Qwen2.5-VL's vision tower at reduced width:
 * pixel_values f32 [N, 1176] + image_grid_thw i64 [1, 3] -> image_features f32 [N / 4, H].
 *
 * Patches arrive flattened (3 channels x temporal 2 x 14 x 14 = 1176) in Qwen's order, each
 * 2x2 merge group contiguous. Linear patch embed (Qwen's Conv3d without bias); RMSNorm
 * pre-norm layers whose attention stays inside one temporal group ([t, h*w, d]); then the
 * merger: RMSNorm, concat each 4 consecutive patches, Linear 4d -> 4d, GELU, Linear 4d -> H.
 */
import { DType, GraphBuilder, type GraphSpec } from './graph.js';
import { gelu, linear, mergeHeads, rmsNorm, sdpa, splitHeads, swiGlu, type Ctx } from './nn.js';
import type { VisionDims } from './presets.js';
import type { WeightSource } from './weights.js';

export const PATCH_SIZE = 14;
export const TEMPORAL_PATCH_SIZE = 2;
export const SPATIAL_MERGE_SIZE = 2;
/** Qwen2.5-VL's vision tokens_per_second (temporal position step per second of video). */
export const QWEN_VL_TOKENS_PER_SECOND = 2;
/** Qwen2.5-VL's window_size in pixels (its window attention is not modelled: every block attends over the group). */
export const QWEN_VL_WINDOW_SIZE = 112;
/** Values per patch: 3 channels * temporal 2 * 14 * 14. */
export const PATCH_DIM = 3 * TEMPORAL_PATCH_SIZE * PATCH_SIZE * PATCH_SIZE;

/** Vision tokens for a grid of [t, h, w] patches: t * (h / 2) * (w / 2). */
export function visionTokensForGrid(grid: readonly [number, number, number]): number {
  const [t, h, w] = grid;
  return (t * h * w) / (SPATIAL_MERGE_SIZE * SPATIAL_MERGE_SIZE);
}

/** Builds vision.onnx's graph. `outDim` is the decoder hidden size. */
export function buildVisionGraph(dims: VisionDims, outDim: number, w: WeightSource): GraphSpec {
  const g = new GraphBuilder('vision', { '': 17 });
  const ctx: Ctx = { g, w };
  const d = dims.hiddenSize;
  const headSize = d / dims.heads;
  const merged = d * SPATIAL_MERGE_SIZE * SPATIAL_MERGE_SIZE;
  const pixels = g.input('pixel_values', DType.FLOAT, ['num_patches', PATCH_DIM]);
  const grid = g.input('image_grid_thw', DType.INT64, [1, 3]);

  const out = g.scope('vision', () => {
    const embedded = g.scope('patch_embed', () => linear(ctx, 'proj', pixels, PATCH_DIM, d, false));
    // One temporal group per batch row: attention never crosses groups.
    let x = g.scope('groups', () => {
      const t = g.op('Slice', [g.op('Reshape', [grid, g.constI64([-1])]), g.constI64([0]), g.constI64([1])]);
      return g.op('Reshape', [embedded, g.op('Concat', [t, g.constI64([-1, d])], { axis: 0 })]); // [t, h*w, d]
    });
    for (let l = 0; l < dims.layers; l++) {
      x = g.scope(`blocks.${l}`, () => {
        const h = rmsNorm(ctx, 'norm1', x, d);
        const attn = g.scope('attn', () => {
          const q = splitHeads(g, linear(ctx, 'q', h, d, d), dims.heads, headSize);
          const k = splitHeads(g, linear(ctx, 'k', h, d, d), dims.heads, headSize);
          const v = splitHeads(g, linear(ctx, 'v', h, d, d), dims.heads, headSize);
          return linear(ctx, 'proj', mergeHeads(g, sdpa(g, q, k, v, headSize), dims.heads, headSize), d, d);
        });
        const x1 = g.op('Add', [x, attn]);
        return g.op('Add', [x1, swiGlu(ctx, rmsNorm(ctx, 'norm2', x1, d), d, dims.intermediateSize, true)]);
      });
    }
    return g.scope('merger', () => {
      const normed = rmsNorm(ctx, 'ln_q', x, d);
      const groups = g.op('Reshape', [normed, g.constI64([-1, merged])]); // 4 consecutive patches
      return g.scope('mlp', () => linear(ctx, '2', gelu(g, linear(ctx, '0', groups, merged, merged)), merged, outDim));
    });
  });
  g.output(out, 'image_features', DType.FLOAT, ['num_image_tokens', outDim]);
  return g.build('omni-bench reference vision encoder (Qwen2.5-VL vision tower structure, random weights)');
}
