/**
 * ONNX Runtime sessions of a model directory: one InferenceSession per component, opened with
 * the caller's execution provider, threads, optimization level and profiling, and checked
 * against the tensor names genai_config.json declares.
 */
import * as ort from 'onnxruntime-node';
import { ModelError } from '../errors.js';
import { COMPONENTS, componentPath, GENAI_CONFIG_FILE, layerName, type ComponentName, type GenaiConfig } from './genai-config.js';
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

/** Session options for one component (the profile prefix gets the component name). */
export function sessionOptionsFor(options: OmniModelLoadOptions, component?: ComponentName): ort.InferenceSession.SessionOptions {
  const so: ort.InferenceSession.SessionOptions = {
    executionProviders: [options.executionProvider ?? 'cpu'],
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    logSeverityLevel: 3,
  };
  if (options.intraOpThreads !== undefined) so.intraOpNumThreads = options.intraOpThreads;
  if (options.interOpThreads !== undefined) so.interOpNumThreads = options.interOpThreads;
  if (options.memArena !== undefined) so.enableCpuMemArena = options.memArena;
  if (options.profileFilePrefix !== undefined) {
    so.enableProfiling = true;
    so.profileFilePrefix = component ? `${options.profileFilePrefix}_${component}` : options.profileFilePrefix;
  }
  return so;
}

/** The input and output names a component must have, from genai_config.json. */
export function declaredNames(config: GenaiConfig, component: ComponentName): { inputs: Record<string, string>; outputs: Record<string, string> } {
  const c = config.model[component];
  if (component !== 'decoder') return { inputs: { ...c.inputs }, outputs: { ...c.outputs } };
  const d = config.model.decoder;
  const inputs: Record<string, string> = { inputs_embeds: d.inputs.inputs_embeds, attention_mask: d.inputs.attention_mask, position_ids: d.inputs.position_ids };
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
  const file = config.model[component].filename;
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

/** Opens one session per component. Throws ModelError naming the file that ONNX Runtime cannot load. */
export async function openSessions(dir: string, config: GenaiConfig, options: OmniModelLoadOptions): Promise<Record<ComponentName, ort.InferenceSession>> {
  await checkExecutionProvider(options.executionProvider ?? 'cpu');
  const sessions: Partial<Record<ComponentName, ort.InferenceSession>> = {};
  try {
    for (const component of COMPONENTS) {
      const path = componentPath(dir, config, component);
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(path, sessionOptionsFor(options, component));
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
  return sessions as Record<ComponentName, ort.InferenceSession>;
}

/** Runs a session, turning ONNX Runtime's failure into a ModelError naming the component. */
export async function runSession(
  component: ComponentName,
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
): Promise<ort.InferenceSession.ReturnType> {
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
