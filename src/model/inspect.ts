/**
 * `model inspect`: what a model directory holds — components, files and sizes, input and
 * output names and shapes (parsed from the ONNX protobuf), parameter counts (sum of
 * initializer elements) and FLOPs per component for the reference request.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { ModelError } from '../errors.js';
import { statRegularFile } from '../safe-fs.js';
import { COMPONENTS, componentPath, modelError, readGenaiConfig, type ComponentName, type GenaiConfig } from './genai-config.js';
import { loadProcessorConfig, type ModelWarning } from './processor-config.js';
import { referenceRequest, requestFlops } from './flops.js';

const { onnx } = onnxProto;

/** ONNX element type names by TensorProto.DataType code. */
const DTYPE_NAMES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 16: 'bfloat16' };

/** One graph input or output. */
export interface TensorInfo {
  name: string;
  dtype: string;
  /** Sizes, or symbolic names for dynamic dims. */
  shape: (number | string)[];
}

/** One component of the model. */
export interface ComponentInfo {
  component: ComponentName;
  /** The component's file name as genai_config.json writes it (relative to the model directory). */
  filename: string;
  /** The resolved path of that file. */
  file: string;
  /** The .onnx file plus its external data file, if any. */
  fileBytes: number;
  externalData: boolean;
  parameters: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  nodes: number;
  /** FLOPs for the reference request (see flops.ts). */
  referenceFlops: number;
}

/** What `model inspect` reports. */
export interface ModelInspection {
  dir: string;
  type: string;
  omniBench: GenaiConfig['omni_bench'] | null;
  components: ComponentInfo[];
  totalBytes: number;
  totalParameters: number;
  /** The processor config read (null: none, Qwen2.5-Omni's values) and its audio chunk, seconds. */
  processor: { file: string | null; chunkLengthSeconds: number };
  /** What the user should know about the folder (see OmniModel.warnings). */
  warnings: ModelWarning[];
  reference: ReturnType<typeof referenceRequest> & { flops: ReturnType<typeof requestFlops> };
}

function toNumber(v: number | { toNumber(): number }): number {
  return typeof v === 'number' ? v : v.toNumber();
}

function tensorInfo(v: onnxProto.onnx.IValueInfoProto): TensorInfo {
  const tt = v.type?.tensorType;
  return {
    name: v.name ?? '',
    dtype: DTYPE_NAMES[tt?.elemType ?? 0] ?? `type${tt?.elemType ?? '?'}`,
    shape: (tt?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? toNumber(d.dimValue) : '?')),
  };
}

/** Parses one ONNX file's graph; a file that is not an ONNX model (or not a regular file) gives a ModelError naming it. */
export function readOnnxSummary(path: string): Omit<ComponentInfo, 'component' | 'filename' | 'referenceFlops'> {
  statRegularFile(path, 'ONNX file', modelError);
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(readFileSync(path));
  } catch (error) {
    throw new ModelError(`${path}: not a valid ONNX model (${(error as Error).message.split('\n')[0]})`);
  }
  // Decoded messages always carry their repeated fields (protobufjs fills them with []).
  const graph = model.graph as InstanceType<typeof onnx.GraphProto> | null | undefined;
  if (!graph || graph.node.length === 0 || graph.output.length === 0) throw new ModelError(`${path}: not a valid ONNX model (no graph)`);
  let parameters = 0;
  let externalData = false;
  for (const t of graph.initializer) {
    parameters += (t.dims ?? []).reduce<number>((n, d) => n * toNumber(d), 1);
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) externalData = true;
  }
  const dataPath = `${path}.data`;
  const fileBytes = statSync(path).size + (externalData && existsSync(dataPath) ? statSync(dataPath).size : 0);
  const initNames = new Set(graph.initializer.map((t) => t.name));
  return {
    file: path,
    fileBytes,
    externalData,
    parameters,
    inputs: graph.input.filter((i) => !initNames.has(i.name ?? '')).map(tensorInfo),
    outputs: graph.output.map(tensorInfo),
    nodes: graph.node.length,
  };
}

/** Inspects a model directory. Throws ModelError naming the file for anything unusable. */
export function inspectModel(dir: string): ModelInspection {
  const config = readGenaiConfig(dir);
  const processor = loadProcessorConfig(dir);
  const request = referenceRequest();
  const flops = requestFlops(config, request);
  const components = COMPONENTS.map((component): ComponentInfo => ({
    component,
    filename: config.model[component].filename,
    ...readOnnxSummary(componentPath(dir, config, component)),
    referenceFlops: flops[component],
  }));
  return {
    dir,
    type: config.model.type,
    omniBench: config.omni_bench ?? null,
    components,
    totalBytes: components.reduce((n, c) => n + c.fileBytes, 0),
    totalParameters: components.reduce((n, c) => n + c.parameters, 0),
    processor: { file: processor.file, chunkLengthSeconds: processor.config.chunk_length },
    warnings: processor.warnings,
    reference: { ...request, flops },
  };
}
