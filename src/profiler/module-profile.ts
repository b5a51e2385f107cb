/**
 * ONNX Runtime kernels grouped into the modules of the model that ran them (module-profile):
 * each node's module from its hierarchical name (`/vision/blocks.0/attn/q/MatMul` is vision
 * attention), its time inside the session run, and its FLOPs from the shapes the profile
 * records. Pure functions over aligned runs (ort-align.ts); the report formats them.
 */
import type { OrtOpEvent } from './ort-profile.js';
import type { RunKernels } from './ort-align.js';

/** The modules a node is grouped into, per component. */
export const MODULE_CATEGORIES = ['attention', 'mlp', 'conv', 'norm', 'merger', 'embedding', 'positions', 'lm_head', 'residual', 'other'] as const;
/** One of MODULE_CATEGORIES. */
export type ModuleCategory = (typeof MODULE_CATEGORIES)[number];

/**
 * Scope rules, first match wins: a node belongs to the first category one of whose patterns
 * matches a segment of its scope (the name without its last part, the node itself), lower-cased.
 * The names are those of the reference model's builder and of PyTorch exports of Qwen2.5-Omni
 * (`/model/layers.0/self_attn/q_proj/MatMul`, `/audio_tower/layers.0/fc1/MatMul`).
 */
const SCOPE_RULES: ReadonlyArray<readonly [ModuleCategory, RegExp]> = [
  ['lm_head', /^lm_head$/],
  // GroupQueryAttention's mask bookkeeping (attn_mask) is attention's too.
  ['attention', /^(self_|cross_)?(attn|attention)(_mask)?$/],
  ['embedding', /embed/],
  // The vision merger (its MLP included), and the audio tower's output stage (pooler, ln_post,
  // proj): both shrink the encoder's tokens and project them to the decoder's width.
  ['merger', /^(merger|avg_pooler|ln_post|projector|multi_modal_projector)$/],
  ['mlp', /^(mlp|ffn|feed_forward|fc\d+)$/],
  ['conv', /^conv\d*$/],
  ['norm', /norm|^ln(_|$)/],
  ['positions', /rotary|^rope$|position/],
];

/** Scopes right under a tower's root that are its output stage (`/audio/output`, `/audio_tower/proj`): the merger's. */
const TOP_MERGER = /^(output|proj)$/;

/** Op types that decide the category when the scope does not. */
const OP_RULES: Readonly<Record<string, ModuleCategory>> = {
  GroupQueryAttention: 'attention',
  MultiHeadAttention: 'attention',
  Attention: 'attention',
  Conv: 'conv',
  LayerNormalization: 'norm',
  SimplifiedLayerNormalization: 'norm',
  SkipLayerNormalization: 'norm',
  SkipSimplifiedLayerNormalization: 'norm',
};

/** A layer's own scope (`layers.3`, `blocks.0`): a node right inside it is the residual add. */
const LAYER_SCOPE = /^(layers|blocks|layer|h)\.\d+$/;

/** The scope segments of a node name: `/vision/blocks.0/attn/q/MatMul` -> [vision, blocks.0, attn, q]; none for `Gelu`. */
export function scopeOf(node: string): string[] {
  const parts = node.split('/').filter((p) => p !== '');
  return node.includes('/') ? parts.slice(0, -1) : [];
}

/**
 * The module category of a node, or undefined when its name carries no scope: ORT names some
 * fused nodes afresh (`Gelu`, `BiasGelu_token_3`), and {@link attributeKernels} gives those
 * the module of the node run before them, the one they were fused onto.
 */
export function classifyNode(node: string, opType: string): ModuleCategory | undefined {
  const scope = scopeOf(node).map((s) => s.toLowerCase());
  if (scope.length === 0) return undefined;
  const byOp = OP_RULES[opType];
  if (byOp === 'attention') return byOp;
  for (const [category, pattern] of SCOPE_RULES) {
    if (scope.some((s) => pattern.test(s))) return category;
    if (category === 'merger' && scope.length > 1 && TOP_MERGER.test(scope[1] as string)) return 'merger';
  }
  if (byOp) return byOp;
  if (LAYER_SCOPE.test(scope[scope.length - 1] as string)) return 'residual';
  return 'other';
}

/** A kernel with its module and its share of the run's wall time. */
export interface AttributedKernel {
  event: OrtOpEvent;
  category: ModuleCategory;
  /**
   * Wall time of the node in the run, µs: from its kernel's start to the next kernel's start
   * (the kernel, then the executor's work before the next node: releasing inputs, recording the
   * profile event); the last node's is its kernel's duration. Sums to the span from the first
   * kernel's start to the last one's end: the run minus what the session does before the first
   * node and after the last (binding feeds, returning fetches).
   */
  wallUs: number;
  /** FLOPs of the node from its shapes ({@link nodeFlops}); 0 for ops not counted, null when a counted op lacks its shapes. */
  flops: number | null;
}

/** The kernels of one run (in start order) with their modules: a node without a scope takes the module of the node before it. */
export function attributeKernels(kernels: readonly OrtOpEvent[]): AttributedKernel[] {
  const sorted = [...kernels].sort((a, b) => a.tsUs - b.tsUs);
  let previous: ModuleCategory = 'other';
  return sorted.map((event, i) => {
    const category = classifyNode(event.node, event.opType) ?? previous;
    previous = category;
    const next = sorted[i + 1];
    const wallUs = next ? Math.max(0, next.tsUs - event.tsUs) : event.durUs;
    return { event, category, wallUs, flops: nodeFlops(event) };
  });
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * FLOPs of one kernel from the shapes ORT recorded, counted as flops.ts counts a component
 * (2 per multiply-add): MatMul, FusedMatMul and Gemm 2 x output elements x K (K the first
 * input's last dimension, the weight usually being prepacked and unlisted); Conv 2 x output
 * elements x weight elements / output channels; GroupQueryAttention's two products, causal,
 * 2 x 2 x heads x head_size x (S x past + S (S + 1) / 2). 0 for other ops (norms, activations,
 * softmax: a few percent at most); null when a counted op's shapes are missing.
 */
export function nodeFlops(event: Pick<OrtOpEvent, 'opType' | 'inputShapes' | 'outputShapes'>): number | null {
  const inputs = event.inputShapes;
  const output = event.outputShapes?.[0];
  switch (event.opType) {
    case 'MatMul':
    case 'FusedMatMul':
    case 'Gemm': {
      const a = inputs?.[0];
      if (!a || !output || a.length === 0) return null;
      return 2 * product(output) * (a[a.length - 1] as number);
    }
    case 'Conv': {
      const weight = inputs?.[1];
      if (!weight || !output || weight.length < 2) return null;
      return (2 * product(output) * product(weight)) / (weight[0] as number);
    }
    case 'GroupQueryAttention': {
      const q = inputs?.[0];
      const past = inputs?.[3];
      if (!q || q.length !== 3 || !past || past.length !== 4) return null;
      const [batch, s, width] = q as [number, number, number];
      const headSize = past[3] as number;
      const pastLength = past[2] as number;
      if (!(headSize > 0)) return null;
      const keysSeen = s * pastLength + (s * (s + 1)) / 2;
      return 2 * 2 * batch * width * keysSeen; // width = heads x head_size
    }
    default:
      return 0;
  }
}

/** Time, calls and FLOPs of one group of kernels (a module, an op type, a node). */
export interface KernelTotals {
  /** Node wall time (see AttributedKernel.wallUs), µs, summed over the recorded runs. */
  wallUs: number;
  /** Kernel time alone (ORT's dur), µs. */
  kernelUs: number;
  calls: number;
  flops: number;
  /** Kernels of a counted op whose shapes were missing (their FLOPs are not in `flops`). */
  unknownFlops: number;
}

/** The profile of one part: a component's session as one stage called it (the decoder in prefill, or in decode). */
export interface PartProfile {
  /** `decoder (prefill)`, `speech (audio_encoder)`. */
  part: string;
  component: string;
  stage: string;
  /** Recorded session runs, and the trials (requests) they came from. */
  runs: number;
  requests: number;
  /** ORT's model_run durations summed, µs: the time inside InferenceSession.run. */
  sessionUs: number;
  /** Wall time of the stage spans that made the runs, µs (what the trace shows as the stage). */
  spanUs: number;
  /** Everything inside the runs that no node accounts for (binding feeds, returning fetches), µs: sessionUs - sum of node wall time. */
  overheadUs: number;
  modules: Map<ModuleCategory, KernelTotals>;
  opTypes: Map<string, KernelTotals>;
  nodes: Map<string, KernelTotals & { opType: string; category: ModuleCategory }>;
}

const emptyTotals = (): KernelTotals => ({ wallUs: 0, kernelUs: 0, calls: 0, flops: 0, unknownFlops: 0 });

function add(totals: KernelTotals, k: AttributedKernel): void {
  totals.wallUs += k.wallUs;
  totals.kernelUs += k.event.durUs;
  totals.calls++;
  if (k.flops === null) totals.unknownFlops++;
  else totals.flops += k.flops;
}

/** One session's recorded runs, named by the component whose session it is. */
export interface ComponentRuns {
  component: string;
  runs: readonly RunKernels[];
}

/**
 * Groups the recorded runs of every session into parts (component x calling stage), and within
 * each part by module, op type and node. Parts are ordered as the request runs them (first run).
 */
export function profileParts(sessions: readonly ComponentRuns[]): PartProfile[] {
  const parts = new Map<string, PartProfile & { firstMs: number; trials: Set<string>; spans: Set<object> }>();
  for (const { component, runs } of sessions) {
    for (const run of runs) {
      const stage = String(run.span.name);
      const key = `${component} (${stage})`;
      let part = parts.get(key);
      if (!part) {
        part = { part: key, component, stage, runs: 0, requests: 0, sessionUs: 0, spanUs: 0, overheadUs: 0, modules: new Map(), opTypes: new Map(), nodes: new Map(), firstMs: run.span.startMs, trials: new Set(), spans: new Set() };
        parts.set(key, part);
      }
      part.runs++;
      part.sessionUs += run.run.durUs;
      if (!part.spans.has(run.span)) {
        part.spans.add(run.span);
        part.spanUs += (run.span.endMs - run.span.startMs) * 1000;
      }
      part.trials.add(run.span.trial ?? '');
      let nodeUs = 0;
      for (const k of attributeKernels(run.kernels)) {
        nodeUs += k.wallUs;
        const module = part.modules.get(k.category) ?? emptyTotals();
        add(module, k);
        part.modules.set(k.category, module);
        const op = part.opTypes.get(k.event.opType) ?? emptyTotals();
        add(op, k);
        part.opTypes.set(k.event.opType, op);
        const node = part.nodes.get(k.event.node) ?? { ...emptyTotals(), opType: k.event.opType, category: k.category };
        add(node, k);
        part.nodes.set(k.event.node, node);
      }
      part.overheadUs += run.run.durUs - nodeUs;
    }
  }
  return [...parts.values()]
    .sort((a, b) => a.firstMs - b.firstMs)
    .map(({ firstMs: _first, trials, spans: _spans, ...part }) => ({ ...part, requests: trials.size }));
}
