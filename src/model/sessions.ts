/**
 * ONNX Runtime sessions of a model directory: one InferenceSession per component, opened with
 * the caller's execution provider, threads, optimization level and profiling, and checked
 * against the tensor names genai_config.json declares.
 */
import * as ort from 'onnxruntime-node';
import { ModelError } from '../errors.js';
import { componentPath, GENAI_CONFIG_FILE, layerName, presentComponents, type ComponentName, type ComponentSessionOptions, type GenaiConfig } from './genai-config.js';
import type { OmniModelLoadOptions } from './types.js';
import { matMulModel } from './calibrate.js';

/** Execution providers this onnxruntime-node build can use. */
export function availableExecutionProviders(): string[] {
  return ort.listSupportedBackends().map((b) => b.name);
}

/**
 * Throws ModelError naming `ep` when this build lacks it, or when its libraries cannot be
 * initialised: the binding lists providers it was compiled with (cuda among them) even when
 * their shared libraries were never installed (`onnxruntime-node-install=skip`), so a provider
 * other than cpu is proven by opening a one-node session on it before any model file is read.
 */
export async function checkExecutionProvider(ep: string): Promise<void> {
  const available = availableExecutionProviders();
  if (!available.includes(ep)) {
    throw new ModelError(`execution provider '${ep}' is not available in this onnxruntime-node build (available: ${available.join(', ')})`);
  }
  if (ep === 'cpu') return;
  let probe: ort.InferenceSession;
  try {
    probe = await ort.InferenceSession.create(matMulModel(1), { executionProviders: [ep], logSeverityLevel: 4 });
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0] ?? '';
    throw new ModelError(`execution provider '${ep}' could not be initialised (${reason}); its libraries are not installed here, use --ep cpu`, undefined, {
      cause: error,
    });
  }
  await probe.release();
}

/** The options a component's session was opened with, and where each came from (meta.json). */
export interface SessionOptionsUsed {
  executionProvider: string;
  intraOpThreads: number | null;
  interOpThreads: number | null;
  memArena: boolean | null;
  graphOptimizationLevel: string;
  /** Session config entries from genai_config.json (string keys onnxruntime-genai passes through). */
  configEntries: Record<string, string>;
  /** `cli` (the caller's option), `genai_config.json`, or `default` per option. */
  from: Record<'executionProvider' | 'intraOpThreads' | 'interOpThreads' | 'memArena' | 'graphOptimizationLevel', 'cli' | 'genai_config.json' | 'default'>;
}

/** The caller's options over genai_config.json's session_options for one component (the caller wins). */
export function effectiveSessionOptions(options: OmniModelLoadOptions, fromConfig: ComponentSessionOptions | undefined): SessionOptionsUsed {
  const pick = <T>(cli: T | undefined, config: T | undefined, fallback: T): [T, 'cli' | 'genai_config.json' | 'default'] =>
    cli !== undefined ? [cli, 'cli'] : config !== undefined ? [config, 'genai_config.json'] : [fallback, 'default'];
  const [executionProvider, epFrom] = pick(options.executionProvider, fromConfig?.executionProviders[0], 'cpu');
  const [intraOpThreads, intraFrom] = pick<number | null>(options.intraOpThreads, fromConfig?.intraOpThreads, null);
  const [interOpThreads, interFrom] = pick<number | null>(options.interOpThreads, fromConfig?.interOpThreads, null);
  const [memArena, arenaFrom] = pick<boolean | null>(options.memArena, fromConfig?.memArena, null);
  const [graphOptimizationLevel, levelFrom] = pick<string>(options.graphOptimizationLevel, fromConfig?.graphOptimizationLevel, 'all');
  return {
    executionProvider,
    intraOpThreads,
    interOpThreads,
    memArena,
    graphOptimizationLevel,
    configEntries: { ...(fromConfig?.configEntries ?? {}) },
    from: { executionProvider: epFrom, intraOpThreads: intraFrom, interOpThreads: interFrom, memArena: arenaFrom, graphOptimizationLevel: levelFrom },
  };
}

/**
 * Session options for one component (the profile prefix gets the component name): the caller's
 * options, else genai_config.json's session_options for the component, else ONNX Runtime's defaults.
 */
export function sessionOptionsFor(options: OmniModelLoadOptions, component?: ComponentName, fromConfig?: ComponentSessionOptions): ort.InferenceSession.SessionOptions {
  const used = effectiveSessionOptions(options, fromConfig);
  const so: ort.InferenceSession.SessionOptions = {
    executionProviders: [used.executionProvider],
    graphOptimizationLevel: used.graphOptimizationLevel as 'disabled' | 'basic' | 'extended' | 'all',
    logSeverityLevel: 3,
  };
  if (used.intraOpThreads !== null) so.intraOpNumThreads = used.intraOpThreads;
  if (used.interOpThreads !== null) so.interOpNumThreads = used.interOpThreads;
  if (used.memArena !== null) so.enableCpuMemArena = used.memArena;
  // Full ORT config keys (session.intra_op.allow_spinning): onnxruntime-node passes flat keys as they are.
  if (Object.keys(used.configEntries).length > 0) so.extra = { ...used.configEntries } as ort.InferenceSession.SessionOptions['extra'];
  if (options.profileFilePrefix !== undefined) {
    so.enableProfiling = true;
    so.profileFilePrefix = component ? `${options.profileFilePrefix}_${component}` : options.profileFilePrefix;
  }
  return so;
}

/** The input and output names a component must have, from genai_config.json. */
export function declaredNames(config: GenaiConfig, component: ComponentName): { inputs: Record<string, string>; outputs: Record<string, string> } {
  const c = config.model[component];
  const named = (map: Record<string, string | null> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(map ?? {}).filter((e): e is [string, string] => e[1] !== null));
  if (component !== 'decoder') return { inputs: named(c?.inputs), outputs: named(c?.outputs) };
  const d = config.model.decoder;
  const inputs: Record<string, string> = named({ inputs_embeds: d.inputs.inputs_embeds, attention_mask: d.inputs.attention_mask, position_ids: d.inputs.position_ids });
  const outputs: Record<string, string> = { logits: d.outputs.logits };
  for (let l = 0; l < d.num_hidden_layers; l++) {
    inputs[`past_key_names[${l}]`] = layerName(d.inputs.past_key_names, l);
    inputs[`past_value_names[${l}]`] = layerName(d.inputs.past_value_names, l);
    outputs[`present_key_names[${l}]`] = layerName(d.outputs.present_key_names, l);
    outputs[`present_value_names[${l}]`] = layerName(d.outputs.present_value_names, l);
  }
  return { inputs, outputs };
}

function checkNames(dir: string, config: GenaiConfig, component: ComponentName, session: ort.InferenceSession): void {
  const { inputs, outputs } = declaredNames(config, component);
  const file = config.model[component]?.filename ?? component;
  for (const [kind, declared, actual] of [
    ['inputs', inputs, session.inputNames],
    ['outputs', outputs, session.outputNames],
  ] as const) {
    for (const [field, name] of Object.entries(declared)) {
      if (!actual.includes(name)) {
        throw new ModelError(
          `${dir}/${GENAI_CONFIG_FILE}: model.${component}.${kind}.${field} is '${name}' but ${file} has ${kind} [${actual.join(', ')}] (fix the name in the config)`,
        );
      }
    }
  }
}

/** Opens one session per component the model has. Throws ModelError naming the file that ONNX Runtime cannot load. */
export async function openSessions(
  dir: string,
  config: GenaiConfig,
  options: OmniModelLoadOptions,
): Promise<{ sessions: Partial<Record<ComponentName, ort.InferenceSession>>; used: Partial<Record<ComponentName, SessionOptionsUsed>> }> {
  const components = presentComponents(config);
  const used: Partial<Record<ComponentName, SessionOptionsUsed>> = {};
  for (const component of components) used[component] = effectiveSessionOptions(options, config.sessionOptions[component]);
  for (const ep of new Set(Object.values(used).map((u) => u.executionProvider))) {
    const fromConfig = Object.entries(used).find(([, u]) => u.executionProvider === ep && u.from.executionProvider === 'genai_config.json');
    try {
      await checkExecutionProvider(ep);
    } catch (error) {
      if (!fromConfig) throw error;
      throw new ModelError(
        `${dir}/${GENAI_CONFIG_FILE}: model.${fromConfig[0]}.session_options.provider_options names '${ep}', which this machine cannot use (${(error as Error).message}); pass --ep cpu to override`,
      );
    }
  }
  const sessions: Partial<Record<ComponentName, ort.InferenceSession>> = {};
  try {
    for (const component of components) {
      const path = componentPath(dir, config, component);
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(path, sessionOptionsFor(options, component, config.sessionOptions[component]));
      } catch (error) {
        throw new ModelError(`${path}: ONNX Runtime cannot load it (${(error as Error).message.split('\n')[0]})`, undefined, { cause: error });
      }
      sessions[component] = session;
      checkNames(dir, config, component, session);
    }
  } catch (error) {
    await Promise.all(Object.values(sessions).map((s) => s.release()));
    throw error;
  }
  return { sessions, used };
}

/**
 * Throws ModelError naming the input when a feed's shape cannot fit what the graph declares (a
 * fixed size that differs, or another rank): clearer than ONNX Runtime's index message.
 */
function checkFeeds(component: ComponentName, session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): void {
  const metadata = (session as unknown as { inputMetadata?: readonly { name: string; isTensor: boolean; shape?: readonly (number | string)[] }[] }).inputMetadata;
  if (!Array.isArray(metadata)) return;
  for (const meta of metadata) {
    const feed = feeds[meta.name];
    if (!feed || !meta.isTensor || !meta.shape) continue;
    const declared = meta.shape;
    const fits = declared.length === feed.dims.length && declared.every((d: number | string, i: number) => typeof d !== 'number' || d < 0 || d === feed.dims[i]);
    if (!fits) {
      throw new ModelError(`${component} input '${meta.name}': the graph declares shape [${declared.join(', ')}], omni-bench feeds [${feed.dims.join(', ')}] (onnxruntime-genai's layout for this input)`);
    }
  }
}

/** Throws ModelError naming a component's output when its shape is not what the request needs (a dummy graph's constant output, a wrong export). */
export function checkOutputShape(component: ComponentName, tensor: string, expected: readonly (number | string)[], given: readonly number[], why: string): void {
  const ok = expected.length === given.length && expected.every((e, i) => typeof e === 'string' || e === given[i]);
  if (!ok) throw new ModelError(`${component} output '${tensor}' has shape [${given.join(', ')}]; the request needs [${expected.join(', ')}] (${why})`);
}

/** Runs a session, turning ONNX Runtime's failure into a ModelError naming the component. */
export async function runSession(
  component: ComponentName,
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
): Promise<ort.InferenceSession.ReturnType> {
  checkFeeds(component, session, feeds);
  try {
    return await session.run(feeds);
  } catch (error) {
    throw new ModelError(`${component}: ONNX Runtime run failed (${(error as Error).message.split('\n')[0]})`, undefined, { cause: error });
  }
}

/** Throws ModelError naming the tensor unless `given` matches `expected` (strings match any size). */
export function checkShape(tensor: string, expected: readonly (number | string)[], given: readonly number[]): void {
  const ok = expected.length === given.length && expected.every((e, i) => typeof e === 'string' || e === given[i]);
  if (!ok) throw new ModelError(`input '${tensor}': expected shape [${expected.join(', ')}], given [${given.join(', ')}]`);
}
