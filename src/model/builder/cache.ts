/**
 * The model cache: `${omniBenchHome()}/models/<preset>-s<seed>-b<builder version>` for the
 * default family (qwen2_5_omni) and `<family>-<preset>-s<seed>-b<builder version>` for the
 * others, built once and reused. The spec runner resolves its --model argument through
 * {@link ensureModel}.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelError } from '../../errors.js';
import { omniBenchHome } from '../../paths.js';
import { BUILDER_VERSION, buildModel, DEFAULT_SEED, type BuildOptions } from './build.js';
import { DEFAULT_FAMILY, MODEL_FILES, parseFamily, type FamilyName } from './families.js';
import { loadPreset, PRESETS, type ModelPreset } from './presets.js';

/**
 * Cache folder name of a family's model of a preset: built-in preset names as is, preset files
 * with a hash of their dims; the default family (qwen2_5_omni) keeps the unprefixed name.
 */
export function cacheKey(preset: ModelPreset, seed: number, family: FamilyName = DEFAULT_FAMILY): string {
  const builtIn = (PRESETS as Record<string, ModelPreset>)[preset.name];
  const same = builtIn && JSON.stringify(builtIn) === JSON.stringify(preset);
  const name = same ? preset.name : `${preset.name}-${createHash('sha256').update(JSON.stringify(preset)).digest('hex').slice(0, 8)}`;
  const prefix = family === DEFAULT_FAMILY ? '' : `${family}-`;
  return `${prefix}${name}-s${seed}-b${BUILDER_VERSION}`;
}

/** Folder of cached models. */
export function modelCacheDir(): string {
  return join(omniBenchHome(), 'models');
}

/**
 * A model argument that names a reference model: `<family>:<preset>` (qwen2_5_vl:tiny) or a
 * preset alone (Qwen2.5-Omni's); the preset may be a preset .json file. Null for anything else
 * (a model directory).
 */
export function parseModelArgument(arg: string): { family: FamilyName; preset: string } | null {
  const qualified = /^([a-z0-9_]+):(.+)$/.exec(arg);
  if (qualified) return { family: parseFamily(qualified[1] as string), preset: qualified[2] as string };
  return Object.hasOwn(PRESETS, arg) || arg.endsWith('.json') ? { family: DEFAULT_FAMILY, preset: arg } : null;
}

/** Options of {@link ensureModel}. */
export interface EnsureModelOptions {
  /** Weight seed. Default 0. */
  seed?: number;
  /** Family to build when the argument is a preset. Default 'qwen2_5_omni'. */
  family?: FamilyName;
  onProgress?: BuildOptions['onProgress'];
}

/**
 * Resolves a model argument to a model directory: an existing directory is returned as is
 * (resolved; `family` does not apply); a preset name or preset .json file is built into the
 * cache, as `family` (or the family a `<family>:<preset>` argument names), once and reused.
 */
export function ensureModel(presetOrDir: string, opts: EnsureModelOptions = {}): Promise<string> {
  return Promise.resolve().then(() => {
    if (existsSync(presetOrDir) && statSync(presetOrDir).isDirectory()) return resolve(presetOrDir);
    const looksLikeDir = !presetOrDir.endsWith('.json') && /[\\/]/.test(presetOrDir);
    if (looksLikeDir) throw new ModelError(`model directory '${presetOrDir}' not found (build one with: omni-bench model build --out DIR)`);
    // `<family>:<preset>` (qwen2_5_vl:tiny) names a family's reference model.
    const named = parseModelArgument(presetOrDir);
    const preset = loadPreset(named?.preset ?? presetOrDir);
    const seed = opts.seed ?? DEFAULT_SEED;
    const family = named && presetOrDir.includes(':') ? named.family : parseFamily(opts.family ?? DEFAULT_FAMILY);
    const dir = join(modelCacheDir(), cacheKey(preset, seed, family));
    if (existsSync(join(dir, MODEL_FILES.genaiConfig))) return dir;
    // Build beside the cache entry, then rename: concurrent builders race harmlessly.
    const staging = join(modelCacheDir(), `.staging-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(modelCacheDir(), { recursive: true });
    try {
      buildModel(preset, staging, { seed, family, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
      try {
        renameSync(staging, dir);
      } catch (error) {
        if (!existsSync(join(dir, MODEL_FILES.genaiConfig))) throw error; // someone else finished first otherwise
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    return dir;
  });
}
