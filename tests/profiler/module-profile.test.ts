import { describe, it, expect } from 'vitest';
import { alignSession, kernelsByRun, sessionStages } from '../../src/profiler/ort-align.js';
import { attributeKernels, classifyNode, nodeFlops, profileParts } from '../../src/profiler/module-profile.js';
import type { OrtOpEvent } from '../../src/profiler/ort-profile.js';
import type { Span } from '../../src/profiler/types.js';

const kernel = (node: string, opType: string, tsUs: number, durUs: number, shapes: Partial<Pick<OrtOpEvent, 'inputShapes' | 'outputShapes'>> = {}): OrtOpEvent => ({
  node,
  opType,
  provider: 'CPUExecutionProvider',
  tsUs,
  durUs,
  ...shapes,
});

const span = (name: string, startMs: number, endMs: number, trial = 't0'): Span => ({ name, startMs, endMs, depth: 0, track: 'main', trial });

describe('classifyNode', () => {
  it.each([
    // The reference model's builder.
    ['/audio/layers.0/attn/q_proj/MatMul', 'MatMul', 'attention'],
    ['/audio/layers.0/attn/MatMul/MatMulScaleFusion/', 'FusedMatMul', 'attention'],
    ['/audio/layers.1/mlp/fc2/Add', 'Add', 'mlp'],
    ['/audio/conv1/Conv', 'Conv', 'conv'],
    ['/audio/layers.0/self_attn_layer_norm/LayerNormalization', 'LayerNormalization', 'norm'],
    ['/audio/embed_positions/Add', 'Add', 'embedding'],
    ['/audio/output/avg_pooler/AveragePool', 'AveragePool', 'merger'],
    ['/audio/output/ln_post/LayerNormalization', 'LayerNormalization', 'merger'],
    ['/audio/windows/Pad', 'Pad', 'other'],
    ['/audio/layers.0/Add_1', 'Add', 'residual'],
    ['/vision/patch_embed/proj/MatMul', 'MatMul', 'embedding'],
    ['/vision/blocks.3/norm2/ReduceMean', 'ReduceMean', 'norm'],
    ['/vision/blocks.3/mlp/Mul/QuickGeluFusion/', 'QuickGelu', 'mlp'],
    ['/vision/merger/ln_q/Mul', 'Mul', 'merger'],
    ['/vision/merger/mlp/0/MatMul', 'MatMul', 'merger'],
    ['/embed_tokens/image/Where', 'Where', 'embedding'],
    ['/decoder/layers.0/self_attn/GroupQueryAttention', 'GroupQueryAttention', 'attention'],
    ['/decoder/attn_mask/ReduceSum', 'ReduceSum', 'attention'],
    ['/decoder/layers.0/self_attn/rope/Mul_3', 'Mul', 'attention'],
    ['/decoder/rotary_emb/Cos', 'Cos', 'positions'],
    ['/decoder/layers.1/post_attention_layernorm/Mul_2', 'Mul', 'norm'],
    ['/decoder/norm/Sqrt', 'Sqrt', 'norm'],
    ['/decoder/lm_head/Gemm', 'Gemm', 'lm_head'],
    // PyTorch exports of Qwen2.5-Omni.
    ['/model/layers.0/self_attn/q_proj/MatMul', 'MatMul', 'attention'],
    ['/audio_tower/layers.0/fc1/MatMul', 'MatMul', 'mlp'],
    ['/audio_tower/proj/MatMul', 'MatMul', 'merger'],
    ['/visual/patch_embed/proj/Conv', 'Conv', 'embedding'],
    ['/model/layers.0/input_layernorm/SimplifiedLayerNormalization', 'SimplifiedLayerNormalization', 'norm'],
  ])('%s (%s) is %s', (node, op, category) => {
    expect(classifyNode(node, op)).toBe(category);
  });

  it('gives no module to a node ORT named afresh (Gelu, BiasGelu_token_3): it has no scope', () => {
    expect(classifyNode('Gelu', 'Gelu')).toBeUndefined();
    expect(classifyNode('BiasGelu_token_3', 'BiasGelu')).toBeUndefined();
  });
});

describe('attributeKernels', () => {
  it('gives a fused node without a scope the module of the node before it, and each node the time to the next kernel', () => {
    const out = attributeKernels([
      kernel('/audio/layers.0/mlp/fc1/MatMul', 'MatMul', 100, 20),
      kernel('/audio/conv1/Conv', 'Conv', 10, 40),
      kernel('Gelu', 'Gelu', 52, 8),
      kernel('BiasGelu_token_3', 'BiasGelu', 125, 6),
    ]);
    expect(out.map((k) => [k.event.node, k.category, k.wallUs])).toEqual([
      ['/audio/conv1/Conv', 'conv', 42],
      ['Gelu', 'conv', 48],
      ['/audio/layers.0/mlp/fc1/MatMul', 'mlp', 25],
      ['BiasGelu_token_3', 'mlp', 6],
    ]);
  });
});

describe('nodeFlops', () => {
  it('counts 2 per multiply-add from the shapes of MatMul, Gemm, Conv and GroupQueryAttention', () => {
    expect(nodeFlops({ opType: 'MatMul', inputShapes: [[1, 185, 128]], outputShapes: [[1, 185, 64]] })).toBe(2 * 185 * 64 * 128);
    expect(nodeFlops({ opType: 'FusedMatMul', inputShapes: [[2, 2, 100, 32], [2, 2, 32, 100]], outputShapes: [[2, 2, 100, 100]] })).toBe(2 * 2 * 2 * 100 * 100 * 32);
    expect(nodeFlops({ opType: 'Gemm', inputShapes: [[1, 128]], outputShapes: [[1, 151936]] })).toBe(2 * 151936 * 128);
    expect(nodeFlops({ opType: 'Conv', inputShapes: [[2, 128, 200], [64, 128, 3], [64]], outputShapes: [[2, 64, 200]] })).toBe(2 * 2 * 64 * 200 * 128 * 3);
    // 4 heads of 32 (q width 128), 185 new tokens on 10 cached, causal.
    const gqa = { opType: 'GroupQueryAttention', inputShapes: [[1, 185, 128], [1, 185, 64], [1, 185, 64], [1, 2, 10, 32], [1, 2, 10, 32], [1], []], outputShapes: [[1, 185, 128]] };
    expect(nodeFlops(gqa)).toBe(2 * 2 * 4 * 32 * (185 * 10 + (185 * 186) / 2));
  });

  it('is 0 for ops it does not count and null for a counted op without shapes', () => {
    expect(nodeFlops({ opType: 'Softmax', inputShapes: [[4, 4]], outputShapes: [[4, 4]] })).toBe(0);
    expect(nodeFlops({ opType: 'MatMul' })).toBeNull();
    expect(nodeFlops({ opType: 'Conv', inputShapes: [[1, 3, 8]], outputShapes: [[1, 4, 8]] })).toBeNull();
  });
});

describe('alignSession', () => {
  const T0 = 1_000_000; // ms: small enough for µs to stay exact in a double

  it('pairs the last runs with the spans, leaves the warmups out, and finds the origin that puts every run inside its span', () => {
    const runs = [
      { tsUs: 1000, durUs: 1000 }, // warmup
      { tsUs: 5000, durUs: 1000 },
      { tsUs: 9000, durUs: 1000 },
    ];
    const spans = [span('audio_encoder', T0 + 4.9, T0 + 6.2), span('audio_encoder', T0 + 8.95, T0 + 10.1), span('prefill', T0 + 11, T0 + 12)];
    const a = alignSession({ runs }, spans, sessionStages('speech'))!;
    expect(a.exact).toBe(true);
    expect(a.warmupRuns).toBe(1);
    expect(a.unmatchedRuns).toBe(0);
    expect(a.spansWithoutRun).toBe(0);
    expect(a.matches.map((m) => [m.run.tsUs, m.span.startMs])).toEqual([
      [5000, T0 + 4.9],
      [9000, T0 + 8.95],
    ]);
    // Origins allowed: [-0.1, 0.2] by the first pair, [-0.05, 0.1] by the second: the middle of [-0.05, 0.1].
    expect(a.originMs - T0).toBeCloseTo(0.025, 9);
  });

  it('matches by containment when a span ran no session (a cache hit)', () => {
    const runs = [
      { tsUs: 1000, durUs: 500 }, // warmup
      { tsUs: 10_000, durUs: 1000 },
      { tsUs: 30_000, durUs: 1000 },
    ];
    const spans = [span('vision_encoder', T0 + 9.8, T0 + 11.2), span('vision_encoder', T0 + 20, T0 + 20.1), span('vision_encoder', T0 + 29.9, T0 + 31.1)];
    const a = alignSession({ runs }, spans, sessionStages('vision-worker'))!;
    expect(a.exact).toBe(true);
    expect(a.matches.map((m) => m.span.startMs)).toEqual([T0 + 9.8, T0 + 29.9]);
    expect(a.warmupRuns).toBe(1);
    expect(a.spansWithoutRun).toBe(1);
  });

  it('is undefined without runs or without a span of the session\'s stages', () => {
    expect(alignSession({ runs: [] }, [span('prefill', 0, 1)], ['prefill'])).toBeUndefined();
    expect(alignSession({ runs: [{ tsUs: 0, durUs: 10 }] }, [span('embed', 0, 1)], ['prefill'])).toBeUndefined();
  });
});

describe('profileParts', () => {
  it('groups the kernels of recorded runs by part, module, op type and node; modules plus the session overhead make the session time', () => {
    const ops = [
      kernel('/vision/blocks.0/attn/q/MatMul', 'MatMul', 100, 10, { inputShapes: [[4, 8]], outputShapes: [[4, 8]] }), // a warmup's kernel
      kernel('/vision/blocks.0/norm1/Mul', 'Mul', 1005, 10),
      kernel('/vision/blocks.0/attn/q/MatMul', 'MatMul', 1017, 20, { inputShapes: [[4, 8]], outputShapes: [[4, 8]] }),
      kernel('Gelu', 'Gelu', 1038, 5),
      kernel('/vision/blocks.0/mlp/up_proj/MatMul', 'MatMul', 1045, 30, { inputShapes: [[4, 8]], outputShapes: [[4, 16]] }),
    ];
    const runs = [
      { tsUs: 90, durUs: 40 },
      { tsUs: 1000, durUs: 80 },
    ];
    const recorded = span('vision_encoder', 5000.99, 5001.1, 'trial-a');
    const a = alignSession({ runs }, [recorded], sessionStages('vision'))!;
    expect(a.warmupRuns).toBe(1);
    const [part] = profileParts([{ component: 'vision', runs: kernelsByRun(ops, a.matches) }]);
    expect(part!.part).toBe('vision (vision_encoder)');
    expect([part!.runs, part!.requests, part!.sessionUs]).toEqual([1, 1, 80]);
    expect(Object.fromEntries([...part!.modules].map(([m, t]) => [m, [t.wallUs, t.kernelUs, t.calls, t.flops]]))).toEqual({
      norm: [12, 10, 1, 0],
      attention: [28, 25, 2, 2 * 4 * 8 * 8], // the MatMul and the Gelu fused after it
      mlp: [30, 30, 1, 2 * 4 * 16 * 8],
    });
    // 1005..1075 is covered by nodes; 5 µs before the first and 5 after the last are the session's own.
    expect(part!.overheadUs).toBe(10);
    const modules = [...part!.modules.values()].reduce((n, m) => n + m.wallUs, 0);
    expect(modules + part!.overheadUs).toBe(part!.sessionUs);
    expect(part!.opTypes.get('MatMul')).toMatchObject({ calls: 2, kernelUs: 50 });
    expect(part!.nodes.get('Gelu')).toMatchObject({ category: 'attention', calls: 1 });
  });
});
