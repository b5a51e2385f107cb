/**
 * A component's `session_options` in genai_config.json, read as onnxruntime-genai reads them:
 * threads, memory arena, optimisation level, execution providers and session config entries.
 * What is applied is marked used in the resolution; the rest stays listed as ignored.
 */
import type { ComponentName, ComponentSessionOptions } from './genai-config.js';
import { isObject, valueAt, type Resolution } from './config-resolution.js';

/** onnxruntime-genai provider names -> onnxruntime-node execution provider names. */
const PROVIDER_NAMES: Record<string, string> = {
  cuda: 'cuda',
  dml: 'dml',
  webgpu: 'webgpu',
  qnn: 'qnn',
  openvino: 'openvino',
  coreml: 'coreml',
  tensorrt: 'tensorrt',
  nvtensorrtrtx: 'nv_tensorrt_rtx',
  vitisai: 'vitisai',
  ryzenai: 'vitisai',
  rocm: 'rocm',
  migraphx: 'migraphx',
  cpu: 'cpu',
};

const OPT_LEVELS: Record<string, ComponentSessionOptions['graphOptimizationLevel']> = {
  ORT_DISABLE_ALL: 'disabled',
  ORT_ENABLE_BASIC: 'basic',
  ORT_ENABLE_EXTENDED: 'extended',
  ORT_ENABLE_ALL: 'all',
};

/** A component's session_options, read as onnxruntime-genai reads them. */
export function sessionOptionsOf(r: Resolution, component: ComponentName): ComponentSessionOptions | undefined {
  const path = `model.${component}.session_options`;
  const so = valueAt(r.genai.json, path);
  if (so === undefined) return undefined;
  const out: ComponentSessionOptions = { executionProviders: [], configEntries: {} };
  if (!isObject(so)) {
    r.missing.push(`${path}: genai_config.json ${path} is ${JSON.stringify(so)}, not an object`);
    return out;
  }
  const int = (key: string): number | undefined => {
    const v = so[key];
    if (v === undefined) return undefined;
    r.used.add(`${path}.${key}`);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    r.missing.push(`${path}.${key}: genai_config.json ${path}.${key} is ${JSON.stringify(v)}, not a non-negative integer`);
    return undefined;
  };
  const intra = int('intra_op_num_threads');
  const inter = int('inter_op_num_threads');
  // 0 means "ONNX Runtime decides", as in ORT's own options.
  if (intra !== undefined && intra > 0) out.intraOpThreads = intra;
  if (inter !== undefined && inter > 0) out.interOpThreads = inter;
  if (typeof so['enable_cpu_mem_arena'] === 'boolean') {
    out.memArena = so['enable_cpu_mem_arena'];
    r.used.add(`${path}.enable_cpu_mem_arena`);
  }
  const level = so['graph_optimization_level'];
  if (typeof level === 'string' && OPT_LEVELS[level]) {
    out.graphOptimizationLevel = OPT_LEVELS[level];
    r.used.add(`${path}.graph_optimization_level`);
  }
  const providers = so['provider_options'];
  if (Array.isArray(providers)) {
    if (providers.length === 0) r.used.add(`${path}.provider_options`);
    providers.forEach((entry, i) => {
      if (!isObject(entry)) return;
      for (const name of Object.keys(entry)) {
        const key = name.toLowerCase().replace(/executionprovider$/, '');
        out.executionProviders.push(PROVIDER_NAMES[key] ?? key);
        // The provider is used; its options (device_id, enable_cuda_graph...) are not passed on: they stay listed as ignored.
        const options = entry[name];
        if (!isObject(options) || Object.keys(options).length === 0) r.used.add(`${path}.provider_options.${i}.${name}`);
      }
    });
  }
  // Other string entries are ONNX Runtime session config entries, as onnxruntime-genai passes them.
  const known = new Set(['log_id', 'enable_profiling', 'intra_op_num_threads', 'inter_op_num_threads', 'log_severity_level', 'log_verbosity_level', 'enable_cpu_mem_arena', 'enable_mem_pattern', 'graph_optimization_level', 'custom_ops_library', 'provider_options']);
  for (const [key, value] of Object.entries(so)) {
    if (known.has(key) || typeof value !== 'string') continue;
    out.configEntries[key] = value;
    r.used.add(`${path}.${key}`);
  }
  if (typeof so['custom_ops_library'] === 'string') {
    r.warnings.push(`${path}.custom_ops_library '${so['custom_ops_library']}' is not loaded by omni-bench: a graph that needs its custom operators will not load`);
  }
  return out;
}

