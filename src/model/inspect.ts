/**
 * `model inspect`: what a model directory holds — components, files and sizes, input and
 * output names and shapes (parsed from the ONNX protobuf), parameter counts (sum of
 * initializer elements) and FLOPs per component for the reference request.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { ModelError } from '../errors.js';
import { statRegularFile } from '../safe-fs.js';
import { basename, dirname, join } from 'node:path';
import { GENAI_CONFIG_FILE, modelError, type ComponentName, type FamilyName, type GenaiConfig } from './genai-config.js';
import { FAMILIES, familyTakes } from './families/index.js';
import { resolveModelFolder } from './model-config.js';
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
  /** FLOPs for the reference request (see flops.ts); null when the config lacks the component's dims. */
  referenceFlops: number | null;
}

/** A component genai_config.json declares whose file the folder lacks (config-only folders). */
export interface AbsentComponent {
  component: ComponentName;
  filename: string;
  problem: string;
}

/** What `model inspect` reports. */
export interface ModelInspection {
  dir: string;
  /** The genai_config file read. */
  configFile: string;
  type: string;
  family: FamilyName;
  /** The family adapter's name for messages (e.g. "Qwen2.5-VL"). */
  familyTitle: string;
  omniBench: GenaiConfig['omni_bench'] | null;
  components: ComponentInfo[];
  /** Components declared whose ONNX file is missing or unusable. */
  absent: AbsentComponent[];
  /** Every value a run needs that no file gives (one line each); empty when the folder can run. */
  missing: string[];
  /** What a graph declares that omni-bench cannot feed (one line each, naming the tensor). */
  incompatible: string[];
  /** Where each resolved value came from (dotted field -> file and path, or a family default). */
  sources: Record<string, string>;
  /** genai_config.json keys omni-bench does not use. */
  ignored: string[];
  /** Files read besides genai_config.json. */
  files: GenaiConfig['files'];
  /** Session options per component from genai_config.json. */
  sessionOptions: GenaiConfig['sessionOptions'];
  totalBytes: number;
  totalParameters: number;
  /** The Whisper-feature processor config read (null: none, Qwen2.5-Omni's values) and its audio chunk, seconds; null for other families. */
  processor: { file: string | null; chunkLengthSeconds: number } | null;
  /** What the user should know about the folder (see OmniModel.warnings) and files it lacks. */
  warnings: ModelWarning[];
  /** Notes on files the folder lacks (tokenizer.json, config.json, a config_filename). */
  notes: string[];
  /** The reference request and its FLOPs; null when values are missing. */
  reference: (ReturnType<typeof referenceRequest> & { flops: ReturnType<typeof requestFlops> }) | null;
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
  // A graph may have no nodes (onnxruntime-genai's dummy test models: outputs stored as initializers).
  if (!graph || graph.output.length === 0) throw new ModelError(`${path}: not a valid ONNX model (no graph)`);
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

/**
 * Inspects a model folder, or one genai_config file in it (`dir/genai_config.mobius-target.json`).
 * A supported family is described even when the folder lacks files or values (config-only
 * folders): what is missing is listed, not thrown. Throws ModelError for a folder omni-bench cannot
 * read at all: no genai_config, invalid JSON, an unsupported model.type (one message naming it and
 * every missing part).
 */
export function inspectModel(path: string): ModelInspection {
  const isFile = existsSync(path) && statSync(path).isFile();
  const dir = isFile ? dirname(path) : path;
  const folder = resolveModelFolder(dir, isFile ? basename(path) : GENAI_CONFIG_FILE);
  const config = folder.config;
  const processor = config && FAMILIES[folder.family].audioFeatures === 'whisper' && config.model.speech ? loadProcessorConfig(folder.dir) : null;
  const request = config ? familyReferenceRequest(config) : referenceRequest();
  const flops = config ? requestFlops(config, request) : null;
  const components: ComponentInfo[] = [];
  const absent: AbsentComponent[] = [];
  // Every file is checked (a hostile name refused) before any ONNX file is parsed.
  const refused = folder.componentFiles.find((c) => c.refused);
  if (refused) throw new ModelError(refused.problem as string);
  for (const c of folder.componentFiles) {
    if (c.path === null) absent.push({ component: c.component, filename: c.filename, problem: c.problem as string });
    else components.push({ component: c.component, filename: c.filename, ...readOnnxSummary(c.path), referenceFlops: flops ? flops[c.component] : null });
  }
  // Qwen families feed position_ids [3, 1, S] (onnxruntime-genai's M-RoPE layout).
  const incompatible: string[] = [];
  const positionIds = config?.model.decoder.inputs.position_ids;
  const declared = components.find((c) => c.component === 'decoder')?.inputs.find((t) => t.name === positionIds);
  if (declared && declared.shape[0] !== 3) {
    incompatible.push(`decoder input '${declared.name}' is declared [${declared.shape.join(', ')}]; omni-bench feeds ${folder.family} positions as [3, 1, S] (onnxruntime-genai's layout), so the first prefill will fail`);
  }
  return {
    dir: folder.dir,
    configFile: folder.files.genaiConfig,
    type: folder.type,
    family: folder.family,
    familyTitle: FAMILIES[folder.family].title,
    omniBench: config?.omni_bench ?? null,
    components,
    absent,
    missing: folder.missing,
    incompatible,
    sources: folder.sources,
    ignored: folder.ignored,
    files: folder.files,
    sessionOptions: config?.sessionOptions ?? {},
    totalBytes: components.reduce((n, c) => n + c.fileBytes, 0),
    totalParameters: components.reduce((n, c) => n + c.parameters, 0),
    processor: processor ? { file: processor.file, chunkLengthSeconds: processor.config.chunk_length } : null,
    warnings: processor?.warnings ?? [],
    notes: folder.warnings,
    reference: flops ? { ...request, flops } : null,
  };
}

/** Whether an inspected folder can run a request: every value resolved and every component file present. */
export function readyToRun(info: ModelInspection): boolean {
  return info.missing.length === 0 && info.absent.length === 0 && info.incompatible.length === 0;
}

/** The config file of an inspection relative to its folder (for messages). */
export function configName(info: ModelInspection): string {
  return info.configFile.startsWith(info.dir) ? info.configFile.slice(info.dir.length + 1) : join(info.configFile);
}

/**
 * The reference request as a family takes it (what model bench and module-profile run): the
 * video alone for Qwen2.5-VL, the audio alone for Phi-4-multimodal (ceil(frames / 8) tokens).
 */
export function familyReferenceRequest(config: GenaiConfig): ReturnType<typeof referenceRequest> {
  const full = referenceRequest();
  const takes = familyTakes(config);
  const audioTokens = !takes.audio ? 0 : config.model.speech?.n_window === null ? Math.ceil(full.audioMelFrames / (config.model.speech?.compression_rate ?? 8)) : full.audioTokens;
  const visionTokens = takes.video ? full.visionTokens : 0;
  return {
    ...full,
    audioMelFrames: takes.audio ? full.audioMelFrames : 0,
    visionGrid: takes.video ? full.visionGrid : null,
    audioTokens,
    visionTokens,
    promptTokens: audioTokens + visionTokens + full.textTokens,
  };
}
