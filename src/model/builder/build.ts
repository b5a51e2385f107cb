/**
 * Builds a reference model directory (ONNX Runtime GenAI layout, DESIGN.md section 3) from a
 * preset and a seed. The directory is assembled in a temporary sibling and renamed into
 * place at the end, so a crash never leaves half a model.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { genaiConfigFor } from './config-files.js';
import { buildDecoderGraph, PHI4MM_ROPE_THETA } from './decoder.js';
import { buildEmbeddingGraph } from './embedding.js';
import { DEFAULT_FAMILY, MODEL_FILES, parseFamily, PHI4MM_TOKEN_IDS, QWEN_TOKEN_IDS, vocabSizeOf, type FamilyName } from './families.js';
import type { GraphSpec } from './graph.js';
import { hfConfigFor, preprocessorConfigFor } from './hf-configs.js';
import { EXTERNAL_DATA_THRESHOLD_BYTES, writeOnnxModel } from './onnx-writer.js';
import { buildPhi4mmSpeechGraph } from './phi4mm-speech.js';
import { buildPhi4mmVisionGraph } from './phi4mm-vision.js';
import type { ModelPreset } from './presets.js';
import { buildSpeechGraph } from './speech.js';
import { writeTokenizerFiles } from './tokenizer-files.js';
import { buildVisionGraph } from './vision.js';
import { roundToFloat16, WeightSource } from './weights.js';

/**
 * Version of the builder's output. Bump it whenever a graph, weight or config changes, so
 * cached models (keyed by preset + seed + this) are rebuilt.
 * 3: processor_config.json has Qwen2.5-Omni's chunk_length 300 s (was 30) and max_pixels.
 * 4: model families (qwen2_5_omni, qwen2_5_vl, phi4mm); genai_config.json holds only keys
 *    onnxruntime-genai's parser accepts (rope sections, encoder sizes and the omni_bench
 *    provenance moved to a Hugging Face config.json); preprocessor_config.json replaces
 *    processor_config.json; ONNX metadata names the family. qwen2_5_omni's graphs are unchanged.
 */
export const BUILDER_VERSION = 4;

/** Default weight seed. */
export const DEFAULT_SEED = 0;

/** Options of {@link buildModel}. */
export interface BuildOptions {
  /** Model family. Default 'qwen2_5_omni'. */
  family?: FamilyName;
  /** Weight seed. Default 0. */
  seed?: number;
  /** Per-file initializer bytes above which external data is written. Default 2 GB. */
  externalDataThresholdBytes?: number;
  /** Called before each file is built (for progress lines). */
  onProgress?: (message: string) => void;
}

/** One file of a built model. */
export interface BuiltFile {
  name: string;
  bytes: number;
}

/** What {@link buildModel} produced. */
export interface BuildResult {
  dir: string;
  family: FamilyName;
  preset: string;
  seed: number;
  files: BuiltFile[];
  totalBytes: number;
  buildSeconds: number;
}

/** A directory that may be replaced: absent, empty, or an earlier model (holds genai_config.json). */
function checkReplaceable(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UsageError(`--out ${dir}: exists and is not a directory`);
  if (readdirSync(dir).length > 0 && !existsSync(join(dir, MODEL_FILES.genaiConfig))) {
    throw new UsageError(`--out ${dir}: exists, is not empty and holds no ${MODEL_FILES.genaiConfig}; refusing to overwrite it (choose an empty or new folder)`);
  }
}

/** The ONNX files of `family`, each with its graph (built lazily, in file order). */
function componentGraphs(preset: ModelPreset, family: FamilyName, w: WeightSource): [string, () => GraphSpec][] {
  const H = preset.decoder.hiddenSize;
  const vocab = vocabSizeOf(family);
  // The token table is stored fp16 in embedding.onnx; the tied lm_head reuses the same
  // (fp16-rounded) values as f32 in decoder.onnx.
  const table = w.uniform('model.embed_tokens.weight', vocab * H, Math.sqrt(3 / H));
  const tableF16 = roundToFloat16(table);
  const q = QWEN_TOKEN_IDS;
  switch (family) {
    case 'qwen2_5_omni':
      return [
        ['speech.onnx', () => buildSpeechGraph(preset.speech, H, w)],
        ['vision.onnx', () => buildVisionGraph(preset.vision, H, w)],
        ['embedding.onnx', () => buildEmbeddingGraph(tableF16, vocab, H, { image: q.image, video: q.video, audio: q.audio })],
        ['decoder.onnx', () => buildDecoderGraph(preset.decoder, vocab, table, w)],
      ];
    case 'qwen2_5_vl':
      return [
        ['vision.onnx', () => buildVisionGraph(preset.vision, H, w)],
        ['embedding.onnx', () => buildEmbeddingGraph(tableF16, vocab, H, { image: q.image, video: q.video })],
        ['decoder.onnx', () => buildDecoderGraph(preset.decoder, vocab, table, w)],
      ];
    case 'phi4mm':
      return [
        ['speech.onnx', () => buildPhi4mmSpeechGraph(preset.speech, H, w)],
        ['vision.onnx', () => buildPhi4mmVisionGraph(preset.vision, H, w)],
        ['embedding.onnx', () => buildEmbeddingGraph(tableF16, vocab, H, { image: PHI4MM_TOKEN_IDS.image, audio: PHI4MM_TOKEN_IDS.audio })],
        ['decoder.onnx', () => buildDecoderGraph(preset.decoder, vocab, table, w, { positionIds: false, ropeTheta: PHI4MM_ROPE_THETA, attentionBias: false })],
      ];
  }
}

/** Writes every file of the model into `dir` (which exists and is empty). */
function writeModelFiles(preset: ModelPreset, dir: string, family: FamilyName, seed: number, options: BuildOptions): void {
  const w = new WeightSource(seed);
  const threshold = options.externalDataThresholdBytes ?? EXTERNAL_DATA_THRESHOLD_BYTES;
  for (const [file, graph] of componentGraphs(preset, family, w)) {
    options.onProgress?.(`building ${file}`);
    writeOnnxModel(join(dir, file), graph(), {
      producerVersion: String(BUILDER_VERSION),
      externalDataThresholdBytes: threshold,
      metadata: { 'omni_bench.family': family, 'omni_bench.preset': preset.name, 'omni_bench.seed': String(seed) },
    });
  }
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  const provenance = { preset: preset.name, seed, builder_version: BUILDER_VERSION, family };
  writeFileSync(join(dir, MODEL_FILES.genaiConfig), json(genaiConfigFor(preset, family)));
  writeFileSync(join(dir, MODEL_FILES.config), json(hfConfigFor(preset, provenance)));
  writeFileSync(join(dir, MODEL_FILES.preprocessorConfig), json(preprocessorConfigFor(family)));
  writeTokenizerFiles(dir, family);
}

/** Lists a directory's files with sizes, sorted by name. */
export function listFiles(dir: string): BuiltFile[] {
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, bytes: statSync(join(dir, name)).size }));
}

/**
 * Builds the model of `options.family` (default qwen2_5_omni) for `preset` into `outDir`
 * (replacing an earlier model there). Same family, preset, seed and builder version ->
 * byte-identical files.
 */
export function buildModel(preset: ModelPreset, outDir: string, options: BuildOptions = {}): BuildResult {
  const seed = options.seed ?? DEFAULT_SEED;
  const family = parseFamily(options.family ?? DEFAULT_FAMILY);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got ${seed}`);
  const dir = resolve(outDir);
  checkReplaceable(dir);
  mkdirSync(dirname(dir), { recursive: true });
  const started = performance.now();
  const tmp = join(dirname(dir), `.${basename(dir)}.building-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(tmp);
  try {
    writeModelFiles(preset, tmp, family, seed, options);
    if (existsSync(dir)) {
      const old = `${tmp}.old`;
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dir);
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  const files = listFiles(dir);
  return {
    dir,
    family,
    preset: preset.name,
    seed,
    files,
    totalBytes: files.reduce((n, f) => n + f.bytes, 0),
    buildSeconds: (performance.now() - started) / 1000,
  };
}
