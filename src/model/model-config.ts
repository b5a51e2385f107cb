/**
 * Reads a model folder as ONNX Runtime GenAI writes it. genai_config.json is read with
 * onnxruntime-genai's own field names and meaning (model.type, context_length, token ids, the
 * decoder / embedding / vision / speech sections with their filename, inputs / outputs name maps
 * and session_options; `search` is listed as ignored: omni-bench decodes greedily). What it lacks comes, in this order, from the Hugging Face
 * config.json an export ships beside it, its preprocessor_config.json, the processor configs
 * (processor_config.json, a component's config_filename; onnxruntime-extensions' format), and
 * the family's fixed values (its vocabulary's special ids, its architecture's constants). Every
 * resolved value records where it came from; every genai_config.json key omni-bench does not use
 * is kept and listed; every missing value is reported at once, in one message.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelError } from '../errors.js';
import {
  COMPONENTS,
  componentFile,
  FAMILY_NAMES,
  GENAI_CONFIG_FILE,
  PREPROCESSOR_CONFIG_FILE,
  PROCESSOR_CONFIG_FILE,
  readModelJson,
  type ComponentName,
  type DecoderConfig,
  type EmbeddingConfig,
  type FamilyName,
  type GenaiConfig,
} from './genai-config.js';
import { FAMILIES } from './families/index.js';
import { unacceptedKeys } from './builder/genai-keys.js';
import { mlpWidthFromGraph } from './graph-dims.js';
import { resolveInside } from '../safe-fs.js';
import { flattenProcessorConfig, HF_CONFIG_FILE, ignoredKeys, isObject, Resolution, valueAt, type Candidate, type ConfigFile, type Json } from './config-resolution.js';
import { sessionOptionsOf } from './session-config.js';

export { flattenProcessorConfig, HF_CONFIG_FILE, Resolution, valueAt, type Candidate, type ConfigFile, type Json } from './config-resolution.js';

/** One component file genai_config.json names, as checked. */
export interface ComponentFileCheck {
  component: ComponentName;
  filename: string;
  /** The resolved file; null when missing or refused. */
  path: string | null;
  problem: string | null;
  /** True when the name leaves the folder or is not a regular file (never opened); false when merely missing. */
  refused: boolean;
}

/** What a folder's resolution gives: the config when nothing is missing, and what is. */
export interface ResolvedFolder {
  dir: string;
  type: string;
  family: FamilyName;
  /** Null when values are missing (see `missing`). */
  config: GenaiConfig | null;
  /** Every missing or mistyped value, one line each. */
  missing: string[];
  /** Component files genai_config.json names that the folder lacks or that are unusable (one line each). */
  missingFiles: string[];
  /** Every component file the family uses, checked: its path, or the problem (refused: it leaves the folder or is not a regular file). */
  componentFiles: ComponentFileCheck[];
  /** What the user should know: files the folder lacks (tokenizer.json, a config_filename), components the family could have. */
  warnings: string[];
  sources: Record<string, string>;
  ignored: string[];
  files: GenaiConfig['files'];
}

/** Reads a JSON file of the folder when present; a present but unusable file is an error naming it. */
function optionalJson(dir: string, name: string): ConfigFile | null {
  if (!existsSync(join(dir, name))) return null;
  const json = readModelJson(dir, name);
  if (!isObject(json)) throw new ModelError(`${join(dir, name)}: expected a JSON object`);
  return { label: name, json };
}

/** The decoder section: genai_config.json's dims and names (onnxruntime-genai's defaults for absent names), config.json's MLP width. */
function resolveDecoder(r: Resolution, family: FamilyName, hidden: (key: string) => Candidate[]): DecoderConfig | null {
  const g = (key: string): Candidate => r.genaiPath(`model.decoder.${key}`);
  const name = (key: string, fallback: string): string => r.value<string>(`model.decoder.${key}`, 'string', [g(key)], { fallback: { value: fallback, label: "default (onnxruntime-genai's name)" } }) as string;
  const filename = r.value<string>('model.decoder.filename', 'string', [g('filename')]);
  const hiddenSize = r.value<number>('model.decoder.hidden_size', 'int', [g('hidden_size'), ...hidden('hidden_size')]);
  const heads = r.value<number>('model.decoder.num_attention_heads', 'int', [g('num_attention_heads'), ...hidden('num_attention_heads')]);
  const kvHeads = r.value<number>('model.decoder.num_key_value_heads', 'int', [g('num_key_value_heads'), ...hidden('num_key_value_heads')]);
  const layers = r.value<number>('model.decoder.num_hidden_layers', 'int', [g('num_hidden_layers'), ...hidden('num_hidden_layers')]);
  const headSize =
    r.value<number>('model.decoder.head_size', 'int', [g('head_size'), ...hidden('head_dim')], { required: false }) ??
    (hiddenSize !== null && heads ? r.derive('model.decoder.head_size', hiddenSize / heads, 'hidden_size / num_attention_heads') : null);
  // Derivable from hidden_size / num_attention_heads: missing on its own only when those were found.
  if (headSize === null && hiddenSize !== null && heads !== null) r.missing.push(`model.decoder.head_size (looked in ${r.genai.label} model.decoder.head_size)`);
  const intermediate = r.value<number>('model.decoder.intermediate_size', 'int', hidden('intermediate_size'), { required: false });
  const ropeTheta = r.value<number>('model.decoder.rope_theta', 'number', [...hidden('rope_theta'), ...hidden('rope_parameters.rope_theta')], { required: false });
  const mrope = family === 'phi4mm' ? null : r.value<number[]>('model.decoder.mrope_section', 'int[]', [...hidden('rope_scaling.mrope_section'), ...hidden('rope_parameters.mrope_section')], { required: false });
  const inputs: DecoderConfig['inputs'] = {
    inputs_embeds: name('inputs.inputs_embeds', 'inputs_embeds'),
    attention_mask: name('inputs.attention_mask', 'attention_mask'),
    position_ids: family === 'phi4mm' ? null : name('inputs.position_ids', 'position_ids'),
    past_key_names: name('inputs.past_key_names', 'past_key_values.%d.key'),
    past_value_names: name('inputs.past_value_names', 'past_key_values.%d.value'),
  };
  const outputs: DecoderConfig['outputs'] = {
    logits: name('outputs.logits', 'logits'),
    present_key_names: name('outputs.present_key_names', 'present.%d.key'),
    present_value_names: name('outputs.present_value_names', 'present.%d.value'),
  };
  if (filename === null || hiddenSize === null || heads === null || kvHeads === null || layers === null || headSize === null) return null;
  if (!Number.isInteger(headSize)) {
    r.missing.push(`model.decoder.head_size: hidden_size ${hiddenSize} / num_attention_heads ${heads} is not an integer; give head_size`);
    return null;
  }
  return { filename, hidden_size: hiddenSize, num_attention_heads: heads, num_key_value_heads: kvHeads, head_size: headSize, num_hidden_layers: layers, intermediate_size: intermediate, rope_theta: ropeTheta, mrope_section: mrope, inputs, outputs };
}

/** The embedding section; the feature inputs a family uses. */
function resolveEmbedding(r: Resolution, takes: { image: boolean; audio: boolean }): EmbeddingConfig | null {
  const g = (key: string): Candidate => r.genaiPath(`model.embedding.${key}`);
  const name = (key: string, fallback: string): string => r.value<string>(`model.embedding.${key}`, 'string', [g(key)], { fallback: { value: fallback, label: "default (onnxruntime-genai's name)" } }) as string;
  const filename = r.value<string>('model.embedding.filename', 'string', [g('filename')]);
  const declared = (key: string): boolean => valueAt(r.genai.json, `model.embedding.inputs.${key}`) !== undefined;
  const inputs: EmbeddingConfig['inputs'] = {
    input_ids: name('inputs.input_ids', 'input_ids'),
    image_features: takes.image || declared('image_features') ? name('inputs.image_features', 'image_features') : null,
    audio_features: takes.audio || declared('audio_features') ? name('inputs.audio_features', 'audio_features') : null,
  };
  const outputs = { inputs_embeds: name('outputs.inputs_embeds', 'inputs_embeds') };
  return filename === null ? null : { filename, inputs, outputs };
}

/** The components genai_config.json declares (sections present under `model`). */
function declaredComponents(genai: Json): string[] {
  const model = genai['model'];
  if (!isObject(model)) return [];
  return ['decoder', 'embedding', 'vision', 'speech', 'encoder'].filter((c) => isObject(model[c]));
}

/**
 * The one message for a model type omni-bench has no adapter for: the type, what the folder
 * holds, and every part omni-bench would need (an embedding and at least one media encoder it
 * knows how to feed, and the family's preprocessing and prompt).
 */
function unsupportedMessage(file: string, type: string, genai: Json): string {
  const present = declaredComponents(genai);
  const lacks: string[] = [];
  if (!present.includes('embedding')) lacks.push('an embedding component (model.embedding)');
  if (!present.includes('vision') && !present.includes('speech')) lacks.push('a vision or speech encoder (model.vision / model.speech)');
  lacks.push(`an omni-bench family adapter for '${type}' (its preprocessing, prompt and placeholders, position ids)`);
  return (
    `${file}: model.type '${type}' is not supported: omni-bench runs ${FAMILY_NAMES.join(', ')}. ` +
    `The folder declares ${present.length ? present.join(', ') : 'no components'}; missing for omni-bench: ${lacks.join('; ')}`
  );
}

/** A folder holding other genai_config variants (genai_config.*.json) and no genai_config.json. */
function noGenaiConfigMessage(dir: string): string {
  const others = existsSync(dir) ? readdirSync(dir).filter((f) => /^genai_config.*\.json$/.test(f) && f !== GENAI_CONFIG_FILE) : [];
  const hint = others.length ? `; it holds ${others.join(', ')}: pass one of them as the config file` : ' (not an ONNX Runtime GenAI model directory?)';
  return `${join(dir, GENAI_CONFIG_FILE)}: not found${hint}`;
}

/**
 * Resolves a model folder without throwing for what is missing: the config when complete, and
 * every missing value and file. `configFile` reads another genai_config (e.g.
 * genai_config.mobius-target.json) in place of `<dir>/genai_config.json`. Throws ModelError for
 * what makes the folder unreadable: no genai_config, invalid JSON, an unsupported model.type.
 */
export function resolveModelFolder(dir: string, configFile: string = GENAI_CONFIG_FILE): ResolvedFolder {
  const abs = resolve(dir);
  if (configFile === GENAI_CONFIG_FILE && existsSync(abs) && !existsSync(join(abs, GENAI_CONFIG_FILE))) throw new ModelError(noGenaiConfigMessage(abs));
  const genaiJson = readModelJson(abs, configFile);
  const file = join(abs, configFile);
  if (!isObject(genaiJson)) throw new ModelError(`${file}: expected a JSON object with a "model" section`);
  if (!isObject(genaiJson['model'])) {
    const v2 = genaiJson['pipeline'] !== undefined || genaiJson['version'] !== undefined;
    throw new ModelError(
      v2
        ? `${file}: a 'version ${String(genaiJson['version'] ?? '?')}' pipeline config (no "model" section): not supported; omni-bench reads the "model" layout onnxruntime-genai's model builder writes, for ${FAMILY_NAMES.join(', ')}`
        : `${file}: no "model" section: not an ONNX Runtime GenAI genai_config.json`,
    );
  }
  const type = valueAt(genaiJson, 'model.type');
  if (typeof type !== 'string' || type.length === 0) {
    throw new ModelError(`${file}: model.type is ${JSON.stringify(type) ?? 'missing'}; omni-bench runs model types ${FAMILY_NAMES.join(', ')}`);
  }
  const family = (FAMILY_NAMES as readonly string[]).includes(type) ? (type as FamilyName) : undefined;
  if (!family) throw new ModelError(unsupportedMessage(file, type, genaiJson));
  const adapter = FAMILIES[family];

  const genai: ConfigFile = { label: configFile, json: genaiJson };
  const hf = optionalJson(abs, HF_CONFIG_FILE);
  const preprocessor = optionalJson(abs, PREPROCESSOR_CONFIG_FILE);
  const processors: ConfigFile[] = [];
  const processorJson = optionalJson(abs, PROCESSOR_CONFIG_FILE);
  if (processorJson) processors.push(flattenProcessorConfig(PROCESSOR_CONFIG_FILE, processorJson.json));
  const warnings: string[] = [];
  const usedEarly: string[] = [];
  for (const component of ['vision', 'speech'] as const) {
    const name = valueAt(genaiJson, `model.${component}.config_filename`);
    if (typeof name !== 'string') continue;
    usedEarly.push(`model.${component}.config_filename`);
    const inside = resolveInside(abs, name);
    if (!inside.ok) warnings.push(`model.${component}.config_filename '${name}' ${inside.reason}; it must lie inside ${abs}: its values are not read`);
    else {
      const json = optionalJson(abs, name);
      if (json) processors.push(flattenProcessorConfig(name, json.json));
      else warnings.push(`model.${component}.config_filename '${name}' is not in the folder; its values are taken from the other files or the family's defaults`);
    }
  }
  const r = new Resolution(abs, genai, hf, preprocessor, processors);
  r.used.add('model.type');
  for (const path of usedEarly) r.used.add(path);
  for (const component of ['vision', 'speech'] as const) {
    const adapterFile = valueAt(genaiJson, `model.${component}.adapter_filename`);
    if (typeof adapterFile === 'string') r.warnings.push(`model.${component}.adapter_filename '${adapterFile}': LoRA adapters are not applied by omni-bench; its timings are the base model's`);
  }

  const text = (key: string): Candidate[] => adapter.textConfigPaths.map((prefix) => r.hfPath(`${prefix}${key}`));
  const vocab = r.value<number>('model.vocab_size', 'int', [r.genaiPath('model.vocab_size'), ...text('vocab_size')]);
  const context = r.value<number>('model.context_length', 'int', [r.genaiPath('model.context_length'), ...text('max_position_embeddings')]);
  const eos = r.value<number[]>('model.eos_token_id', 'int[]', [r.genaiPath('model.eos_token_id'), r.hfPath('eos_token_id'), ...text('eos_token_id')], adapter.defaults.eos ? { fallback: adapter.defaults.eos } : {});
  const bos = r.value<number>('model.bos_token_id', 'int', [r.genaiPath('model.bos_token_id'), r.hfPath('bos_token_id'), ...text('bos_token_id')], { required: false });
  const pad = r.value<number>('model.pad_token_id', 'int', [r.genaiPath('model.pad_token_id'), r.hfPath('pad_token_id'), ...text('pad_token_id')], { required: false });
  const decoder = resolveDecoder(r, family, text);

  const embedding = isObject(valueAt(genaiJson, 'model.embedding')) ? resolveEmbedding(r, adapter.takes) : null;
  if (!isObject(valueAt(genaiJson, 'model.embedding'))) r.missing.push(`model.embedding (the embedding component: ${family} feeds the decoder inputs_embeds)`);
  const parts = adapter.resolve(r, { decoderHidden: decoder?.hidden_size ?? null, text });
  const sessionOptions: GenaiConfig['sessionOptions'] = {};
  for (const component of COMPONENTS) {
    const so = sessionOptionsOf(r, component);
    if (so) sessionOptions[component] = so;
  }
  warnings.push(...r.warnings);

  // Component files: named inside the folder, present, regular files; checked for every section
  // that names one, whether or not its other values resolved, so one message lists them all.
  const missingFiles: string[] = [];
  const componentFiles: ComponentFileCheck[] = [];
  for (const component of COMPONENTS) {
    const filename = valueAt(genaiJson, `model.${component}.filename`);
    if (typeof filename !== 'string' || (component === 'speech' && !adapter.takes.audio)) continue;
    try {
      componentFiles.push({ component, filename, path: componentFile(abs, file, component, filename), problem: null, refused: false });
    } catch (error) {
      const problem = (error as Error).message;
      missingFiles.push(problem);
      // Missing is what config-only folders are; a name that leaves the folder, or a device, is refused.
      componentFiles.push({ component, filename, path: null, problem, refused: !/ not found at /.test(problem) });
    }
  }
  // Last resort for the FLOP count: the MLP width from the decoder graph's weight shapes (a checked regular file only).
  const decoderFile = componentFiles.find((c) => c.component === 'decoder')?.path ?? null;
  if (decoder && decoder.intermediate_size === null && decoderFile !== null) {
    const width = mlpWidthFromGraph(decoderFile, decoder.hidden_size, [vocabOrZero(genaiJson), decoder.num_key_value_heads * decoder.head_size]);
    if (width !== null) {
      decoder.intermediate_size = width;
      r.sources['model.decoder.intermediate_size'] = `graph: ${decoder.filename} initializer shapes (an [H, I] and an [I, H] weight)`;
    }
  }
  // Keys onnxruntime-genai's own parser would reject: the folder still runs here, but not there.
  const rejected = unacceptedKeys(genaiJson);
  if (rejected.length > 0) warnings.push(`${configFile} has ${rejected.length} key(s) onnxruntime-genai's parser rejects (its src/config.cpp, see src/model/genai-config-keys.json): ${rejected.join(', ')}`);
  for (const name of ['tokenizer.json']) {
    if (!existsSync(join(abs, name))) warnings.push(`${name} is not in the folder: prompts cannot be tokenized until it is added (the export's tokenizer files go beside genai_config.json)`);
  }
  if (!hf) warnings.push(`${HF_CONFIG_FILE} is not in the folder: layer sizes for FLOP counts and ${family}'s other values come from the family's defaults where it has them`);

  const files = {
    genaiConfig: file,
    config: hf ? join(abs, HF_CONFIG_FILE) : null,
    preprocessorConfig: preprocessor ? join(abs, PREPROCESSOR_CONFIG_FILE) : null,
    processorConfig: processorJson ? join(abs, PROCESSOR_CONFIG_FILE) : null,
  };
  const ignored = ignoredKeys(genaiJson, r.used);
  const base = { dir: abs, type, family, missing: r.missing, missingFiles, componentFiles, warnings, sources: r.sources, ignored, files };
  if (r.missing.length > 0 || vocab === null || context === null || eos === null || decoder === null || embedding === null || !parts.ok) return { ...base, config: null };
  const omniBench = hf ? valueAt(hf.json, 'omni_bench') : undefined;
  const config: GenaiConfig = {
    family,
    model: {
      type,
      vocab_size: vocab,
      context_length: context,
      bos_token_id: bos ?? (eos[eos.length - 1] as number),
      eos_token_id: eos,
      pad_token_id: pad ?? (eos[eos.length - 1] as number),
      ...parts.tokens,
      decoder,
      embedding,
      ...(parts.vision ? { vision: parts.vision } : {}),
      ...(parts.speech ? { speech: parts.speech } : {}),
    },
    sessionOptions,
    sources: r.sources,
    ignored,
    files,
    ...(isObject(omniBench) ? { omni_bench: omniBench as unknown as NonNullable<GenaiConfig['omni_bench']> } : {}),
  };
  return { ...base, config };
}

/** genai_config.json's vocab_size, or 0 when absent (only excluded from the MLP width search). */
function vocabOrZero(genai: Json): number {
  const v = valueAt(genai, 'model.vocab_size');
  return typeof v === 'number' ? v : 0;
}

/** The one error for a folder that cannot run: every missing value and file, and the supported types. */
export function incompleteMessage(folder: ResolvedFolder): string {
  const lines = [...folder.missing, ...folder.missingFiles];
  return (
    `${folder.files.genaiConfig}: ${folder.family} model is missing ${lines.length} thing(s) omni-bench needs: ${lines.join('; ')}. ` +
    `(omni-bench runs ${FAMILY_NAMES.join(', ')}; see docs/model-format.md for where each value is read)`
  );
}

/**
 * Reads a model folder's resolved configuration (see resolveModelFolder). Throws one ModelError
 * listing every missing value and component file at once.
 */
export function readModelConfig(dir: string): GenaiConfig {
  const folder = resolveModelFolder(dir);
  if (!folder.config || folder.missingFiles.length > 0) throw new ModelError(incompleteMessage(folder));
  return folder.config;
}
