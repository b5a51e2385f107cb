/**
 * Layer helpers shared by the component graphs: Linear, norms, activations. Each adds its
 * weights under the current scope (state-dict style names) and nodes named by that scope.
 */
import type { GraphBuilder } from './graph.js';
import type { WeightSource } from './weights.js';

/** A graph builder with its weight source. */
export interface Ctx {
  g: GraphBuilder;
  w: WeightSource;
}

/** y = x W (+ b), W stored [inFeatures, outFeatures] so MatMul needs no transpose. */
export function linear(ctx: Ctx, name: string, x: string, inFeatures: number, outFeatures: number, bias = true): string {
  const { g, w } = ctx;
  return g.scope(name, () => {
    const weight = g.weight('weight', [inFeatures, outFeatures], w.linear(g.key('weight'), inFeatures * outFeatures, inFeatures));
    const y = g.op('MatMul', [x, weight]);
    if (!bias) return y;
    const b = g.weight('bias', [outFeatures], w.uniform(g.key('bias'), outFeatures, 0.02));
    return g.op('Add', [y, b]);
  });
}

/** RMSNorm over the last axis (Qwen2: x * rsqrt(mean(x^2) + eps) * weight). */
export function rmsNorm(ctx: Ctx, name: string, x: string, size: number, eps = 1e-6): string {
  const { g, w } = ctx;
  return g.scope(name, () => {
    const weight = g.weight('weight', [size], w.near(g.key('weight'), size, 1, 0.1));
    const sq = g.op('Mul', [x, x]);
    const mean = g.op('ReduceMean', [sq], { axes: [-1], keepdims: 1 });
    const rstd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [mean, g.constF32([eps], [])])])]);
    return g.op('Mul', [g.op('Mul', [x, rstd]), weight]);
  });
}

/** LayerNorm over the last axis (opset 17 LayerNormalization). */
export function layerNorm(ctx: Ctx, name: string, x: string, size: number, eps = 1e-5): string {
  const { g, w } = ctx;
  return g.scope(name, () => {
    const scale = g.weight('weight', [size], w.near(g.key('weight'), size, 1, 0.1));
    const bias = g.weight('bias', [size], w.uniform(g.key('bias'), size, 0.02));
    return g.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: eps });
  });
}

/** Exact (erf) GELU, as torch.nn.GELU(); ORT fuses this pattern into one Gelu kernel. */
export function gelu(g: GraphBuilder, x: string): string {
  return g.scope('act', () => {
    const erf = g.op('Erf', [g.op('Div', [x, g.constF32([Math.SQRT2], [])])]);
    return g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, g.constF32([1], [])])]), g.constF32([0.5], [])]);
  });
}

/** SiLU: x * sigmoid(x). */
export function silu(g: GraphBuilder, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [x])]);
}

/** SwiGLU MLP: down(silu(gate(x)) * up(x)). */
export function swiGlu(ctx: Ctx, x: string, hidden: number, inner: number, bias: boolean): string {
  const { g } = ctx;
  return g.scope('mlp', () => {
    const gate = linear(ctx, 'gate_proj', x, hidden, inner, bias);
    const up = linear(ctx, 'up_proj', x, hidden, inner, bias);
    return linear(ctx, 'down_proj', g.op('Mul', [silu(g, gate), up]), inner, hidden, bias);
  });
}

/**
 * Scaled dot-product attention over [B, heads, L, hd] tensors with an optional additive
 * bias broadcastable to [B, heads, L, L]. Standard ops (MatMul, Softmax) so every
 * execution provider runs it.
 */
export function sdpa(g: GraphBuilder, q: string, k: string, v: string, headSize: number, bias?: string): string {
  const kt = g.op('Transpose', [k], { perm: [0, 1, 3, 2] });
  let scores = g.op('Mul', [g.op('MatMul', [q, kt]), g.constF32([1 / Math.sqrt(headSize)], [])]);
  if (bias) scores = g.op('Add', [scores, bias]);
  return g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
}

/** Splits [B, L, heads*hd] into [B, heads, L, hd]. */
export function splitHeads(g: GraphBuilder, x: string, heads: number, headSize: number): string {
  return g.op('Transpose', [g.op('Reshape', [x, g.constI64([0, 0, heads, headSize])])], { perm: [0, 2, 1, 3] });
}

/** Merges [B, heads, L, hd] back into [B, L, heads*hd]. */
export function mergeHeads(g: GraphBuilder, x: string, heads: number, headSize: number): string {
  return g.op('Reshape', [g.op('Transpose', [x], { perm: [0, 2, 1, 3] }), g.constI64([0, 0, heads * headSize])]);
}

