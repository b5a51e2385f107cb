/**
 * Decoder graph, Qwen2 blocks (Qwen2.5-Omni's thinker) at reduced width:
 * inputs_embeds f32 [1, S, H], attention_mask i64 [1, P+S], position_ids i64 [3, 1, S],
 * past_key_values.%d.key/value f32 [1, kv_heads, P, head_size]
 * -> logits f32 [1, 1, V] (LAST position only), present.%d.key/value f32 [1, kv_heads, P+S, head_size].
 *
 * Per block: RMSNorm, q/k/v Linear with bias, M-RoPE applied in-graph (each frequency band
 * takes its positions from the t, h or w row of position_ids, mrope_section [16, 24, 24]
 * scaled to head_size / 2), com.microsoft GroupQueryAttention (do_rotary 0, KV cache in BNSH,
 * causal; chunked prefill on top of a past works on the CPU provider), o_proj, SwiGLU MLP.
 * Final RMSNorm and a tied lm_head (the embedding table's fp16-rounded values, stored fp32).
 *
 * Options: `positionIds: false` (phi4mm) drops the position_ids input; positions are then
 * past_length .. past_length + S - 1, computed in the graph from the attention_mask length
 * (total) and the inputs_embeds length (S), with plain 1-D RoPE; `ropeTheta` and
 * `attentionBias` (q/k/v Linear biases: Qwen2 has them, Phi-3/Phi-4 have none) follow the family.
 *
 * Logits are computed for the last position only: a real 7B thinker's lm_head is a small
 * share of prefill, but vocab 151936 x a reduced hidden size on every prefill position would
 * make it most of the reference model's prefill cost and distort the benchmark.
 */
import { DType, GraphBuilder, type GraphSpec } from './graph.js';
import { linear, rmsNorm, swiGlu, type Ctx } from './nn.js';
import { mropeSection, type DecoderDims } from './presets.js';
import type { WeightSource } from './weights.js';

/** Qwen2.5-Omni thinker rope_theta. */
export const ROPE_THETA = 1_000_000;
/** Phi-4-multimodal's rope_theta. */
export const PHI4MM_ROPE_THETA = 10_000;
/** Qwen2 rms_norm_eps. */
export const RMS_NORM_EPS = 1e-6;

/** Options of {@link buildDecoderGraph}. */
export interface DecoderOptions {
  /** Take position_ids [3, 1, S] (M-RoPE) as an input; else positions follow the cache. Default true. */
  positionIds?: boolean;
  /** RoPE base. Default {@link ROPE_THETA}. */
  ropeTheta?: number;
  /** q/k/v projections with bias. Default true. */
  attentionBias?: boolean;
}

function inverseFrequencies(headSize: number, theta: number): number[] {
  return Array.from({ length: headSize / 2 }, (_, i) => theta ** (-(2 * i) / headSize));
}

/** M-RoPE cos/sin [1, S, 1, half] from position_ids [3, 1, S]. */
function mropeCosSin(g: GraphBuilder, positionIds: string, headSize: number, theta: number): { cos: string; sin: string } {
  return g.scope('rotary_emb', () => {
    const half = headSize / 2;
    const invFreq = inverseFrequencies(headSize, theta);
    // One-hot band selector [3, 1, 1, half]: band j reads row t, h or w (Qwen's mrope_section split).
    const [t, h] = mropeSection(headSize);
    const select = new Array<number>(3 * half).fill(0);
    for (let i = 0; i < half; i++) select[(i < t ? 0 : i < t + h ? 1 : 2) * half + i] = 1;
    const pos = g.op('Unsqueeze', [g.op('Cast', [positionIds], { to: DType.FLOAT }), g.constI64([-1])]); // [3,1,S,1]
    const freqs = g.op('Mul', [pos, g.constF32(invFreq, [half])]); // [3,1,S,half]
    const banded = g.op('ReduceSum', [g.op('Mul', [freqs, g.constF32(select, [3, 1, 1, half])]), g.constI64([0])], { keepdims: 0 });
    const perHead = g.op('Unsqueeze', [banded, g.constI64([2])]); // [1, S, 1, half]
    return { cos: g.op('Cos', [perHead]), sin: g.op('Sin', [perHead]) };
  });
}

/**
 * 1-D RoPE cos/sin [1, S, 1, half] for positions past .. total - 1, where total is the
 * attention_mask length and past = total - S (S = the inputs_embeds length).
 */
function cacheRopeCosSin(g: GraphBuilder, embeds: string, mask: string, headSize: number, theta: number): { cos: string; sin: string } {
  return g.scope('rotary_emb', () => {
    const half = headSize / 2;
    const total = g.op('Gather', [g.op('Shape', [mask]), g.constI64([1], [])], { axis: 0 });
    const seq = g.op('Gather', [g.op('Shape', [embeds]), g.constI64([1], [])], { axis: 0 });
    const positions = g.op('Range', [g.op('Sub', [total, seq]), total, g.constI64([1], [])]); // [S]
    const pos = g.op('Unsqueeze', [g.op('Cast', [positions], { to: DType.FLOAT }), g.constI64([-1])]); // [S, 1]
    const freqs = g.op('Mul', [pos, g.constF32(inverseFrequencies(headSize, theta), [half])]); // [S, half]
    const perHead = g.op('Unsqueeze', [freqs, g.constI64([0, 2])]); // [1, S, 1, half]
    return { cos: g.op('Cos', [perHead]), sin: g.op('Sin', [perHead]) };
  });
}

/** Rotates [1, S, heads*hd] by (cos, sin) with rotate_half (non-interleaved), as HF apply_rotary_pos_emb. */
function applyRope(g: GraphBuilder, x: string, heads: number, headSize: number, cos: string, sin: string): string {
  return g.scope('rope', () => {
    const half = headSize / 2;
    const x4 = g.op('Reshape', [x, g.constI64([0, 0, heads, headSize])]);
    const [x1, x2] = g.opN('Split', [x4, g.constI64([half, half])], 2, { axis: -1 }) as [string, string];
    const r1 = g.op('Sub', [g.op('Mul', [x1, cos]), g.op('Mul', [x2, sin])]);
    const r2 = g.op('Add', [g.op('Mul', [x2, cos]), g.op('Mul', [x1, sin])]);
    return g.op('Reshape', [g.op('Concat', [r1, r2], { axis: -1 }), g.constI64([0, 0, heads * headSize])]);
  });
}

/** Builds decoder.onnx's graph. `lmHead` is the tied [vocab, hidden] table as f32. */
export function buildDecoderGraph(dims: DecoderDims, vocab: number, lmHead: Float32Array, w: WeightSource, options: DecoderOptions = {}): GraphSpec {
  const g = new GraphBuilder('decoder', { '': 17, 'com.microsoft': 1 });
  const ctx: Ctx = { g, w };
  const { hiddenSize: H, heads, kvHeads, headSize } = dims;
  const theta = options.ropeTheta ?? ROPE_THETA;
  const bias = options.attentionBias ?? true;
  const embeds = g.input('inputs_embeds', DType.FLOAT, [1, 'sequence_length', H]);
  const mask = g.input('attention_mask', DType.INT64, [1, 'total_sequence_length']);
  const positionIds = options.positionIds === false ? undefined : g.input('position_ids', DType.INT64, [3, 1, 'sequence_length']);
  const past = Array.from({ length: dims.layers }, (_, l) => ({
    key: g.input(`past_key_values.${l}.key`, DType.FLOAT, [1, kvHeads, 'past_sequence_length', headSize]),
    value: g.input(`past_key_values.${l}.value`, DType.FLOAT, [1, kvHeads, 'past_sequence_length', headSize]),
  }));
  const presents: { key: string; value: string }[] = [];

  const logits = g.scope('decoder', () => {
    // GQA's sequence bookkeeping: seqlens_k = valid tokens - 1 (int32 [1]), total length (int32 scalar).
    const { seqlensK, totalLength } = g.scope('attn_mask', () => ({
      seqlensK: g.op('Cast', [g.op('Sub', [g.op('ReduceSum', [mask, g.constI64([1])], { keepdims: 0 }), g.constI64([1], [])])], { to: DType.INT32 }),
      totalLength: g.op('Cast', [g.op('Gather', [g.op('Shape', [mask]), g.constI64([1], [])], { axis: 0 })], { to: DType.INT32 }),
    }));
    const { cos, sin } = positionIds ? mropeCosSin(g, positionIds, headSize, theta) : cacheRopeCosSin(g, embeds, mask, headSize, theta);
    let x = embeds;
    for (let l = 0; l < dims.layers; l++) {
      x = g.scope(`layers.${l}`, () => {
        const h = rmsNorm(ctx, 'input_layernorm', x, H, RMS_NORM_EPS);
        const attn = g.scope('self_attn', () => {
          const q = applyRope(g, linear(ctx, 'q_proj', h, H, heads * headSize, bias), heads, headSize, cos, sin);
          const k = applyRope(g, linear(ctx, 'k_proj', h, H, kvHeads * headSize, bias), kvHeads, headSize, cos, sin);
          const v = linear(ctx, 'v_proj', h, H, kvHeads * headSize, bias);
          const layerPast = past[l] as { key: string; value: string };
          const [o, presentKey, presentValue] = g.opN(
            'GroupQueryAttention',
            [q, k, v, layerPast.key, layerPast.value, seqlensK, totalLength],
            3,
            { num_heads: heads, kv_num_heads: kvHeads, do_rotary: 0, scale: { float: 1 / Math.sqrt(headSize) } },
            'com.microsoft',
          ) as [string, string, string];
          presents.push({ key: presentKey, value: presentValue });
          return linear(ctx, 'o_proj', o, heads * headSize, H, false);
        });
        const x1 = g.op('Add', [x, attn]);
        return g.op('Add', [x1, swiGlu(ctx, rmsNorm(ctx, 'post_attention_layernorm', x1, H, RMS_NORM_EPS), H, dims.intermediateSize, false)]);
      });
    }
    const normed = rmsNorm(ctx, 'norm', x, H, RMS_NORM_EPS);
    return g.scope('lm_head', () => {
      const last = g.op('Reshape', [g.op('Slice', [normed, g.constI64([-1]), g.constI64([2 ** 62]), g.constI64([1])]), g.constI64([1, H])]);
      const weight = g.tensorF32('lm_head.weight', [vocab, H], lmHead);
      return g.op('Reshape', [g.op('Gemm', [last, weight], { transB: 1 }), g.constI64([1, 1, vocab])]);
    });
  });
  g.output(logits, 'logits', DType.FLOAT, [1, 1, vocab]);
  presents.forEach((p, l) => {
    g.output(p.key, `present.${l}.key`, DType.FLOAT, [1, kvHeads, 'total_sequence_length', headSize]);
    g.output(p.value, `present.${l}.value`, DType.FLOAT, [1, kvHeads, 'total_sequence_length', headSize]);
  });
  const blocks = positionIds ? 'Qwen2 blocks, M-RoPE' : 'Qwen2-style blocks, 1-D RoPE with positions from the cache length';
  return g.build(`omni-bench reference decoder (${blocks}, GroupQueryAttention KV cache, random weights). logits are [1, 1, vocab]: the last position only.`);
}
